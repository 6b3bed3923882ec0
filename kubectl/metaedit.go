package kubectl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/spf13/cobra"

	"minik8s/pkg/client"
)

// `kubectl label` and `kubectl annotate` share everything but the
// metadata field they change and a few messages: metaEdit is one run of
// either, following kubectl's label.go and annotate.go.

// metaKind is what differs between label and annotate.
type metaKind struct {
	field string // metadata field: "labels" or "annotations"
	noun  string // "label" or "annotation", in messages
	// parse reads the KEY=VAL and KEY- arguments.
	parse func(pairs []string) (set map[string]string, remove []string, err error)
	// conflicts is the error for keys --overwrite=false may not change.
	conflicts func(cur map[string]any, set map[string]string) error
	// changeMsg is the verb printed for an object, from its JSON before
	// and after (label: labeled, unlabeled or not labeled).
	changeMsg func(before, after []byte, overwrite bool) string
	// printServer prints the server's answer (annotate) rather than the
	// object as changed locally (label).
	printServer bool
	// notFound reports removed keys the object does not have (label).
	notFound bool
	// lateOutputCheck checks -o only when printing, after the change
	// (label makes its printer per object).
	lateOutputCheck bool
}

// metaFlags are the flags label and annotate share.
type metaFlags struct {
	selection
	overwrite       bool
	list            bool
	resourceVersion string
	dryRun          string
	output          string
}

func (f *metaFlags) add(cmd *cobra.Command, k *metaKind) {
	fl := cmd.Flags()
	fl.BoolVar(&f.overwrite, "overwrite", false, fmt.Sprintf("If true, allow %ss to be overwritten, otherwise reject %s updates that overwrite existing %ss.", k.noun, k.noun, k.noun))
	fl.BoolVar(&f.list, "list", false, fmt.Sprintf("If true, display the %ss for a given resource.", k.noun))
	fl.StringVar(&f.resourceVersion, "resource-version", "", fmt.Sprintf("If non-empty, the %ss update will only succeed if this is the current resource-version for the object. Only valid when specifying a single resource.", k.noun))
	fl.StringVar(&f.dryRun, "dry-run", "none", `Must be "none", "server", or "client". If client strategy, only print the object that would be sent, without sending it. If server strategy, submit server-side request without persisting the resource.`)
	fl.Lookup("dry-run").NoOptDefVal = "unchanged"
	fl.StringVarP(&f.output, "output", "o", "", "Output format. One of: (json, yaml, name).")
	f.files.add(cmd, "identifying the resource to update the "+k.noun)
	f.addSelectors(cmd, true)
}

// resourcesAndPairs is kubectl's GetResourcesAndPairs: resources first,
// then KEY=VAL and KEY- arguments.
func resourcesAndPairs(args []string, noun string) (resources, pairs []string, err error) {
	foundPair := false
	for _, s := range args {
		isPair := (strings.Contains(s, "=") && s[0] != '=') || (strings.HasSuffix(s, "-") && s != "-")
		switch {
		case isPair:
			foundPair = true
			pairs = append(pairs, s)
		case foundPair:
			return nil, nil, fmt.Errorf("all resources must be specified before %s changes: %s", noun, s)
		default:
			resources = append(resources, s)
		}
	}
	return resources, pairs, nil
}

// parsePairs is kubectl's ParsePairs (annotate's parser).
func parsePairs(pairs []string, noun string) (map[string]string, []string, error) {
	set := map[string]string{}
	remove := []string{}
	var invalid []string
	for _, p := range pairs {
		switch {
		case strings.Contains(p, "=") && p[0] != '=':
			k, v, _ := strings.Cut(p, "=")
			set[k] = v
		case strings.HasSuffix(p, "-") && p != "-":
			remove = append(remove, p[:len(p)-1])
		default:
			invalid = append(invalid, p)
		}
	}
	if len(invalid) > 0 {
		return nil, nil, fmt.Errorf("invalid %s format: %s", noun, strings.Join(invalid, ", "))
	}
	return set, remove, nil
}

// runMetaEdit runs label or annotate.
func runMetaEdit(ctx context.Context, o *options, k *metaKind, f *metaFlags, args []string) error {
	resources, pairs, err := resourcesAndPairs(args, k.noun)
	if err != nil {
		return err
	}
	set, remove, err := k.parse(pairs)
	if err != nil {
		return err
	}
	if f.list && f.output != "" {
		return errors.New("--list and --output may not be specified together")
	}
	if !k.lateOutputCheck {
		if err := checkOutput(f.output); err != nil {
			return err
		}
	}
	if err := checkDryRun(o, &f.dryRun); err != nil {
		return err
	}
	if err := f.check(); err != nil {
		return err
	}
	if len(resources) == 0 && len(f.files.files) == 0 {
		return errors.New("one or more resources must be specified as <resource> <name> or <resource>/<name>")
	}
	if len(set) == 0 && len(remove) == 0 && !f.list {
		return fmt.Errorf("at least one %s update is required", k.noun)
	}
	for _, r := range remove {
		if _, ok := set[r]; ok {
			return k.bothErr(remove, set)
		}
	}
	objs, single, errs, err := f.find(ctx, o, resources)
	if err != nil {
		return err
	}
	if !single && f.resourceVersion != "" {
		return errors.New("--resource-version may only be used with a single resource")
	}
	c, err := o.client()
	if err != nil {
		return err
	}
	e := metaEdit{kind: k, set: set, remove: remove, overwrite: f.overwrite, resourceVersion: f.resourceVersion}
	for i := range objs {
		if err := e.run(ctx, o, c, f, &objs[i], single); err != nil {
			errs = append(errs, err)
		}
	}
	return aggregateErr(o, errs)
}

