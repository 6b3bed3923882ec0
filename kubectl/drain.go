package kubectl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/labels"
)

// kubectl drain, as kubectl v1.32: cordon, pick the node's pods
// (drain_filter.go), evict them through pods/{name}/eviction (or delete
// them with --disable-eviction), wait until they are gone, print
// "node/x drained". Errors are reported per node and the command goes on
// to the next node.

type drainFlags struct {
	nodeFlags
	force, ignoreDaemonSets, deleteEmptyDir, disableEviction bool
	gracePeriod, skipWaitSeconds                             int
	timeout                                                  time.Duration
	podSelector                                              string
	chunkSize                                                int64
}

// drainPollInterval is how often drain checks that an evicted pod is gone.
var drainPollInterval = time.Second

func newDrainCommand(o *options) *cobra.Command {
	f := drainFlags{gracePeriod: -1}
	cmd := &cobra.Command{
		Use:                   "drain NODE",
		DisableFlagsInUseLine: true,
		Short:                 "Drain node in preparation for maintenance",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDrain(cmd, o, &f, args)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.force, "force", false, "Continue even if there are pods that do not declare a controller.")
	fl.BoolVar(&f.ignoreDaemonSets, "ignore-daemonsets", false, "Ignore DaemonSet-managed pods.")
	fl.BoolVar(&f.deleteEmptyDir, "delete-emptydir-data", false, "Continue even if there are pods using emptyDir (local data that will be deleted when the node is drained).")
	fl.IntVar(&f.gracePeriod, "grace-period", -1, "Period of time in seconds given to each pod to terminate gracefully. If negative, the default value specified in the pod will be used.")
	fl.DurationVar(&f.timeout, "timeout", 0, "The length of time to wait before giving up, zero means infinite")
	fl.StringVar(&f.podSelector, "pod-selector", "", "Label selector to filter pods on the node")
	fl.BoolVar(&f.disableEviction, "disable-eviction", false, "Force drain to use delete, even if eviction is supported. This will bypass checking PodDisruptionBudgets, use with caution.")
	fl.IntVar(&f.skipWaitSeconds, "skip-wait-for-delete-timeout", 0, "If pod DeletionTimestamp older than N seconds, skip waiting for the pod.  Seconds must be greater than 0 to skip.")
	fl.Int64Var(&f.chunkSize, "chunk-size", 500, "Return large lists in chunks rather than all at once. Pass 0 to disable.")
	f.nodeFlags.add(cmd)
	return cmd
}

func runDrain(cmd *cobra.Command, o *options, f *drainFlags, args []string) error {
	ctx := cmd.Context()
	if len(args) == 0 && !cmd.Flags().Changed("selector") || len(args) > 0 && f.selector != "" {
		_, _, err := resolveNodes(ctx, o, cmd, &f.nodeFlags, args)
		return err
	}
	if err := checkDryRun(o, &f.dryRun); err != nil {
		return err
	}
	if f.podSelector != "" {
		if _, err := labels.Parse(f.podSelector); err != nil {
			return errors.New("--pod-selector=<pod_selector> must be a valid label selector")
		}
	}
	c, nodes, err := resolveNodes(ctx, o, cmd, &f.nodeFlags, args)
	if err != nil {
		return err
	}
	cordonNodes(ctx, o, c, nodes, true, f.dryRun)

	var fatal []error
	var remaining []string
	for _, n := range nodes {
		if err := drainNode(ctx, o, c, f, n.Name); err != nil {
			fmt.Fprintf(o.err, "error: unable to drain node %q due to error: %s, continuing command...\n", n.Name, err)
			fatal = append(fatal, err)
			remaining = append(remaining, n.Name)
			continue
		}
		fmt.Fprintf(o.out, "node/%s drained%s\n", n.Name, dryRunSuffix(f.dryRun))
	}
	if len(remaining) == 0 {
		return nil
	}
	fmt.Fprintln(o.err, "There are pending nodes to be drained:")
	for _, n := range remaining {
		fmt.Fprintf(o.err, " %s\n", n)
	}
	// As kubectl's CheckErr: one error is printed as any error; an
	// aggregate, one line per error.
	var agg aggregate
	if len(fatal) == 1 && !errors.As(fatal[0], &agg) {
		return fatal[0]
	}
	if len(fatal) > 1 {
		agg = fatal
	}
	for _, e := range agg {
		fmt.Fprintln(o.err, e.Error())
	}
	return &reportedError{agg}
}

