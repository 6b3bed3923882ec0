package kubectl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/strategicpatch"

	"minik8s/pkg/api"
	"minik8s/pkg/api/decode"
	"minik8s/pkg/client"
)

// LastAppliedAnnotation holds the configuration apply last applied, as JSON.
const LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// fileFlags are -f and -R, shared by apply, create and delete.
type fileFlags struct {
	files     []string
	recursive bool
}

func (f *fileFlags) add(cmd *cobra.Command, what string) {
	cmd.Flags().StringSliceVarP(&f.files, "filename", "f", nil, "Filename, directory, or URL to files "+what)
	cmd.Flags().BoolVarP(&f.recursive, "recursive", "R", false, "Process the directory used in -f, --filename recursively")
}

// read decodes every object of the files, in order.
func (f *fileFlags) read(o *options) ([]decode.Source, error) {
	srcs, err := decode.ReadPaths(f.files, f.recursive, o.in)
	if err != nil {
		return nil, err
	}
	if len(srcs) == 0 {
		return nil, fmt.Errorf("no objects passed to %s", "the command")
	}
	return srcs, nil
}

// prepare resolves an object's resource and namespace as kubectl does: the
// object's namespace, else the command's; a clash with an explicit -n fails.
func prepare(obj api.Object, ns string, nsExplicit bool) (*api.ResourceInfo, error) {
	tm := obj.GetTypeMeta()
	info, err := api.ForKind(tm.APIVersion, tm.Kind)
	if err != nil {
		return nil, err
	}
	m := obj.GetObjectMeta()
	if !info.Namespaced {
		m.Namespace = ""
	} else if m.Namespace == "" {
		m.Namespace = ns
	} else if nsExplicit && m.Namespace != ns {
		return nil, fmt.Errorf("the namespace from the provided object %q does not match the namespace %q. You must pass '--namespace=%s' to perform this operation", m.Namespace, ns, m.Namespace)
	}
	return info, nil
}

func newApplyCommand(o *options) *cobra.Command {
	a := &applyOptions{}
	cmd := &cobra.Command{
		Use:   "apply -f FILENAME",
		Short: "Apply a configuration to a resource by file name or stdin",
		Args:  noArgsUnexpected,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(a.ff.files) == 0 {
				return fmt.Errorf("must specify one of -f and -k")
			}
			return runApply(cmd.Context(), o, a)
		},
	}
	a.ff.add(cmd, "that contains the configuration to apply")
	a.addFlags(cmd)
	return cmd
}

func runApply(ctx context.Context, o *options, a *applyOptions) error {
	if err := a.validate(o); err != nil {
		return err
	}
	var printed []any // -o json|yaml: printed at the end, as kubectl
	failed, applied := false, 0
	err := forEachSourceTo(o, &a.ff, io.Discard, func(c *client.Client, info *api.ResourceInfo, src decode.Source) (string, error) {
		m := src.Obj.GetObjectMeta()
		if a.prune && !a.selects(m.Labels) {
			return "", errSkip
		}
		applied++
		verb, result, err := applyOne(ctx, c, info, src.Obj, src.Raw, a.dryRun, o.err)
		if err != nil && verb == "created" {
			return "", withSource("creating", src, err)
		}
		if err != nil {
			return "", err
		}
		a.visited(info, result, m.Namespace)
		if a.out.format != "" && a.out.format != "name" {
			var v any
			if err := json.Unmarshal(result, &v); err != nil {
				return "", fmt.Errorf("decode %s: %w", info.Kind, err)
			}
			printed = append(printed, v)
			return "", nil
		}
		return "", a.out.print(o, info, m.Name, result, verb, a.dryRun)
	})
	if errors.Is(err, errFailed) {
		failed = true
	} else if err != nil {
		return err
	}
	if applied == 0 && !failed {
		return errors.New("no objects passed to apply")
	}
	if err := printApplied(o, a.out.format, printed); err != nil {
		return err
	}
	if a.prune && !failed {
		c, err := o.client()
		if err != nil {
			return err
		}
		if err := a.pruneAll(ctx, o, c); err != nil {
			return err
		}
	}
	if failed {
		return errFailed
	}
	return nil
}

