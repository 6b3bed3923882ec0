package kubectl

// kubectl logs, as k8s.io/kubectl/pkg/cmd/logs and
// polymorphichelpers/logsforobject.go: POD, pod/NAME or TYPE/NAME (a pod
// of a workload or service), -l (several pods), -c / --all-containers /
// the default container, and every PodLogOptions field passed to the
// apiserver's pods/log (which passes them to the kubelet).

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/labels"
)

const logsUsage = "expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command"

// selectorTail is kubectl's default --tail with -l.
const selectorTail = 10

// logsOptions are kubectl logs' flags.
type logsOptions struct {
	container     string
	follow        bool
	previous      bool
	timestamps    bool
	tail          int64
	since         time.Duration
	sinceTime     string
	limitBytes    int64
	selector      string
	allContainers bool
	prefix        bool
	maxRequests   int
	podTimeout    time.Duration

	containerSet bool // -c given
}

// podLogOptions is the pods/log query (PodLogOptions) of one container.
type podLogOptions struct {
	Container    string
	Follow       bool
	Previous     bool
	Timestamps   bool
	TailLines    *int64
	SinceSeconds *int64
	SinceTime    string // RFC3339
	LimitBytes   *int64
}

// query is the options as pods/log query parameters.
func (p podLogOptions) query() url.Values {
	q := url.Values{}
	if p.Container != "" {
		q.Set("container", p.Container)
	}
	if p.Follow {
		q.Set("follow", "true")
	}
	if p.Previous {
		q.Set("previous", "true")
	}
	if p.Timestamps {
		q.Set("timestamps", "true")
	}
	if p.TailLines != nil {
		q.Set("tailLines", strconv.FormatInt(*p.TailLines, 10))
	}
	if p.SinceSeconds != nil {
		q.Set("sinceSeconds", strconv.FormatInt(*p.SinceSeconds, 10))
	}
	if p.SinceTime != "" {
		q.Set("sinceTime", p.SinceTime)
	}
	if p.LimitBytes != nil {
		q.Set("limitBytes", strconv.FormatInt(*p.LimitBytes, 10))
	}
	return q
}

// validate is kubectl logs' Complete and Validate on the arguments: the
// pod (or TYPE/NAME) and the container, and the PodLogOptions they make.
func (l *logsOptions) validate(cmd *cobra.Command, args []string) (resource string, po podLogOptions, err error) {
	switch len(args) {
	case 0:
		if l.selector == "" {
			return "", po, usageError(cmd, "%s", logsUsage)
		}
	case 1:
		resource = args[0]
		if l.selector != "" {
			return "", po, usageError(cmd, "only a selector (-l) or a POD name is allowed")
		}
	case 2:
		resource = args[0]
		if l.containerSet {
			return "", po, fmt.Errorf("only one of -c or an inline [CONTAINER] arg is allowed")
		}
		l.container = args[1]
	default:
		return "", po, usageError(cmd, "%s", logsUsage)
	}
	po = podLogOptions{Container: l.container, Follow: l.follow, Previous: l.previous, Timestamps: l.timestamps}
	if l.sinceTime != "" {
		t, err := time.Parse(time.RFC3339, l.sinceTime)
		if err != nil {
			return "", po, err
		}
		po.SinceTime = t.UTC().Format(time.RFC3339)
	}
	if l.limitBytes != 0 {
		po.LimitBytes = &l.limitBytes
	}
	if l.since != 0 {
		s := int64(l.since.Round(time.Second).Seconds())
		po.SinceSeconds = &s
	}
	tail := l.tail
	if l.selector != "" && tail == -1 {
		tail = selectorTail
	}
	if tail != -1 {
		po.TailLines = &tail
	}
	switch {
	case l.sinceTime != "" && l.since != 0:
		return "", po, errors.New("at most one of `sinceTime` or `sinceSeconds` may be specified")
	case l.allContainers && l.container != "":
		return "", po, fmt.Errorf("--all-containers=true should not be specified with container name %s", l.container)
	case l.limitBytes < 0:
		return "", po, errors.New("--limit-bytes must be greater than 0")
	case po.SinceSeconds != nil && *po.SinceSeconds < 0:
		return "", po, errors.New("--since must be greater than 0")
	case po.TailLines != nil && *po.TailLines < -1:
		return "", po, errors.New("--tail must be greater than or equal to -1")
	}
	return resource, po, nil
}

