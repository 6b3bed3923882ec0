package kubectl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/labels"
)

// kubectl top pod|node, as kubectl v1.32's pkg/cmd/top and
// pkg/metricsutil: read metrics.k8s.io/v1beta1 (after checking discovery
// lists it), sort, and print NAME CPU(cores) MEMORY(bytes) (nodes also
// CPU(%) and MEMORY(%) of allocatable) through the same tab writer, with
// kubectl's messages when the API or the metrics are missing.

const (
	metricsAPIPath = "/apis/metrics.k8s.io/v1beta1"
	// metricsCreationDelay is how long a pod may lack metrics before
	// kubectl calls it an error rather than "not available yet".
	metricsCreationDelay = 2 * time.Minute
)

// topFlags are the flags of top pod and top node.
type topFlags struct {
	selector, fieldSelector, sortBy string
	allNamespaces, containers       bool
	noHeaders, sum, protobuf        bool
}

func newTopCommand(o *options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "top",
		Short: "Display resource (CPU/memory) usage",
		Long: "Display resource (CPU/memory) usage.\n\n" +
			"The top command allows you to see the resource consumption for nodes or pods.\n\n" +
			"This command requires the resource metrics API (metrics.k8s.io), which the minik8s apiserver serves itself.",
		RunE: groupRun,
	}
	cmd.AddCommand(newTopPodCommand(o), newTopNodeCommand(o))
	return cmd
}

func newTopPodCommand(o *options) *cobra.Command {
	f := &topFlags{}
	cmd := &cobra.Command{
		Use:     "pod [NAME | -l label]",
		Aliases: []string{"pods", "po"},
		Short:   "Display resource (CPU/memory) usage of pods",
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := topName(cmd, args, f, f.selector != "" || f.fieldSelector != "", "only one of NAME or selector can be provided")
			if err != nil {
				return err
			}
			return runTopPod(cmd.Context(), o, f, name)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.selector, "selector", "l", "", "Selector (label query) to filter on, supports '=', '==', and '!='.(e.g. -l key1=value1,key2=value2). Matching objects must satisfy all of the specified label constraints.")
	fl.StringVar(&f.fieldSelector, "field-selector", "", "Selector (field query) to filter on, supports '=', '==', and '!='.(e.g. --field-selector key1=value1,key2=value2). The server only supports a limited number of field queries per type.")
	fl.StringVar(&f.sortBy, "sort-by", "", "If non-empty, sort pods list using specified field. The field can be either 'cpu' or 'memory'.")
	fl.BoolVar(&f.containers, "containers", false, "If present, print usage of containers within a pod.")
	fl.BoolVarP(&f.allNamespaces, "all-namespaces", "A", false, "If present, list the requested object(s) across all namespaces. Namespace in current context is ignored even if specified with --namespace.")
	fl.BoolVar(&f.noHeaders, "no-headers", false, "If present, print output without headers.")
	fl.BoolVar(&f.sum, "sum", false, "Print the sum of the resource usage")
	fl.BoolVar(&f.protobuf, "use-protocol-buffers", true, "Enables using protocol-buffers to access Metrics API. (minik8s: always JSON)")
	return cmd
}

func newTopNodeCommand(o *options) *cobra.Command {
	f := &topFlags{}
	cmd := &cobra.Command{
		Use:     "node [NAME | -l label]",
		Aliases: []string{"nodes", "no"},
		Short:   "Display resource (CPU/memory) usage of nodes",
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := topName(cmd, args, f, f.selector != "", "only one of NAME or --selector can be provided")
			if err != nil {
				return err
			}
			return runTopNode(cmd.Context(), o, f, name)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.selector, "selector", "l", "", "Selector (label query) to filter on, supports '=', '==', and '!='.(e.g. -l key1=value1,key2=value2)")
	fl.StringVar(&f.sortBy, "sort-by", "", "If non-empty, sort nodes list using specified field. The field can be either 'cpu' or 'memory'.")
	fl.BoolVar(&f.noHeaders, "no-headers", false, "If present, print output without headers")
	fl.BoolVar(&f.protobuf, "use-protocol-buffers", true, "Enables using protocol-buffers to access Metrics API. (minik8s: always JSON)")
	return cmd
}