// podsForDeletion lists the node's pods and decides each.
func podsForDeletion(ctx context.Context, c *client.Client, f *drainFlags, node string) ([]podDecision, error) {
	pods, _, err := c.Pods("").List(ctx, client.ListOptions{LabelSelector: f.podSelector, FieldSelector: "spec.nodeName=" + node})
	if err != nil {
		return nil, err
	}
	d := drainPolicy{
		force: f.force, ignoreDaemonSets: f.ignoreDaemonSets, deleteEmptyDir: f.deleteEmptyDir,
		skipWaitSeconds: f.skipWaitSeconds, now: time.Now(), isNotFound: client.IsNotFound,
		daemonSet: func(ns, name string) error {
			_, err := c.Do(ctx, http.MethodGet, "/apis/apps/v1/namespaces/"+ns+"/daemonsets/"+name, nil, nil)
			return err
		},
	}
	return d.decidePods(pods), nil
}

// drainNode evicts (or deletes) what podsForDeletion allows and waits.
func drainNode(ctx context.Context, o *options, c *client.Client, f *drainFlags, node string) error {
	ds, err := podsForDeletion(ctx, c, f, node)
	if err != nil {
		return err
	}
	if errs := drainErrors(ds); len(errs) > 0 {
		return aggregate(errs)
	}
	if w := drainWarnings(ds); w != "" {
		fmt.Fprintf(o.err, "Warning: %s\n", w)
	}
	pods := toDelete(ds)
	if f.dryRun == "client" {
		for _, p := range pods {
			fmt.Fprintf(o.out, "evicting pod %s/%s (dry run)\n", p.Namespace, p.Name)
		}
		return nil
	}
	if err := deleteOrEvictPods(ctx, o, c, f, pods); err != nil {
		if pending, perr := podsForDeletion(ctx, c, f, node); perr == nil {
			if left := toDelete(pending); len(left) > 0 {
				fmt.Fprintf(o.err, "There are pending pods in node %q when an error occurred: %v\n", node, err)
				for _, p := range left {
					fmt.Fprintf(o.err, "pod/%s\n", p.Name)
				}
			}
		} else {
			fmt.Fprintf(o.err, "Following errors occurred while getting the list of pods to delete:\n%s", perr)
		}
		return err
	}
	return nil
}

// evictionSupported says whether discovery lists pods/eviction (kubectl's
// CheckEvictionSupport).
func evictionSupported(ctx context.Context, c *client.Client) (bool, error) {
	b, err := c.Do(ctx, http.MethodGet, "/api/v1", nil, nil)
	if err != nil {
		return false, err
	}
	var list struct {
		Resources []struct{ Name, Kind, Group, Version string } `json:"resources"`
	}
	if err := json.Unmarshal(b, &list); err != nil {
		return false, fmt.Errorf("decoding /api/v1 discovery: %w", err)
	}
	for _, r := range list.Resources {
		if r.Name == "pods/eviction" && r.Kind == api.EvictionKind && r.Group != "" && r.Version != "" {
			return true, nil
		}
	}
	return false, nil
}

func (f *drainFlags) deleteOptions() *api.DeleteOptions {
	opts := &api.DeleteOptions{}
	if f.gracePeriod >= 0 {
		g := int64(f.gracePeriod)
		opts.GracePeriodSeconds = &g
	}
	if f.dryRun == "server" {
		opts.DryRun = []string{"All"}
	}
	return opts
}

// drainContext bounds the whole of a node's eviction by --timeout.
func drainContext(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	if timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, timeout)
}

func deleteOrEvictPods(ctx context.Context, o *options, c *client.Client, f *drainFlags, pods []*api.Pod) error {
	if len(pods) == 0 {
		return nil
	}
	if !f.disableEviction {
		ok, err := evictionSupported(ctx, c)
		if err != nil {
			return err
		}
		if ok {
			return evictPods(ctx, o, c, f, pods)
		}
	}
	return deletePods(ctx, o, c, f, pods)
}

// syncWriter serialises the lines the per-pod goroutines print.
type syncWriter struct {
	mu sync.Mutex
	o  *options
}

func (w *syncWriter) out(format string, a ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	fmt.Fprintf(w.o.out, format, a...)
}

func (w *syncWriter) err(format string, a ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	fmt.Fprintf(w.o.err, format, a...)
}