// bothErr is the error for a key both set and removed.
func (k *metaKind) bothErr(remove []string, set map[string]string) error {
	if k.field == "labels" {
		return errors.New("can not both modify and remove a label in the same command")
	}
	var both []string
	for _, r := range remove {
		if _, ok := set[r]; ok {
			both = append(both, r)
		}
	}
	return fmt.Errorf("can not both modify and remove the following annotation(s) in the same command: %s", strings.Join(both, ", "))
}

// metaEdit is the change of one run.
type metaEdit struct {
	kind            *metaKind
	set             map[string]string
	remove          []string
	overwrite       bool
	resourceVersion string
}

// apply changes obj's labels or annotations as kubectl's labelFunc and
// updateAnnotations do (the field becomes an empty map rather than
// missing, as with kubectl's unstructured objects).
func (e *metaEdit) apply(obj map[string]any) error {
	meta, _ := obj["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		obj["metadata"] = meta
	}
	cur, _ := meta[e.kind.field].(map[string]any)
	if !e.overwrite {
		if err := e.kind.conflicts(cur, e.set); err != nil {
			return err
		}
	}
	m := make(map[string]any, len(cur)+len(e.set))
	for k, v := range cur {
		m[k] = v
	}
	for k, v := range e.set {
		m[k] = v
	}
	for _, k := range e.remove {
		delete(m, k)
	}
	meta[e.kind.field] = m
	if e.resourceVersion != "" {
		meta["resourceVersion"] = e.resourceVersion
	}
	return nil
}

// run changes one object and prints it.
func (e *metaEdit) run(ctx context.Context, o *options, c *client.Client, f *metaFlags, s *selected, single bool) error {
	obj := s.obj
	if f.resourceVersion != "" {
		// Sent in the patch: kubectl clears it from the starting JSON.
		if meta, ok := obj["metadata"].(map[string]any); ok {
			delete(meta, "resourceVersion")
		}
	}
	before, err := json.Marshal(obj)
	if err != nil {
		return fmt.Errorf("encode %s: %w", s.ref(), err)
	}
	out := obj
	local := f.dryRun == "client" || f.list
	if !local && e.kind.notFound {
		cur := metaMap(obj, e.kind.field)
		for _, k := range e.remove {
			if _, ok := cur[k]; !ok {
				fmt.Fprintf(o.out, "%s %q not found.\n", e.kind.noun, k)
			}
		}
	}
	if err := e.apply(obj); err != nil {
		return err
	}
	after, err := json.Marshal(obj)
	if err != nil {
		return fmt.Errorf("encode %s: %w", s.ref(), err)
	}
	msg := e.kind.changeMsg(before, after, e.overwrite)
	if !local {
		patch, err := jsonpatch.CreateMergePatch(before, after)
		if err != nil {
			return fmt.Errorf("compute the patch of %s: %w", s.ref(), err)
		}
		answer, err := patchRaw(ctx, c, s, patch, client.MergePatchType, f.dryRun == "server")
		if err != nil {
			return err
		}
		if e.kind.printServer {
			out = answer
		}
	}
	if f.list {
		indent := ""
		if !single {
			indent = " "
			fmt.Fprintf(o.out, "Listing %ss for %s.%s/%s:\n", e.kind.noun, s.info.Kind, s.info.Group, s.name)
		}
		cur := metaMap(out, e.kind.field)
		keys := make([]string, 0, len(cur))
		for k := range cur {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(o.out, "%s%s=%v\n", indent, k, cur[k])
		}
		return nil
	}
	return printChanged(o, f.output, s, out, msg+dryRunSuffix(f.dryRun))
}

// printChanged prints a changed object as kubectl's printers do:
// "kind/name <what>", "kind/name" (-o name) or the object (-o json|yaml).
func printChanged(o *options, output string, s *selected, obj any, what string) error {
	if err := checkOutput(output); err != nil {
		return err
	}
	switch output {
	case "json", "yaml":
		return printObject(o.out, output, obj)
	case "name":
		fmt.Fprintln(o.out, s.ref())
		return nil
	}
	fmt.Fprintf(o.out, "%s %s\n", s.ref(), what)
	return nil
}

// metaMap is obj's metadata.<field> map (nil when missing).
func metaMap(obj map[string]any, field string) map[string]any {
	meta, _ := obj["metadata"].(map[string]any)
	m, _ := meta[field].(map[string]any)
	return m
}

// sortedKeys are m's keys in order (kubectl's order is a Go map's, so
// any order matches it; sorting keeps ours stable).
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// labelChangeMsg is kubectl's updateDataChangeMsg for label.
func labelChangeMsg(before, after []byte, overwrite bool) string {
	if reflect.DeepEqual(before, after) {
		return "not labeled"
	}
	if !overwrite && len(after) < len(before) {
		return "unlabeled"
	}
	return "labeled"
}