// topName checks the arguments and flags as kubectl's Complete and
// Validate and returns the NAME given, if any.
func topName(cmd *cobra.Command, args []string, f *topFlags, selected bool, bothMsg string) (string, error) {
	if len(args) > 1 {
		return "", usageError(cmd, "%s", cmd.Use)
	}
	name := ""
	if len(args) == 1 {
		name = args[0]
	}
	if f.sortBy != "" && f.sortBy != "cpu" && f.sortBy != "memory" {
		return "", errors.New("--sort-by accepts only cpu or memory")
	}
	if name != "" && selected {
		return "", errors.New(bothMsg)
	}
	if f.selector != "" {
		if _, err := labels.Parse(f.selector); err != nil {
			return "", err
		}
	}
	return name, nil
}

// checkMetricsAPI fails with kubectl's message unless discovery lists
// metrics.k8s.io/v1beta1.
func checkMetricsAPI(ctx context.Context, c *client.Client) error {
	b, err := c.Do(ctx, "GET", "/apis", nil, nil)
	if err != nil {
		return err
	}
	var groups struct {
		Groups []struct {
			Name     string `json:"name"`
			Versions []struct {
				Version string `json:"version"`
			} `json:"versions"`
		} `json:"groups"`
	}
	if err := json.Unmarshal(b, &groups); err != nil {
		return fmt.Errorf("decoding /apis: %w", err)
	}
	for _, g := range groups.Groups {
		for _, v := range g.Versions {
			if g.Name == "metrics.k8s.io" && v.Version == "v1beta1" {
				return nil
			}
		}
	}
	return errors.New("Metrics API not available")
}

// metricsQuery is the list query of selectors (empty ones left out).
func metricsQuery(label, field string) string {
	q := url.Values{}
	if label != "" {
		q.Set("labelSelector", label)
	}
	if field != "" {
		q.Set("fieldSelector", field)
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

func getMetrics[T any](ctx context.Context, c *client.Client, path string) (T, error) {
	var v T
	b, err := c.Do(ctx, "GET", path, nil, nil)
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return v, fmt.Errorf("decoding %s: %w", path, err)
	}
	return v, nil
}

func runTopPod(ctx context.Context, o *options, f *topFlags, name string) error {
	c, ns, err := o.clientNS()
	if err != nil {
		return err
	}
	if err := checkMetricsAPI(ctx, c); err != nil {
		return err
	}
	base := metricsAPIPath + "/namespaces/" + url.PathEscape(ns) + "/pods"
	if f.allNamespaces {
		base = metricsAPIPath + "/pods"
	}
	var items []api.PodMetrics
	if name != "" {
		pm, err := getMetrics[api.PodMetrics](ctx, c, base+"/"+url.PathEscape(name))
		if err != nil {
			return err
		}
		items = []api.PodMetrics{pm}
	} else {
		list, err := getMetrics[api.PodMetricsList](ctx, c, base+metricsQuery(f.selector, f.fieldSelector))
		if err != nil {
			return err
		}
		items = list.Items
	}
	if len(items) == 0 {
		// As kubectl: pods that exist are young (not yet) or old (an
		// error); the pods are looked up in the namespace even with -A.
		if err := verifyEmptyMetrics(ctx, c, ns, name, f, time.Now()); err != nil {
			return err
		}
		fmt.Fprintln(o.err, noResources(ns, f.allNamespaces, true))
	}
	printPodMetrics(o.out, items, f.containers, f.allNamespaces, f.noHeaders, f.sortBy, f.sum)
	return nil
}

// verifyEmptyMetrics explains an empty answer as kubectl does.
func verifyEmptyMetrics(ctx context.Context, c *client.Client, ns, name string, f *topFlags, now time.Time) error {
	var pods []*api.Pod
	if name != "" {
		p, err := c.Pods(ns).Get(ctx, name)
		if err != nil {
			return err
		}
		pods = []*api.Pod{p}
	} else {
		list, _, err := c.Pods(ns).List(ctx, client.ListOptions{LabelSelector: f.selector, FieldSelector: f.fieldSelector})
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return nil
		}
		pods = list
	}
	for _, p := range pods {
		if err := checkPodAge(p, now); err != nil {
			return err
		}
	}
	return errors.New("metrics not available yet")
}

func checkPodAge(p *api.Pod, now time.Time) error {
	if age := now.Sub(p.CreationTimestamp.Time); age > metricsCreationDelay {
		return fmt.Errorf("Metrics not available for pod %s/%s, age: %s", p.Namespace, p.Name, age.String())
	}
	return nil
}

