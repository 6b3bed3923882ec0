package kubectl

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
)

type deleteOptions struct {
	files          fileFlags
	selector       string
	fieldSelector  string
	all            bool
	allNamespaces  bool
	ignoreNotFound bool
	wait           bool
	timeout        time.Duration
	gracePeriod    int64
	force          bool
	now            bool
	cascade        string
	output         string
	dryRun         string
}

// defaultDeleteWait bounds --wait when --timeout is 0.
const defaultDeleteWait = 5 * time.Minute

func newDeleteCommand(o *options) *cobra.Command {
	d := &deleteOptions{}
	cmd := &cobra.Command{
		Use:   "delete ([-f FILENAME] | TYPE [(NAME | -l label | --all)])",
		Short: "Delete resources by file names, stdin, resources and names, or by resources and label selector",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDelete(cmd.Context(), o, d, args)
		},
	}
	f := cmd.Flags()
	d.files.add(cmd, "containing the resource to delete")
	f.StringVarP(&d.selector, "selector", "l", "", "Selector (label query) to filter on")
	f.StringVar(&d.fieldSelector, "field-selector", "", "Selector (field query) to filter on")
	f.BoolVar(&d.all, "all", false, "Delete all resources, in the namespace of the specified resource types")
	f.BoolVarP(&d.allNamespaces, "all-namespaces", "A", false, "If present, list the requested object(s) across all namespaces")
	f.BoolVar(&d.ignoreNotFound, "ignore-not-found", false, "Treat \"resource not found\" as a successful delete")
	f.BoolVar(&d.wait, "wait", true, "If true, wait for resources to be gone before returning")
	f.DurationVar(&d.timeout, "timeout", 0, "The length of time to wait before giving up on a delete (0 = 5m)")
	f.Int64Var(&d.gracePeriod, "grace-period", -1, "Period of time in seconds given to the resource to terminate gracefully (-1 = the object's default)")
	f.BoolVar(&d.force, "force", false, "Immediately remove resources from the API (use with --grace-period=0)")
	f.BoolVar(&d.now, "now", false, "If true, resources are signaled for immediate shutdown (same as --grace-period=1)")
	f.StringVar(&d.cascade, "cascade", "background", `Must be "background", "orphan", or "foreground". Selects the deletion cascading strategy for the dependents (e.g. Pods created by a ReplicationController). Defaults to background.`)
	f.Lookup("cascade").NoOptDefVal = "background"
	f.StringVarP(&d.output, "output", "o", "", "Output mode. Use \"-o name\" for shorter output (resource/name).")
	f.StringVar(&d.dryRun, "dry-run", "none", `Must be "none", "server", or "client". If client strategy, only print the object that would be sent, without sending it. If server strategy, submit server-side request without persisting the resource.`)
	f.Lookup("dry-run").NoOptDefVal = "unchanged"
	return cmd
}

// victim is one object to delete.
type victim struct {
	info      *api.ResourceInfo
	namespace string
	name      string
	uid       string
}

// immediateDeletion is kubectl's warning for --force with grace 0.
const immediateDeletion = "Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely."

// gracePeriod is the grace period kubectl's delete sends (-1: none), from
// --grace-period, --now and --force, with its warning: --now is 1,
// --grace-period=0 without --force becomes 1 (kubectl keeps it from
// losing data), --force alone is 0.
func gracePeriod(grace int64, now, force bool) (int64, string, error) {
	if now {
		if grace != -1 {
			return 0, "", errors.New("--now and --grace-period cannot be specified together")
		}
		grace = 1
	}
	if grace == 0 && !force {
		grace = 1
	}
	if force && grace < 0 {
		grace = 0
	}
	switch {
	case grace == 0 && force:
		return 0, immediateDeletion, nil
	case grace > 0 && force:
		return 0, "", errors.New("--force and --grace-period greater than 0 cannot be specified together")
	}
	return grace, "", nil
}

// cascadePolicy maps --cascade to a propagationPolicy as kubectl does
// (GetCascadingStrategy): the booleans are deprecated spellings of
// background (true) and orphan (false), with a warning.
func cascadePolicy(cascade string) (policy, warning string, err error) {
	switch strings.ToLower(cascade) {
	case "background":
		return "Background", "", nil
	case "foreground":
		return "Foreground", "", nil
	case "orphan":
		return "Orphan", "", nil
	}
	if b, perr := strconv.ParseBool(cascade); perr == nil {
		if b {
			return "Background", "warning: --cascade=true is deprecated (boolean value) and can be replaced with --cascade=background.", nil
		}
		return "Orphan", "warning: --cascade=false is deprecated (boolean value) and can be replaced with --cascade=orphan.", nil
	}
	return "", "", fmt.Errorf("invalid cascade value (%v). Must be \"background\", \"foreground\", or \"orphan\"", cascade)
}

