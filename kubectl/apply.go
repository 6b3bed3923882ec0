package kubectl

import (
	"context"
	"encoding/json"
	"fmt"

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
	var ff fileFlags
	cmd := &cobra.Command{
		Use:   "apply -f FILENAME",
		Short: "Apply a configuration to a resource by file name or stdin",
		Args:  noArgsUnexpected,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(ff.files) == 0 {
				return fmt.Errorf("must specify one of -f and -k")
			}
			return runApply(cmd.Context(), o, &ff)
		},
	}
	ff.add(cmd, "that contains the configuration to apply")
	return cmd
}

func runApply(ctx context.Context, o *options, ff *fileFlags) error {
	return forEachSource(o, ff, func(c *client.Client, info *api.ResourceInfo, src decode.Source) (string, error) {
		result, err := applyOne(ctx, c, info, src.Obj, src.Raw)
		return src.Obj.GetObjectMeta().Name + " " + result, err
	})
}

// forEachSource reads the -f documents and runs fn on each with the
// namespace settled, printing "kind/<what fn returns>" or the error; it
// goes on after a failure and fails at the end, as kubectl does.
func forEachSource(o *options, ff *fileFlags, fn func(*client.Client, *api.ResourceInfo, decode.Source) (string, error)) error {
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
				fmt.Fprintf(o.out, "%s/%s\n", kindName(info), done)
				continue
			}
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
// It returns "created", "configured" or "unchanged".
func applyOne(ctx context.Context, c *client.Client, info *api.ResourceInfo, obj api.Object, raw []byte) (string, error) {
	m := obj.GetObjectMeta()
	if m.Name == "" {
		return "", fmt.Errorf("error when applying %s: resource name may not be empty", kindName(info))
	}
	modified, err := withLastApplied(obj, raw)
	if err != nil {
		return "", err
	}
	live, err := c.Get(ctx, info, m.Namespace, m.Name)
	if client.IsNotFound(err) {
		if _, err := c.Create(ctx, info, m.Namespace, obj); err != nil {
			return "", err
		}
		return "created", nil
	}
	if err != nil {
		return "", err
	}
	var original []byte
	if a := live.GetObjectMeta().Annotations[LastAppliedAnnotation]; a != "" {
		original = []byte(a)
	}
	current, err := json.Marshal(live)
	if err != nil {
		return "", fmt.Errorf("encode live %s: %w", info.Kind, err)
	}
	meta, err := strategicpatch.NewPatchMetaFromStruct(info.New())
	if err != nil {
		return "", fmt.Errorf("patch metadata of %s: %w", info.Kind, err)
	}
	patch, err := strategicpatch.CreateThreeWayMergePatch(original, modified, current, meta, true)
	if err != nil {
		return "", fmt.Errorf("computing the patch of %s %q: %w", info.Resource, m.Name, err)
	}
	if string(patch) == "{}" {
		return "unchanged", nil
	}
	if _, err := c.Patch(ctx, info, m.Namespace, m.Name, client.StrategicMergePatchType, patch); err != nil {
		return "", err
	}
	return "configured", nil
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
	ann, _ := md["annotations"].(map[string]any)
	delete(ann, LastAppliedAnnotation)
	if len(ann) == 0 {
		delete(md, "annotations")
		ann = map[string]any{}
	}
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
