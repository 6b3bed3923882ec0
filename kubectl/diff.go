package kubectl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"minik8s/pkg/api"
	"minik8s/pkg/api/decode"
	"minik8s/pkg/client"
)

// kubectl diff -f, as kubectl v1.32's pkg/cmd/diff: for each object, the
// live version and the "merged" one (what apply would make of it: a
// server-side dry-run PATCH, or a dry-run create) are written as YAML to
// the temp directories LIVE-* and MERGED-*, one file per object named
// [group.]version.Kind.namespace.name, and diffed with
// $KUBECTL_EXTERNAL_DIFF or `diff -u -N`. The exit code is the diff
// program's (0 same, 1 different); kubectl's own errors exit with 2.

// codedError is an error with the exit code the command ends with.
type codedError struct {
	err  error
	code int
}

func (e *codedError) Error() string { return e.err.Error() }
func (e *codedError) Unwrap() error { return e.err }
func (e *codedError) ExitCode() int { return e.code }

type diffOptions struct {
	ff       fileFlags
	selector string
}

func newDiffCommand(o *options) *cobra.Command {
	d := &diffOptions{}
	cmd := &cobra.Command{
		Use:   "diff -f FILENAME",
		Short: "Diff the live version against a would-be applied version",
		RunE: func(cmd *cobra.Command, args []string) error {
			err := runDiff(cmd, o, d, args)
			var coded *codedError
			if err == nil || errors.As(err, &coded) {
				return err
			}
			// kubectl's CheckDiffErr: its own errors exit with 2, since 1
			// means "differences found".
			return &codedError{err: err, code: 2}
		},
	}
	d.ff.add(cmd, "contains the configuration to diff")
	cmd.Flags().StringVarP(&d.selector, "selector", "l", "", "Selector (label query) to filter on, supports '=', '==', '!=', 'in', 'notin'.(e.g. -l key1=value1,key2=value2,key3 in (value3)). Matching objects must satisfy all of the specified label constraints.")
	return cmd
}