func runDelete(ctx context.Context, o *options, d *deleteOptions, args []string) error {
	if len(args) == 0 && len(d.files.files) == 0 {
		return errors.New(resourcesRequired)
	}
	policy, warning, err := cascadePolicy(d.cascade)
	if err != nil {
		return err
	}
	if warning != "" {
		fmt.Fprintln(o.err, warning)
	}
	grace, warning, err := gracePeriod(d.gracePeriod, d.now, d.force)
	if err != nil {
		return err
	}
	if err := checkDryRun(o, &d.dryRun); err != nil {
		return err
	}
	if d.output != "" && d.output != "name" {
		return fmt.Errorf("unexpected -o output mode: %v. We only support '-o name'", d.output)
	}
	if warning != "" {
		fmt.Fprintln(o.err, warning)
	}
	c, ns, err := o.clientNS()
	if err != nil {
		return err
	}
	var victims []victim
	hasSelector := d.selector != "" || d.fieldSelector != "" || d.all
	switch {
	case len(d.files.files) > 0:
		if len(args) > 0 {
			return fmt.Errorf("cannot specify both resource arguments and -f")
		}
		srcs, err := d.files.read(o)
		if err != nil {
			return err
		}
		for _, src := range srcs {
			info, err := prepare(src.Obj, ns, o.namespace != "")
			if err != nil {
				return err
			}
			m := src.Obj.GetObjectMeta()
			victims = append(victims, victim{info: info, namespace: m.Namespace, name: m.Name})
		}
	default:
		if len(args) == 0 {
			return errors.New(resourcesRequired)
		}
		targets, err := parseTargets(args)
		if err != nil {
			return err
		}
		for _, t := range targets {
			tns := namespaceFor(t.info, ns)
			if len(t.names) > 0 {
				if hasSelector {
					return fmt.Errorf("name cannot be provided when a selector is specified")
				}
				for _, n := range t.names {
					victims = append(victims, victim{info: t.info, namespace: tns, name: n})
				}
				continue
			}
			if !hasSelector {
				return errNoName
			}
			if d.allNamespaces {
				tns = ""
			}
			objs, _, err := c.List(ctx, t.info, tns, client.ListOptions{LabelSelector: d.selector, FieldSelector: d.fieldSelector})
			if err != nil {
				return err
			}
			for _, obj := range objs {
				m := obj.GetObjectMeta()
				victims = append(victims, victim{info: t.info, namespace: m.Namespace, name: m.Name, uid: m.UID})
			}
		}
		if len(victims) == 0 {
			// kubectl's DeleteResult: on stdout, with no namespace.
			fmt.Fprintln(o.out, "No resources found")
			return nil
		}
	}

	opts := &api.DeleteOptions{PropagationPolicy: &policy}
	if grace >= 0 {
		opts.GracePeriodSeconds = &grace
	}
	if d.dryRun == "server" {
		opts.DryRun = []string{"All"}
	}
	verb := "deleted"
	if grace == 0 {
		verb = "force deleted"
	}
	verb += dryRunSuffix(d.dryRun)
	failed := false
	var deleted []victim
	for _, v := range victims {
		if d.dryRun == "client" {
			printDeleted(o, d.output, v, verb)
			continue
		}
		if err := c.Delete(ctx, v.info, v.namespace, v.name, opts); err != nil {
			if d.ignoreNotFound && client.IsNotFound(err) {
				continue
			}
			failed = true
			fmt.Fprintln(o.err, formatError(err))
			continue
		}
		printDeleted(o, d.output, v, verb)
		if d.dryRun == "none" || d.dryRun == "" {
			deleted = append(deleted, v)
		}
	}
	if d.wait && len(deleted) > 0 {
		timeout := d.timeout
		if timeout <= 0 {
			timeout = defaultDeleteWait
		}
		wctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		for _, v := range deleted {
			if err := waitGone(wctx, c, v); err != nil {
				failed = true
				fmt.Fprintf(o.err, "error: timed out waiting for the condition on %s/%s\n", v.info.Resource, v.name)
			}
		}
	}
	if failed {
		return errFailed
	}
	return nil
}

// printDeleted is kubectl's delete PrintObj: `kind "name" deleted` or,
// with -o name, kind/name.
func printDeleted(o *options, output string, v victim, verb string) {
	if output == "name" {
		fmt.Fprintf(o.out, "%s/%s\n", kindName(v.info), v.name)
		return
	}
	fmt.Fprintf(o.out, "%s %q %s\n", kindName(v.info), v.name, verb)
}

// waitGone polls until v no longer exists (or has been replaced by an
// object with another UID).
func waitGone(ctx context.Context, c *client.Client, v victim) error {
	delay := 50 * time.Millisecond
	for {
		obj, err := c.Get(ctx, v.info, v.namespace, v.name)
		if client.IsNotFound(err) {
			return nil
		}
		if err == nil && v.uid != "" && obj.GetObjectMeta().UID != v.uid {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		if delay < time.Second {
			delay *= 2
		}
	}
}
