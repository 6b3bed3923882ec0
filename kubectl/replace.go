package kubectl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"minik8s/pkg/api"
	"minik8s/pkg/api/decode"
	"minik8s/pkg/client"
)

// kubectl replace -f, as kubectl v1.32's pkg/cmd/replace: PUT each object
// of the files (with the live resourceVersion when the file has none);
// with --force, delete them, wait until they are gone, and create them.

type replaceOptions struct {
	ff          fileFlags
	out         outputFlag
	force       bool
	gracePeriod int
	timeout     time.Duration
	dryRun      string
}

func newReplaceCommand(o *options) *cobra.Command {
	r := &replaceOptions{}
	cmd := &cobra.Command{
		Use:   "replace -f FILENAME",
		Short: "Replace a resource by file name or stdin",
		// kubectl replace ignores arguments.
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runReplace(cmd, o, r)
		},
	}
	f := cmd.Flags()
	r.ff.add(cmd, "to use to replace the resource.")
	r.out.add(cmd)
	f.BoolVar(&r.force, "force", false, "If true, immediately remove resources from API and bypass graceful deletion. Note that immediate deletion of some resources may result in inconsistency or data loss and requires confirmation.")
	f.IntVar(&r.gracePeriod, "grace-period", -1, "Period of time in seconds given to the resource to terminate gracefully. Ignored if negative. Set to 1 for immediate shutdown. Can only be set to 0 when --force is true (force deletion).")
	f.DurationVar(&r.timeout, "timeout", 0, "The length of time to wait before giving up on a delete, zero means determine a timeout from the size of the object")
	f.StringVar(&r.dryRun, "dry-run", "none", `Must be "none", "server", or "client". If client strategy, only print the object that would be sent, without sending it. If server strategy, submit server-side request without persisting the resource.`)
	f.Lookup("dry-run").NoOptDefVal = "unchanged"
	return cmd
}

// validate is kubectl replace's Validate.
func (r *replaceOptions) validate(o *options) error {
	if err := r.out.check(); err != nil {
		return err
	}
	if err := checkDryRun(o, &r.dryRun); err != nil {
		return err
	}
	if r.gracePeriod >= 0 && !r.force {
		return errors.New("--grace-period must have --force specified")
	}
	if r.timeout != 0 && !r.force {
		return errors.New("--timeout must have --force specified")
	}
	if len(r.ff.files) == 0 {
		return errors.New("must specify one of -f and -k")
	}
	return nil
}

func runReplace(cmd *cobra.Command, o *options, r *replaceOptions) error {
	if err := r.validate(o); err != nil {
		return err
	}
	ctx := cmd.Context()
	srcs, err := r.ff.read(o)
	if err != nil {
		return err
	}
	c, ns, err := o.clientNS()
	if err != nil {
		return err
	}
	if r.force {
		return forceReplace(ctx, o, c, r, srcs, ns)
	}
	failed := false
	for _, src := range srcs {
		if err := replaceOne(ctx, o, c, r, src, ns); err != nil {
			failed = true
			fmt.Fprintln(o.err, formatError(err))
		}
	}
	if failed {
		return errFailed
	}
	return nil
}

// replaceOne PUTs one object, as kubectl's resource.Helper.Replace with
// overwrite: a file without a resourceVersion replaces whatever is live.
func replaceOne(ctx context.Context, o *options, c *client.Client, r *replaceOptions, src decode.Source, ns string) error {
	info, err := prepare(src.Obj, ns, o.namespace != "")
	if err != nil {
		return err
	}
	m := src.Obj.GetObjectMeta()
	body, err := documentWith(src, m.Namespace, "")
	if err != nil {
		return err
	}
	if r.dryRun == "client" {
		return r.out.print(o, info, m.Name, body, "replaced", r.dryRun)
	}
	if m.ResourceVersion == "" {
		if live, err := c.Get(ctx, info, m.Namespace, m.Name); err == nil {
			if body, err = documentWith(src, m.Namespace, live.GetObjectMeta().ResourceVersion); err != nil {
				return err
			}
		}
	}
	out, err := send(ctx, c, http.MethodPut, objectPath(info, m.Namespace, m.Name, ""), r.dryRun == "server", body, "")
	if err != nil {
		return withSource("replacing", src, err)
	}
	return r.out.print(o, info, m.Name, out, "replaced", r.dryRun)
}

// forceReplace deletes every object of the files (missing ones are fine),
// waits until they are gone, then creates them, as kubectl replace --force.
func forceReplace(ctx context.Context, o *options, c *client.Client, r *replaceOptions, srcs []decode.Source, ns string) error {
	grace := r.gracePeriod
	if grace == 0 {
		// kubectl turns --grace-period=0 into 1 and waits for the deletion.
		grace = 1
	}
	infos := make([]*api.ResourceInfo, len(srcs))
	for i, src := range srcs {
		info, err := prepare(src.Obj, ns, o.namespace != "")
		if err != nil {
			return err
		}
		infos[i] = info
		m := src.Obj.GetObjectMeta()
		opts := &api.DeleteOptions{}
		if grace >= 0 {
			g := int64(grace)
			opts.GracePeriodSeconds = &g
		}
		policy := "Background"
		opts.PropagationPolicy = &policy
		err = c.Delete(ctx, info, m.Namespace, m.Name, opts)
		if client.IsNotFound(err) {
			continue
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(o.out, "%s %q deleted\n", kindName(info), m.Name)
	}
	timeout := r.timeout
	if timeout == 0 {
		timeout = 5 * time.Minute
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for i, src := range srcs {
		m := src.Obj.GetObjectMeta()
		if err := waitGone(wctx, c, victim{info: infos[i], namespace: m.Namespace, name: m.Name}); err != nil {
			return err
		}
	}
	failed := false
	for i, src := range srcs {
		m := src.Obj.GetObjectMeta()
		body, err := documentWith(src, m.Namespace, "")
		if err == nil {
			var out []byte
			if out, err = send(ctx, c, http.MethodPost, objectPath(infos[i], m.Namespace, "", ""), false, body, ""); err == nil {
				err = r.out.print(o, infos[i], m.Name, out, "replaced", "")
			}
		}
		if err != nil {
			failed = true
			fmt.Fprintln(o.err, formatError(err))
		}
	}
	if failed {
		return errFailed
	}
	return nil
}

// documentWith is the document as written in the file (kubectl sends
// what the user wrote), with its namespace settled and, if rv is set,
// that resourceVersion.
func documentWith(src decode.Source, ns, rv string) ([]byte, error) {
	raw := src.Raw
	if raw == nil {
		var err error
		if raw, err = prunedJSON(src.Obj); err != nil {
			return nil, err
		}
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	md, _ := doc["metadata"].(map[string]any)
	if md == nil {
		md = map[string]any{}
		doc["metadata"] = md
	}
	if ns != "" {
		md["namespace"] = ns
	}
	if rv != "" {
		md["resourceVersion"] = rv
	}
	return json.Marshal(doc)
}

// withSource is kubectl's AddSourceToErr: the file an error came from,
// in the server's message.
func withSource(verb string, src decode.Source, err error) error {
	file := src.Name
	if i := strings.LastIndex(file, ":"); i >= 0 {
		file = file[:i]
	}
	if file == decode.StdinName {
		file = "STDIN"
	}
	if st, ok := client.AsStatus(err); ok {
		st.Message = fmt.Sprintf("error when %s %q: %s", verb, file, st.Message)
		return err
	}
	return fmt.Errorf("error when %s %q: %w", verb, file, err)
}