// printApplied prints the objects -o collected: one as itself, several
// as a v1 List.
func printApplied(o *options, format string, objs []any) error {
	switch len(objs) {
	case 0:
		return nil
	case 1:
		return printAny(o, format, objs[0])
	}
	return printAny(o, format, map[string]any{"apiVersion": "v1", "kind": "List", "metadata": map[string]any{}, "items": objs})
}

// forEachSource reads the -f documents and runs fn on each with the
// namespace settled, printing "kind/<what fn returns>" or the error; it
// goes on after a failure and fails at the end, as kubectl does.
func forEachSource(o *options, ff *fileFlags, fn func(*client.Client, *api.ResourceInfo, decode.Source) (string, error)) error {
	return forEachSourceTo(o, ff, o.out, fn)
}

// errSkip is what a forEachSourceTo callback returns for an object it
// leaves alone, printing nothing.
var errSkip = errors.New("skipped")

// forEachSourceTo is forEachSource printing fn's lines to out.
func forEachSourceTo(o *options, ff *fileFlags, out io.Writer, fn func(*client.Client, *api.ResourceInfo, decode.Source) (string, error)) error {
	srcs, err := ff.read(o)
	if err != nil {
		return err
	}
	c, ns, err := o.clientNS()
	if err != nil {
		return err
	}
	failed := false
	for _, src := range srcs {
		info, err := prepare(src.Obj, ns, o.namespace != "")
		if err == nil {
			var done string
			if done, err = fn(c, info, src); err == nil {
				fmt.Fprintf(out, "%s/%s\n", kindName(info), done)
				continue
			}
		}
		if errors.Is(err, errSkip) {
			continue
		}
		failed = true
		fmt.Fprintln(o.err, formatError(err))
	}
	if failed {
		return errFailed
	}
	return nil
}

// applyOne creates obj, or patches the live object towards it with a
// three-way strategic merge patch (last applied, new, live) as kubectl does.
// It returns "created", "configured" or "unchanged" and the object as the
// server answered (or, under --dry-run=client, as it would be sent).
func applyOne(ctx context.Context, c *client.Client, info *api.ResourceInfo, obj api.Object, raw []byte, dryRun string, warn io.Writer) (string, []byte, error) {
	m := obj.GetObjectMeta()
	if m.Name == "" {
		return "", nil, fmt.Errorf("error when applying %s: resource name may not be empty", kindName(info))
	}
	modified, err := withLastApplied(obj, raw)
	if err != nil {
		return "", nil, err
	}
	liveJSON, err := getObjectJSON(ctx, c, info, m.Namespace, m.Name, "")
	if client.IsNotFound(err) {
		if dryRun == "client" {
			return "created", modified, nil
		}
		body, err := json.Marshal(obj)
		if err != nil {
			return "", nil, fmt.Errorf("encode %s: %w", info.Kind, err)
		}
		out, err := send(ctx, c, http.MethodPost, objectPath(info, m.Namespace, "", ""), dryRun == "server", body, "")
		return "created", out, err // the verb tells the caller a create failed
	}
	if err != nil {
		return "", nil, err
	}
	if dryRun == "client" {
		return "configured", liveJSON, nil
	}
	patch, err := applyPatchFor(info, liveJSON, modified, m.Name, warn)
	if err != nil {
		return "", nil, err
	}
	if string(patch) == "{}" {
		return "unchanged", liveJSON, nil
	}
	out, err := send(ctx, c, http.MethodPatch, objectPath(info, m.Namespace, m.Name, ""), dryRun == "server", patch, string(client.StrategicMergePatchType))
	if err != nil {
		return "", nil, err
	}
	return "configured", out, nil
}