// evictPods evicts every pod at once, each retried while the server
// answers 429, and waits for each to be gone.
func evictPods(ctx context.Context, o *options, c *client.Client, f *drainFlags, pods []*api.Pod) error {
	ctx, cancel := drainContext(ctx, f.timeout)
	defer cancel()
	w := &syncWriter{o: o}
	errc := make(chan error, len(pods))
	for _, p := range pods {
		go func() { errc <- evictAndWait(ctx, w, c, f, p) }()
	}
	var errs []error
	for range pods {
		if err := <-errc; err != nil {
			errs = append(errs, err)
		}
	}
	return newAggregate(errs)
}

func evictAndWait(ctx context.Context, w *syncWriter, c *client.Client, f *drainFlags, p *api.Pod) error {
	body, err := json.Marshal(api.Eviction{
		TypeMeta:      api.TypeMeta{APIVersion: api.PolicyGroup + "/" + api.EvictionVersion, Kind: api.EvictionKind},
		ObjectMeta:    api.ObjectMeta{Name: p.Name, Namespace: p.Namespace},
		DeleteOptions: f.deleteOptions(),
	})
	if err != nil {
		return err
	}
	path := podInfo().Path(p.Namespace, p.Name) + "/eviction"
	for {
		if f.dryRun == "server" {
			w.out("evicting pod %s/%s (server dry run)\n", p.Namespace, p.Name)
		} else {
			w.out("evicting pod %s/%s\n", p.Namespace, p.Name)
		}
		if ctx.Err() != nil {
			return fmt.Errorf("error when evicting pods/%q -n %q: global timeout reached: %v", p.Name, p.Namespace, f.timeout)
		}
		_, err := c.Do(ctx, http.MethodPost, path, body, nil)
		if err == nil {
			break
		}
		if client.IsNotFound(err) {
			return nil
		}
		if st, ok := client.AsStatus(err); ok && st.Code == http.StatusTooManyRequests {
			w.err("error when evicting pods/%q -n %q (will retry after 5s): %v\n", p.Name, p.Namespace, err)
			select {
			case <-ctx.Done():
			case <-time.After(5 * time.Second):
			}
			continue
		}
		return fmt.Errorf("error when evicting pods/%q -n %q: %v", p.Name, p.Namespace, err)
	}
	if f.dryRun == "server" {
		return nil
	}
	if err := waitForDelete(ctx, w, c, f, []*api.Pod{p}, "evicted"); err != nil {
		return fmt.Errorf("error when waiting for pod %q in namespace %q to terminate: %v", p.Name, p.Namespace, err)
	}
	return nil
}

// deletePods deletes every pod (--disable-eviction) and waits for all.
func deletePods(ctx context.Context, o *options, c *client.Client, f *drainFlags, pods []*api.Pod) error {
	for _, p := range pods {
		if err := c.Delete(ctx, podInfo(), p.Namespace, p.Name, f.deleteOptions()); err != nil && !client.IsNotFound(err) {
			return err
		}
	}
	ctx, cancel := drainContext(ctx, f.timeout)
	defer cancel()
	return waitForDelete(ctx, &syncWriter{o: o}, c, f, pods, "deleted")
}

// waitForDelete polls the pods until each is gone (or replaced by one of
// another UID), printing "pod/x <verb>"; pods terminating for longer than
// --skip-wait-for-delete-timeout are left.
func waitForDelete(ctx context.Context, w *syncWriter, c *client.Client, f *drainFlags, pods []*api.Pod, verb string) error {
	d := drainPolicy{skipWaitSeconds: f.skipWaitSeconds}
	for {
		var pending []*api.Pod
		for _, p := range pods {
			cur, err := c.Pods(p.Namespace).Get(ctx, p.Name)
			switch {
			case client.IsNotFound(err) || err == nil && cur.UID != p.UID:
				w.out("pod/%s %s\n", p.Name, verb)
				continue
			case err != nil:
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return err
			}
			d.now = time.Now()
			if d.skipWaiting(cur) {
				w.out("pod %q has DeletionTimestamp older than %v seconds, skipping\n", p.Name, f.skipWaitSeconds)
				continue
			}
			pending = append(pending, p)
		}
		if pods = pending; len(pods) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(drainPollInterval):
		}
	}
}

func podInfo() *api.ResourceInfo {
	info, _ := api.ForKind("v1", "Pod")
	return info
}