func newLogsCommand(o *options) *cobra.Command {
	l := &logsOptions{}
	cmd := &cobra.Command{
		Use:   "logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]",
		Short: "Print the logs for a container in a pod",
		RunE: func(cmd *cobra.Command, args []string) error {
			l.containerSet = cmd.Flags().Changed("container")
			resource, po, err := l.validate(cmd, args)
			if err != nil {
				return err
			}
			ctx := cmd.Context() // set by Execute (Background when none was given)
			return runLogs(ctx, o, l, resource, po)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&l.container, "container", "c", "", "Print the logs of this container")
	f.BoolVarP(&l.follow, "follow", "f", false, "Specify if the logs should be streamed.")
	f.BoolVarP(&l.previous, "previous", "p", false, "If true, print the logs for the previous instance of the container in a pod if it exists.")
	f.BoolVar(&l.timestamps, "timestamps", false, "Include timestamps on each line in the log output")
	f.Int64Var(&l.tail, "tail", -1, "Lines of recent log file to display. Defaults to -1 with no selector, showing all log lines otherwise 10, if a selector is provided.")
	f.DurationVar(&l.since, "since", 0, "Only return logs newer than a relative duration like 5s, 2m, or 3h. Defaults to all logs. Only one of since-time / since may be used.")
	f.StringVar(&l.sinceTime, "since-time", "", "Only return logs after a specific date (RFC3339). Defaults to all logs. Only one of since-time / since may be used.")
	f.Int64Var(&l.limitBytes, "limit-bytes", 0, "Maximum bytes of logs to return. Defaults to no limit.")
	f.StringVarP(&l.selector, "selector", "l", "", "Selector (label query) to filter on, supports '=', '==', '!=', 'in', 'notin'.(e.g. -l key1=value1,key2=value2,key3 in (value3)). Matching objects must satisfy all of the specified label constraints.")
	f.BoolVar(&l.allContainers, "all-containers", false, "Get all containers' logs in the pod(s).")
	f.BoolVar(&l.prefix, "prefix", false, "Prefix each log line with the log source (pod name and container name)")
	f.IntVar(&l.maxRequests, "max-log-requests", 5, "Specify maximum number of concurrent logs to follow when using by a selector. Defaults to 5.")
	f.DurationVar(&l.podTimeout, "pod-running-timeout", 20*time.Second, "The length of time (like 5s, 2m, or 3h, higher than zero) to wait until at least one pod is running")
	return cmd
}

// logRequest is one container's log stream to print.
type logRequest struct {
	pod       string
	container string
	opts      podLogOptions
}

func runLogs(ctx context.Context, o *options, l *logsOptions, resource string, po podLogOptions) error {
	c, ns, err := o.clientNS()
	if err != nil {
		return err
	}
	var pods []*api.Pod
	if l.selector != "" {
		if pods, _, err = c.Pods(ns).List(ctx, client.ListOptions{LabelSelector: l.selector}); err != nil {
			return err
		}
		sort.SliceStable(pods, func(i, j int) bool { return pods[i].Name < pods[j].Name })
		if len(pods) == 0 {
			fmt.Fprintln(o.err, noResources(ns, false, true))
			return nil
		}
	} else {
		pod, n, err := podForLogs(ctx, c, ns, resource, l.podTimeout)
		if st, ok := client.AsStatus(err); ok && client.IsNotFound(err) {
			// kubectl's resource builder words a missing object so.
			return fmt.Errorf("error from server (NotFound): %s in namespace %q", st.Message, ns)
		}
		if err != nil {
			return err
		}
		if n > 1 {
			fmt.Fprintf(o.err, "Found %v pods, using pod/%v\n", n, pod.Name)
		}
		pods = []*api.Pod{pod}
	}
	var reqs []logRequest
	for _, pod := range pods {
		rs, err := logRequestsFor(o.err, pod, po, l.allContainers)
		if err != nil {
			return err
		}
		reqs = append(reqs, rs...)
	}
	if l.follow && len(reqs) > 1 {
		if len(reqs) > l.maxRequests {
			return fmt.Errorf("you are attempting to follow %d log streams, but maximum allowed concurrency is %d, use --max-log-requests to increase the limit", len(reqs), l.maxRequests)
		}
		return parallelLogs(ctx, c, ns, o.out, reqs, l.prefix)
	}
	for _, r := range reqs {
		if err := copyLog(ctx, c, ns, o.out, r, l.prefix); err != nil {
			return err
		}
	}
	return nil
}

// logRequestsFor is the container(s) of pod to read, as logsforobject.go
// picks them: all (init, app, ephemeral) with --all-containers; else the
// named one, the default-container annotation's, or the first (with
// kubectl's notes on w).
func logRequestsFor(w io.Writer, pod *api.Pod, po podLogOptions, all bool) ([]logRequest, error) {
	if all {
		var out []logRequest
		for _, names := range [][]string{containerNames(pod.Spec.InitContainers), containerNames(pod.Spec.Containers)} {
			for _, n := range names {
				p := po
				p.Container = n
				out = append(out, logRequest{pod: pod.Name, container: n, opts: p})
			}
		}
		return out, nil
	}
	name := po.Container
	if d := pod.Annotations[defaultContainerAnnotation]; name == "" && d != "" {
		if hasContainer(pod, d) {
			name = d
		} else {
			fmt.Fprintf(w, "Default container name %q not found in pod %s\n", d, pod.Name)
		}
	}
	if name == "" {
		if len(pod.Spec.Containers) == 0 {
			return nil, fmt.Errorf("pod %s has no containers", pod.Name)
		}
		name = pod.Spec.Containers[0].Name
		if len(pod.Spec.Containers) > 1 || len(pod.Spec.InitContainers) > 0 {
			fmt.Fprintf(w, "Defaulted container %q out of: %s\n", name, allContainerNames(pod))
		}
	}
	if !hasContainer(pod, name) {
		return nil, fmt.Errorf("container %s is not valid for pod %s", name, pod.Name)
	}
	po.Container = name
	return []logRequest{{pod: pod.Name, container: name, opts: po}}, nil
}

func containerNames(cs []api.Container) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

func hasContainer(pod *api.Pod, name string) bool {
	for _, c := range append(append([]api.Container{}, pod.Spec.InitContainers...), pod.Spec.Containers...) {
		if c.Name == name {
			return true
		}
	}
	return false
}

// allContainerNames is podcmd.AllContainerNames: "i (init), a, b".
func allContainerNames(pod *api.Pod) string {
	var names []string
	for _, c := range pod.Spec.InitContainers {
		names = append(names, c.Name+" (init)")
	}
	names = append(names, containerNames(pod.Spec.Containers)...)
	return strings.Join(names, ", ")
}

// copyLog prints one container's log, each line prefixed with
// "[pod/NAME/CONTAINER] " when prefix is set.
func copyLog(ctx context.Context, c *client.Client, ns string, w io.Writer, r logRequest, prefix bool) error {
	body, err := c.Stream(ctx, "/api/v1/namespaces/"+url.PathEscape(ns)+"/pods/"+url.PathEscape(r.pod)+"/log", r.opts.query())
	if err != nil {
		return err
	}
	defer body.Close()
	if !prefix {
		_, err = io.Copy(w, body)
		return err
	}
	return copyPrefixed(w, body, fmt.Sprintf("[pod/%s/%s] ", r.pod, r.container))
}

// copyPrefixed copies r to w line by line, each with the prefix.
func copyPrefixed(w io.Writer, r io.Reader, prefix string) error {
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			if _, werr := w.Write(append([]byte(prefix), line...)); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// lockedWriter serializes whole-line writes of parallel streams.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// parallelLogs follows several streams at once, line by line.
func parallelLogs(ctx context.Context, c *client.Client, ns string, w io.Writer, reqs []logRequest, prefix bool) error {
	lw := &lockedWriter{w: w}
	var wg sync.WaitGroup
	errs := make([]error, len(reqs))
	for i, r := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := ""
			if prefix {
				p = fmt.Sprintf("[pod/%s/%s] ", r.pod, r.container)
			}
			body, err := c.Stream(ctx, "/api/v1/namespaces/"+url.PathEscape(ns)+"/pods/"+url.PathEscape(r.pod)+"/log", r.opts.query())
			if err != nil {
				errs[i] = err
				return
			}
			defer body.Close()
			errs[i] = copyPrefixed(lw, body, p)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// podForLogs resolves POD, pod/NAME or TYPE/NAME to a pod; for a
// workload or service it is the first of its pods in kubectl's logging
// order, and n is how many there were.
func podForLogs(ctx context.Context, c *client.Client, ns, resource string, timeout time.Duration) (*api.Pod, int, error) {
	typ, name, ok := strings.Cut(resource, "/")
	if !ok {
		typ, name = "pods", resource
	}
	info, err := api.Lookup(typ)
	if err != nil {
		return nil, 0, err
	}
	if info.Kind == "Pod" {
		pod, err := c.Pods(ns).Get(ctx, name)
		return pod, 1, err
	}
	data, err := c.Do(ctx, "GET", info.Path(namespaceFor(info, ns), name), nil, nil)
	if err != nil {
		return nil, 0, err
	}
	sel, err := selectorOf(info, data)
	if err != nil {
		return nil, 0, err
	}
	deadline := time.Now().Add(timeout)
	for {
		pods, _, err := c.Pods(ns).List(ctx, client.ListOptions{LabelSelector: sel})
		if err != nil {
			return nil, 0, err
		}
		if len(pods) > 0 {
			sort.SliceStable(pods, func(i, j int) bool { return loggingLess(pods[i], pods[j]) })
			return pods[0], len(pods), nil
		}
		if time.Now().After(deadline) {
			return nil, 0, errors.New("timed out waiting for the condition")
		}
		select {
		case <-ctx.Done():
			return nil, 0, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// selectorOf is the pod selector of a workload or service object.
func selectorOf(info *api.ResourceInfo, data []byte) (string, error) {
	var obj struct {
		Spec struct {
			Selector json.RawMessage `json:"selector"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(data, &obj); err != nil {
		return "", fmt.Errorf("decode %s: %w", info.Kind, err)
	}
	raw := obj.Spec.Selector
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return "", fmt.Errorf("cannot get the logs from %s: selector for %s not implemented", kindName(info), info.Kind)
	}
	if info.Kind == "Service" || info.Kind == "ReplicationController" {
		var set map[string]string
		if err := json.Unmarshal(raw, &set); err != nil {
			return "", fmt.Errorf("decode %s selector: %w", info.Kind, err)
		}
		return labels.SelectorFromSet(set).String(), nil
	}
	var ls api.LabelSelector
	if err := json.Unmarshal(raw, &ls); err != nil {
		return "", fmt.Errorf("decode %s selector: %w", info.Kind, err)
	}
	sel, err := labels.FromLabelSelector(&ls)
	if err != nil {
		return "", fmt.Errorf("invalid label selector: %w", err)
	}
	return sel.String(), nil
}

// loggingLess is kubectl's podutils.ByLogging: assigned before unassigned,
// Running < Unknown < Pending, ready before not ready, longer ready first,
// more restarts first, older first.
func loggingLess(a, b *api.Pod) bool {
	if a.Spec.NodeName != b.Spec.NodeName && (a.Spec.NodeName == "" || b.Spec.NodeName == "") {
		return a.Spec.NodeName != ""
	}
	rank := map[string]int{api.PodRunning: 0, api.PodUnknown: 1, api.PodPending: 2}
	if rank[a.Status.Phase] != rank[b.Status.Phase] {
		return rank[a.Status.Phase] < rank[b.Status.Phase]
	}
	ra, ta := podReady(a)
	rb, tb := podReady(b)
	if ra != rb {
		return ra
	}
	if ra && rb && !ta.Equal(tb) {
		return afterOrZero(tb, ta)
	}
	if ma, mb := maxRestarts(a), maxRestarts(b); ma != mb {
		return ma > mb
	}
	ca, cb := a.CreationTimestamp.Time, b.CreationTimestamp.Time
	if !ca.Equal(cb) {
		return afterOrZero(cb, ca)
	}
	return false
}

// afterOrZero: t1 is zero, or after t2.
func afterOrZero(t1, t2 time.Time) bool {
	if t1.IsZero() || t2.IsZero() {
		return t1.IsZero()
	}
	return t1.After(t2)
}

func podReady(p *api.Pod) (bool, time.Time) {
	for _, c := range p.Status.Conditions {
		if c.Type == "Ready" {
			return c.Status == "True", c.LastTransitionTime.Time
		}
	}
	return false, time.Time{}
}

func maxRestarts(p *api.Pod) int32 {
	var m int32
	for _, cs := range p.Status.ContainerStatuses {
		if cs.RestartCount > m {
			m = cs.RestartCount
		}
	}
	return m
}
