package kubectl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/yaml"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
)

// kubectl patch, as kubectl v1.32's pkg/cmd/patch: read the object (to
// tell "patched" from "patched (no change)"), send the patch as it is
// (strategic by default), or apply it locally under --dry-run=client.

type patchOptions struct {
	ff          fileFlags
	out         outputFlag
	patch       string
	patchFile   string
	patchType   string
	dryRun      string
	subresource string
}

// objectRef is one object a command works on: from TYPE NAME arguments, or
// from a file (obj and raw set).
type objectRef struct {
	info *api.ResourceInfo
	ns   string
	name string
	obj  api.Object
	raw  []byte
}

func newPatchCommand(o *options) *cobra.Command {
	p := &patchOptions{}
	cmd := &cobra.Command{
		Use:   "patch (-f FILENAME | TYPE NAME) [-p PATCH|--patch-file FILE]",
		Short: "Update fields of a resource",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPatch(cmd.Context(), o, p, args)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&p.patch, "patch", "p", "", "The patch to be applied to the resource JSON file.")
	f.StringVar(&p.patchFile, "patch-file", "", "A file containing a patch to be applied to the resource.")
	f.StringVar(&p.patchType, "type", "strategic", "The type of patch being provided; one of [json merge strategic]")
	f.StringVar(&p.dryRun, "dry-run", "none", `Must be "none", "server", or "client". If client strategy, only print the object that would be sent, without sending it. If server strategy, submit server-side request without persisting the resource.`)
	f.Lookup("dry-run").NoOptDefVal = "unchanged"
	f.StringVar(&p.subresource, "subresource", "", "If specified, patch will operate on the subresource of the requested object. Must be one of [status scale]; kubectl v1.32 sends any other to the server.")
	p.ff.add(cmd, "identifying the resource to update")
	p.out.add(cmd)
	return cmd
}

// validate is kubectl patch's Complete and Validate, in its order.
func (p *patchOptions) validate(o *options) error {
	if err := p.out.check(); err != nil {
		return err
	}
	if err := checkDryRun(o, &p.dryRun); err != nil {
		return err
	}
	if p.patch != "" && p.patchFile != "" {
		return errors.New("cannot specify --patch and --patch-file together")
	}
	if p.patch == "" && p.patchFile == "" {
		return errors.New("must specify --patch or --patch-file containing the contents of the patch")
	}
	if _, ok := patchTypes[strings.ToLower(p.patchType)]; !ok {
		return fmt.Errorf("--type must be one of [json merge strategic], not %q", p.patchType)
	}
	return nil
}

// patchBody reads -p or --patch-file and turns YAML into JSON, as kubectl.
func (p *patchOptions) patchBody() ([]byte, error) {
	data := []byte(p.patch)
	if p.patchFile != "" {
		var err error
		if data, err = os.ReadFile(p.patchFile); err != nil {
			return nil, fmt.Errorf("unable to read patch file: %w", err)
		}
	}
	j, err := yaml.ToJSON(data) // JSON (starting with "{") passes unchanged
	if err != nil {
		return nil, fmt.Errorf("unable to parse %q: %w", p.patch, err)
	}
	return j, nil
}

func runPatch(ctx context.Context, o *options, p *patchOptions, args []string) error {
	if err := p.validate(o); err != nil {
		return err
	}
	body, err := p.patchBody()
	if err != nil {
		return err
	}
	refs, err := resolveRefs(o, &p.ff, args)
	if err != nil {
		return err
	}
	c, err := o.client()
	if err != nil {
		return err
	}
	pt := patchTypes[strings.ToLower(p.patchType)]
	failed := false
	for _, r := range refs {
		if err := patchOne(ctx, o, c, p, r, pt, body); err != nil {
			failed = true
			fmt.Fprintln(o.err, formatError(err))
		}
	}
	if failed {
		return errFailed
	}
	return nil
}

func patchOne(ctx context.Context, o *options, c *client.Client, p *patchOptions, r objectRef, pt client.PatchType, body []byte) error {
	path := objectPath(r.info, r.ns, r.name, p.subresource)
	before := r.raw
	if before == nil {
		var err error
		if before, err = getObjectJSON(ctx, c, r.info, r.ns, r.name, p.subresource); err != nil {
			return err
		}
	}
	var after []byte
	var err error
	if p.dryRun == "client" {
		after, err = patchLocally(pt, before, body, r.info.New())
	} else {
		after, err = send(ctx, c, http.MethodPatch, path, p.dryRun == "server", body, string(pt))
	}
	if err != nil {
		return err
	}
	verb := "patched"
	if sameJSON(before, after) {
		verb = "patched (no change)"
	}
	// kubectl patch prints no dry-run suffix: its printer's operation
	// replaces the one PrintFlagsWithDryRunStrategy set.
	return p.out.print(o, r.info, r.name, after, verb, "")
}

// resolveRefs resolves TYPE NAME / TYPE/NAME arguments or the -f files to
// the objects they name, as kubectl's resource builder for one object
// per name.
func resolveRefs(o *options, ff *fileFlags, args []string) ([]objectRef, error) {
	if len(args) == 0 && len(ff.files) == 0 {
		return nil, errors.New(resourcesRequired)
	}
	ns, err := o.ns()
	if err != nil {
		return nil, err
	}
	var refs []objectRef
	if len(ff.files) > 0 {
		srcs, err := ff.read(o)
		if err != nil {
			return nil, err
		}
		for _, src := range srcs {
			info, err := prepare(src.Obj, ns, o.namespace != "")
			if err != nil {
				return nil, err
			}
			raw, err := json.Marshal(src.Obj)
			if err != nil {
				return nil, fmt.Errorf("encode %s: %w", info.Kind, err)
			}
			m := src.Obj.GetObjectMeta()
			refs = append(refs, objectRef{info: info, ns: m.Namespace, name: m.Name, obj: src.Obj, raw: raw})
		}
	}
	if len(args) == 0 {
		return refs, nil
	}
	targets, err := parseTargets(args)
	if err != nil {
		return nil, err
	}
	for _, t := range targets {
		if len(t.names) == 0 {
			return nil, errNoName
		}
		for _, name := range t.names {
			refs = append(refs, objectRef{info: t.info, ns: namespaceFor(t.info, ns), name: name})
		}
	}
	return refs, nil
}