// applyPatchFor is the three-way strategic merge patch (last applied,
// modified, live) that takes the live object (JSON) to the modified
// configuration, as kubectl apply's patcher computes it. A live object
// without the last-applied annotation gets kubectl's warning on warn.
func applyPatchFor(info *api.ResourceInfo, liveJSON, modified []byte, name string, warn io.Writer) ([]byte, error) {
	live := api.NewFor(info)
	if err := json.Unmarshal(liveJSON, live); err != nil {
		return nil, fmt.Errorf("decode live %s: %w", info.Kind, err)
	}
	var original []byte
	if a, ok := live.GetObjectMeta().Annotations[LastAppliedAnnotation]; ok {
		original = []byte(a)
	} else {
		fmt.Fprintf(warn, "Warning: resource %s/%s is missing the %s annotation which is required by kubectl apply. kubectl apply should only be used on resources created declaratively by either kubectl create --save-config or kubectl apply. The missing annotation will be patched automatically.\n", info.Resource, name, LastAppliedAnnotation)
	}
	current, err := json.Marshal(live)
	if err != nil {
		return nil, fmt.Errorf("encode live %s: %w", info.Kind, err)
	}
	meta, err := strategicpatch.NewPatchMetaFromStruct(info.New())
	if err != nil {
		return nil, fmt.Errorf("patch metadata of %s: %w", info.Kind, err)
	}
	patch, err := strategicpatch.CreateThreeWayMergePatch(original, modified, current, meta, true)
	if err != nil {
		return nil, fmt.Errorf("computing the patch of %s %q: %w", info.Resource, name, err)
	}
	return patch, nil
}

// withLastApplied records obj's configuration in its last-applied
// annotation and returns that configuration with the annotation (the
// "modified" of the patch). As real kubectl does, the configuration is the
// document as the user wrote it (raw JSON), with the namespace filled in, so
// that `emptyDir: {}` and the like are kept. Without raw (objects built in
// code) it is the typed object with nulls and empty objects pruned.
func withLastApplied(obj api.Object, raw []byte) ([]byte, error) {
	m := obj.GetObjectMeta()
	var cfg map[string]any
	if raw != nil {
		if err := json.Unmarshal(raw, &cfg); err != nil {
			return nil, fmt.Errorf("encode: %w", err)
		}
	} else {
		b, err := prunedJSON(obj)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(b, &cfg); err != nil {
			return nil, fmt.Errorf("encode: %w", err)
		}
	}
	md, _ := cfg["metadata"].(map[string]any)
	if md == nil {
		md = map[string]any{}
		cfg["metadata"] = md
	}
	if m.Namespace != "" {
		md["namespace"] = m.Namespace
	}
	// As kubectl's GetModifiedConfiguration, the recorded configuration
	// has the annotations without its own ("annotations":{} if none).
	ann, _ := md["annotations"].(map[string]any)
	if ann == nil {
		ann = map[string]any{}
	}
	delete(ann, LastAppliedAnnotation)
	md["annotations"] = ann
	last, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	ann[LastAppliedAnnotation] = string(last) + "\n"
	md["annotations"] = ann
	if m.Annotations == nil {
		m.Annotations = map[string]string{}
	}
	m.Annotations[LastAppliedAnnotation] = string(last) + "\n"
	return json.Marshal(cfg)
}

func prunedJSON(obj any) ([]byte, error) {
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	v, _ = prune(v)
	return json.Marshal(v)
}

// prune drops nulls and empty objects; it reports whether v is itself empty.
func prune(v any) (any, bool) {
	switch t := v.(type) {
	case nil:
		return nil, true
	case map[string]any:
		for k, e := range t {
			pe, empty := prune(e)
			if empty {
				delete(t, k)
			} else {
				t[k] = pe
			}
		}
		return t, len(t) == 0
	case []any:
		for i, e := range t {
			pe, _ := prune(e)
			if pe == nil {
				pe = map[string]any{}
			}
			t[i] = pe
		}
		return t, false
	}
	return v, false
}