func runDiff(cmd *cobra.Command, o *options, d *diffOptions, args []string) error {
	ctx := cmd.Context()
	if len(d.ff.files) == 0 {
		return errors.New("must specify one of -f and -k")
	}
	if len(args) != 0 {
		return usageError(cmd, "Unexpected args: %v", args)
	}
	a := &applyOptions{selector: d.selector}
	if err := a.validate(o); err != nil {
		return err
	}
	srcs, err := d.ff.read(o)
	if err != nil {
		return err
	}
	c, ns, err := o.clientNS()
	if err != nil {
		return err
	}
	live, err := os.MkdirTemp("", "LIVE-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(live)
	merged, err := os.MkdirTemp("", "MERGED-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(merged)
	for _, src := range srcs {
		if !a.selects(src.Obj.GetObjectMeta().Labels) {
			continue
		}
		info, err := prepare(src.Obj, ns, o.namespace != "")
		if err != nil {
			return err
		}
		before, after, err := diffVersions(ctx, o, c, info, src)
		if err != nil {
			return err
		}
		name := diffFileName(info, src.Obj.GetObjectMeta())
		if err := writeDiffFile(filepath.Join(live, name), before); err != nil {
			return err
		}
		if err := writeDiffFile(filepath.Join(merged, name), after); err != nil {
			return err
		}
	}
	return runDiffProgram(o, o.getenv, live, merged)
}

// diffVersions returns the live object (nil if there is none) and the
// one applying src would make, from a server-side dry run.
func diffVersions(ctx context.Context, o *options, c *client.Client, info *api.ResourceInfo, src decode.Source) (live, merged []byte, err error) {
	m := src.Obj.GetObjectMeta()
	live, err = getObjectJSON(ctx, c, info, m.Namespace, m.Name, "")
	if client.IsNotFound(err) {
		body, err := json.Marshal(src.Obj)
		if err != nil {
			return nil, nil, fmt.Errorf("encode %s: %w", info.Kind, err)
		}
		merged, err = send(ctx, c, http.MethodPost, objectPath(info, m.Namespace, "", ""), true, body, "")
		return nil, merged, err
	}
	if err != nil {
		return nil, nil, err
	}
	modified, err := withLastApplied(src.Obj, src.Raw)
	if err != nil {
		return nil, nil, err
	}
	// kubectl diff patches towards the configuration without recording
	// it (GetModifiedConfiguration with annotate false).
	if modified, err = withoutLastApplied(modified); err != nil {
		return nil, nil, err
	}
	patch, err := applyPatchFor(info, live, modified, m.Name, o.err)
	if err != nil {
		return nil, nil, err
	}
	if string(patch) == "{}" {
		return live, live, nil
	}
	merged, err = send(ctx, c, http.MethodPatch, objectPath(info, m.Namespace, m.Name, ""), true, patch, string(client.StrategicMergePatchType))
	return live, merged, err
}

// withoutLastApplied removes the last-applied annotation from a JSON
// configuration, leaving the (possibly empty) annotations.
func withoutLastApplied(cfg []byte) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(cfg, &doc); err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	if md, ok := doc["metadata"].(map[string]any); ok {
		if ann, ok := md["annotations"].(map[string]any); ok {
			delete(ann, LastAppliedAnnotation)
		}
	}
	return json.Marshal(doc)
}

// diffFileName is kubectl's InfoObject.Name: [group.]version.Kind.namespace.name.
func diffFileName(info *api.ResourceInfo, m *api.ObjectMeta) string {
	group := ""
	if info.Group != "" {
		group = info.Group + "."
	}
	return fmt.Sprintf("%s%s.%s.%s.%s", group, info.Version, info.Kind, m.Namespace, m.Name)
}

// diffYAML is what kubectl's diff Printer writes for an object: its YAML
// without metadata.managedFields; nothing for no object.
func diffYAML(obj []byte) ([]byte, error) {
	if obj == nil {
		return nil, nil
	}
	var v map[string]any
	if err := json.Unmarshal(obj, &v); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if md, ok := v["metadata"].(map[string]any); ok {
		delete(md, "managedFields")
	}
	return yaml.Marshal(v)
}

func writeDiffFile(path string, obj []byte) error {
	data, err := diffYAML(obj)
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o700)
}

// validDiffArg is what kubectl accepts as an argument in
// KUBECTL_EXTERNAL_DIFF (others are ignored with a warning).
var validDiffArg = regexp.MustCompile(`^[a-zA-Z0-9-=]+$`)

// diffCommand is kubectl's DiffProgram.getCommand: the program and its
// arguments for diffing from and to.
func diffCommand(external, from, to string) (prog string, args, ignored []string) {
	if external == "" {
		return "diff", []string{"-u", "-N", from, to}, nil
	}
	parts := strings.Split(external, " ")
	args = []string{from, to}
	for _, a := range parts[1:] {
		if validDiffArg.MatchString(a) {
			args = append(args, a)
		} else {
			ignored = append(ignored, a)
		}
	}
	return parts[0], args, ignored
}

func runDiffProgram(o *options, getenv func(string) string, from, to string) error {
	if getenv == nil {
		getenv = os.Getenv
	}
	prog, args, ignored := diffCommand(getenv("KUBECTL_EXTERNAL_DIFF"), from, to)
	for _, a := range ignored {
		fmt.Fprintf(o.err, "Warning: invalid argument is ignored: %s, only Alphanumeric (case-insensitive), dash and equal are allowed\n", a)
	}
	cmd := exec.Command(prog, args...)
	cmd.Stdout, cmd.Stderr = o.out, o.err
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return &reportedError{err: &codedError{err: err, code: exit.ExitCode()}}
	}
	if err != nil {
		return fmt.Errorf("failed to run %q: %w", prog, err)
	}
	return nil
}