func runTopNode(ctx context.Context, o *options, f *topFlags, name string) error {
	c, err := o.client()
	if err != nil {
		return err
	}
	if err := checkMetricsAPI(ctx, c); err != nil {
		return err
	}
	var items []api.NodeMetrics
	if name != "" {
		nm, err := getMetrics[api.NodeMetrics](ctx, c, metricsAPIPath+"/nodes/"+url.PathEscape(name))
		if err != nil {
			return err
		}
		items = []api.NodeMetrics{nm}
	} else {
		list, err := getMetrics[api.NodeMetricsList](ctx, c, metricsAPIPath+"/nodes"+metricsQuery(f.selector, ""))
		if err != nil {
			return err
		}
		items = list.Items
	}
	if len(items) == 0 {
		return errors.New("metrics not available yet")
	}
	var nodes []*api.Node
	if name != "" {
		n, err := c.Nodes().Get(ctx, name)
		if err != nil {
			return err
		}
		nodes = []*api.Node{n}
	} else {
		if nodes, _, err = c.Nodes().List(ctx, client.ListOptions{LabelSelector: f.selector}); err != nil {
			return err
		}
	}
	allocatable := make(map[string]api.ResourceList, len(nodes))
	for _, n := range nodes {
		allocatable[n.Name] = n.Status.Allocatable
	}
	printNodeMetrics(o.out, items, allocatable, f.noHeaders, f.sortBy)
	return nil
}

// measured are the resources top prints, in order.
var measured = []string{"cpu", "memory"}

// topWriter is kubectl's tab writer (cli-runtime printers.GetNewTabWriter).
func topWriter(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 6, 4, 3, ' ', 0) }

// printNodeMetrics prints the nodes' lines, then a line of <unknown>s for
// each node in allocatable that has no metrics (sorted; kubectl's order is
// a map's).
func printNodeMetrics(out io.Writer, items []api.NodeMetrics, allocatable map[string]api.ResourceList, noHeaders bool, sortBy string) {
	if len(items) == 0 {
		return
	}
	w := topWriter(out)
	defer w.Flush()
	sort.Sort(nodeMetricsSorter{items, sortBy})
	if !noHeaders {
		printColumns(w, "NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)")
	}
	left := make(map[string]bool, len(allocatable))
	for name := range allocatable {
		left[name] = true
	}
	for _, m := range items {
		printMetricsLine(w, m.Name, m.Usage, allocatable[m.Name])
		delete(left, m.Name)
	}
	missing := make([]string, 0, len(left))
	for name := range left {
		missing = append(missing, name)
	}
	sort.Strings(missing)
	for _, name := range missing {
		fmt.Fprintf(w, "%v\t", name)
		for range measured {
			fmt.Fprint(w, "<unknown>\t<unknown>\t")
		}
		fmt.Fprint(w, "\n")
	}
}

// printPodMetrics prints one line per pod (usage summed over its
// containers) or, with containers, one per container; sum adds a total.
func printPodMetrics(out io.Writer, items []api.PodMetrics, containers, withNamespace, noHeaders bool, sortBy string, sum bool) {
	if len(items) == 0 {
		return
	}
	w := topWriter(out)
	defer w.Flush()
	width := 3
	if !noHeaders {
		if withNamespace {
			fmt.Fprint(w, "NAMESPACE\t")
			width++
		}
		if containers {
			fmt.Fprint(w, "POD\t")
			width++
		}
		printColumns(w, "NAME", "CPU(cores)", "MEMORY(bytes)")
	}
	sorter := podMetricsSorter{items: items, sortBy: sortBy, withNamespace: withNamespace, usage: make([]api.ResourceList, len(items))}
	if sortBy != "" {
		for i := range items {
			sorter.usage[i] = podUsage(&items[i])
		}
	}
	sort.Sort(sorter)
	for i := range items {
		m := &items[i]
		if containers {
			sort.Sort(containerMetricsSorter{m.Containers, sortBy})
			for _, c := range m.Containers {
				if withNamespace {
					fmt.Fprintf(w, "%v\t", m.Namespace)
				}
				fmt.Fprintf(w, "%v\t", m.Name)
				printMetricsLine(w, c.Name, c.Usage, nil)
			}
			continue
		}
		if withNamespace {
			fmt.Fprintf(w, "%v\t", m.Namespace)
		}
		printMetricsLine(w, m.Name, podUsage(m), nil)
	}
	if sum {
		total := api.ResourceList{}
		for i := range items {
			addUsage(total, podUsage(&items[i]))
		}
		for i := 0; i < width-2; i++ {
			fmt.Fprint(w, "\t")
		}
		fmt.Fprint(w, "________\t________\t\n")
		for i := 0; i < width-3; i++ {
			fmt.Fprint(w, "\t")
		}
		printMetricsLine(w, "", total, nil)
	}
}

