package kubectl

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// annotateKind is `kubectl annotate`: kubectl's annotate.go.
var annotateKind = metaKind{
	field: "annotations", noun: "annotation",
	parse: func(pairs []string) (map[string]string, []string, error) {
		return parsePairs(pairs, "annotation")
	},
	conflicts:   annotationConflicts,
	changeMsg:   func(_, _ []byte, _ bool) string { return "annotated" },
	printServer: true,
}

// changeCause is the annotation annotate may always overwrite.
const changeCause = "kubernetes.io/change-cause"

// annotationConflicts is kubectl's validateNoAnnotationOverwrites.
func annotationConflicts(cur map[string]any, set map[string]string) error {
	var found []string
	for _, k := range sortedKeys(set) {
		if v, ok := cur[k]; ok && k != changeCause && v != set[k] {
			found = append(found, fmt.Sprintf("'%s' already has a value (%v)", k, v))
		}
	}
	if len(found) == 0 {
		return nil
	}
	return errors.New("--overwrite is false but found the following declared annotation(s): " + strings.Join(found, "; "))
}

func newAnnotateCommand(o *options) *cobra.Command {
	var f metaFlags
	cmd := &cobra.Command{
		Use:   "annotate [--overwrite] (-f FILENAME | TYPE NAME) KEY_1=VAL_1 ... KEY_N=VAL_N [--resource-version=version]",
		Short: "Update the annotations on a resource",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMetaEdit(cmd.Context(), o, &annotateKind, &f, args)
		},
	}
	f.add(cmd, &annotateKind)
	return cmd
}