func printColumns(w io.Writer, names ...string) {
	for _, n := range names {
		fmt.Fprintf(w, "%v\t", n)
	}
	fmt.Fprint(w, "\n")
}

// printMetricsLine prints NAME, then per resource the usage and, when
// available has the resource, the percentage of it.
func printMetricsLine(w io.Writer, name string, usage, available api.ResourceList) {
	fmt.Fprintf(w, "%v\t", name)
	for _, r := range measured {
		q := usage[r]
		switch r {
		case "cpu":
			fmt.Fprintf(w, "%vm", q.MilliValue())
		case "memory":
			fmt.Fprintf(w, "%vMi", q.Value()/(1024*1024))
		}
		fmt.Fprint(w, "\t")
		if a, ok := available[r]; ok {
			fraction := 0.0
			if !a.IsZero() {
				fraction = float64(q.MilliValue()) / float64(a.MilliValue()) * 100
			}
			fmt.Fprintf(w, "%d%%\t", int64(fraction))
		}
	}
	fmt.Fprint(w, "\n")
}

// podUsage is a pod's usage summed over its containers.
func podUsage(m *api.PodMetrics) api.ResourceList {
	out := api.ResourceList{}
	for _, c := range m.Containers {
		addUsage(out, c.Usage)
	}
	return out
}

// addUsage adds the measured resources of u to sum.
func addUsage(sum, u api.ResourceList) {
	for _, r := range measured {
		q := sum[r]
		q.Add(u[r])
		sum[r] = q
	}
}

// The sorters are kubectl's (sort.Sort with the same Less, so that ties
// come out in the same order).

type nodeMetricsSorter struct {
	items  []api.NodeMetrics
	sortBy string
}

func (s nodeMetricsSorter) Len() int      { return len(s.items) }
func (s nodeMetricsSorter) Swap(i, j int) { s.items[i], s.items[j] = s.items[j], s.items[i] }
func (s nodeMetricsSorter) Less(i, j int) bool {
	return lessUsage(s.sortBy, s.items[i].Usage, s.items[j].Usage, s.items[i].Name < s.items[j].Name)
}

type podMetricsSorter struct {
	items         []api.PodMetrics
	sortBy        string
	withNamespace bool
	usage         []api.ResourceList
}

func (s podMetricsSorter) Len() int { return len(s.items) }
func (s podMetricsSorter) Swap(i, j int) {
	s.items[i], s.items[j] = s.items[j], s.items[i]
	s.usage[i], s.usage[j] = s.usage[j], s.usage[i]
}
func (s podMetricsSorter) Less(i, j int) bool {
	a, b := s.items[i], s.items[j]
	byName := a.Name < b.Name
	if s.withNamespace && a.Namespace != b.Namespace {
		byName = a.Namespace < b.Namespace
	}
	return lessUsage(s.sortBy, s.usage[i], s.usage[j], byName)
}

type containerMetricsSorter struct {
	items  []api.ContainerMetrics
	sortBy string
}

func (s containerMetricsSorter) Len() int      { return len(s.items) }
func (s containerMetricsSorter) Swap(i, j int) { s.items[i], s.items[j] = s.items[j], s.items[i] }
func (s containerMetricsSorter) Less(i, j int) bool {
	return lessUsage(s.sortBy, s.items[i].Usage, s.items[j].Usage, s.items[i].Name < s.items[j].Name)
}

// lessUsage orders by cpu or memory, largest first, else by name.
func lessUsage(sortBy string, a, b api.ResourceList, byName bool) bool {
	switch sortBy {
	case "cpu":
		qa, qb := a["cpu"], b["cpu"]
		return qa.MilliValue() > qb.MilliValue()
	case "memory":
		qa, qb := a["memory"], b["memory"]
		return qa.Value() > qb.Value()
	}
	return byName
}
