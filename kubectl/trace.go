package kubectl

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/netinfo"
)

// kubectl trace: the path one packet takes, hop by hop, read from the
// nodes' kubelets (GET /api/v1/nodes/NAME/proxy/netinfo) and worked out by
// pkg/netinfo; --probe sends the packet (POST .../proxy/netinfo/probe,
// from inside the client pod's namespace) and checks that every hop's
// counter moved.

type traceFlags struct {
	to, protocol, output string
	probe                bool
	timeoutMillis        int
}

// NewTracePluginCommand is the kubectl-trace plugin binary (a link to
// minik8s named kubectl-trace): the real kubectl runs it as `kubectl trace`.
func NewTracePluginCommand() *cobra.Command {
	root := newCommand(&options{})
	cmd, _, err := root.Find([]string{"trace"})
	if err != nil {
		return &cobra.Command{Use: "kubectl-trace", RunE: func(*cobra.Command, []string) error { return err }}
	}
	root.RemoveCommand(cmd)
	// The plugin is the trace command with kubectl's global flags.
	cmd.Use = "kubectl-trace " + strings.TrimPrefix(cmd.Use, "trace ")
	cmd.PersistentFlags().AddFlagSet(root.PersistentFlags())
	pre := root.PersistentPreRun
	cmd.PersistentPreRun = pre
	return cmd
}

func newTraceCommand(o *options) *cobra.Command {
	f := &traceFlags{}
	cmd := &cobra.Command{
		Use:   "trace (pod/NAME | node/NAME) --to (pod/NAME[:PORT] | svc/NAME[:PORT] | node/NAME[:PORT] | IP:PORT)",
		Short: "Show the path a packet takes through the pod network, hop by hop",
		Long: "Show the path the first packet of a connection takes, read from the live system:\n" +
			"the client pod's eth0 and its veth peer on the bridge, the node's route decision,\n" +
			"the netfilter rules that match (KUBE-SERVICES → KUBE-SVC → KUBE-SEP → DNAT, with\n" +
			"the endpoints' shares), the encapsulation (flannel.1 VXLAN or host-gw), the remote\n" +
			"node's bridge and veth, and the target pod.\n\n" +
			"With --probe the packet is sent (a TCP connect or a UDP datagram from inside the\n" +
			"client pod's network namespace) and every hop is confirmed by its counters.",
		Example: "  kubectl trace pod/client --to svc/web\n" +
			"  kubectl trace pod/client --to pod/server:8080 --probe\n" +
			"  kubectl trace node/node1 --to svc/web          # the service's NodePort on node1\n" +
			"  kubectl trace pod/client --to 10.96.0.10:53 --protocol udp -o json",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError(cmd, "exactly one origin (pod/NAME or node/NAME) is required, got %d", len(args))
			}
			if f.to == "" {
				return usageError(cmd, "--to is required")
			}
			if f.output != "" && f.output != "json" {
				return fmt.Errorf("unable to match a printer suitable for the output format %q, allowed formats are: json", f.output)
			}
			return runTrace(cmd.Context(), o, f, args[0])
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.to, "to", "", "Destination: pod/NAME[:PORT], svc/NAME[:PORT|:PORTNAME], node/NAME[:PORT] or IP:PORT")
	fl.StringVar(&f.protocol, "protocol", "", "tcp or udp (default: the service port's protocol, else tcp)")
	fl.StringVarP(&f.output, "output", "o", "", "Output format: json")
	fl.BoolVar(&f.probe, "probe", false, "Send one packet from the origin's network namespace and confirm each hop by its counters")
	fl.IntVar(&f.timeoutMillis, "probe-timeout", 2000, "Probe timeout in milliseconds")
	return cmd
}

func runTrace(ctx context.Context, o *options, f *traceFlags, origin string) error {
	c, err := o.client()
	if err != nil {
		return err
	}
	ns, err := o.ns()
	if err != nil {
		return err
	}
	nodeIPs, err := traceNodeIPs(ctx, c)
	if err != nil {
		return err
	}
	from, err := traceOrigin(ctx, c, ns, origin, nodeIPs)
	if err != nil {
		return err
	}
	to, err := traceDestination(ctx, c, ns, f, from, nodeIPs)
	if err != nil {
		return err
	}
	before, err := fetchCluster(ctx, c, nodeIPs)
	if err != nil {
		return err
	}
	tr, err := netinfo.TracePath(before, from, to, netinfo.TraceOptions{})
	if err != nil {
		return err
	}
	if f.probe {
		// A resync of kube-proxy's (or the network agent's) chains between
		// the two reads resets their rule counters: then the probe proves
		// nothing for those hops, and it is sent again (3 tries at most)
		// until every hop is confirmed.
		for try := 0; try < 3; try++ {
			res, err := sendProbe(ctx, c, from, to, f.timeoutMillis)
			if err != nil {
				return err
			}
			after, err := fetchCluster(ctx, c, nodeIPs)
			if err != nil {
				return err
			}
			prefer := netinfo.MovedEndpoint(before.Nodes[from.Node], after.Nodes[from.Node], tr.Endpoints())
			b, err := netinfo.TracePath(before, from, to, netinfo.TraceOptions{Prefer: prefer})
			if err != nil {
				return err
			}
			a, err := netinfo.TracePath(after, from, to, netinfo.TraceOptions{Prefer: prefer})
			if err != nil {
				return err
			}
			netinfo.Confirm(b, a)
			a.Probe = &res
			tr, before = a, after
			if allConfirmed(a) {
				break
			}
		}
	}
	if f.output == "json" {
		enc := json.NewEncoder(o.out)
		enc.SetIndent("", "  ")
		return enc.Encode(tr)
	}
	printTrace(o.out, tr)
	return nil
}

func allConfirmed(t *netinfo.Trace) bool {
	for _, h := range t.Hops {
		if h.Confirmed != nil && !*h.Confirmed {
			return false
		}
	}
	return true
}

// traceNodeIPs maps each node to its InternalIP.
func traceNodeIPs(ctx context.Context, c *client.Client) (map[string]string, error) {
	info, _ := api.ForResource("", "v1", "nodes")
	objs, _, err := c.List(ctx, info, "", client.ListOptions{})
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, ob := range objs {
		n := ob.(*api.Node)
		for _, a := range n.Status.Addresses {
			if a.Type == api.NodeInternalIP {
				out[n.Name] = a.Address
			}
		}
	}
	return out, nil
}

func splitKindName(s string) (kind, name, port string, err error) {
	kind, rest, ok := strings.Cut(s, "/")
	if !ok || rest == "" {
		return "", "", "", fmt.Errorf("%q: want TYPE/NAME", s)
	}
	name, port, _ = strings.Cut(rest, ":")
	switch kind {
	case "pod", "pods", "po":
		kind = "pod"
	case "svc", "service", "services":
		kind = "svc"
	case "node", "nodes", "no":
		kind = "node"
	default:
		return "", "", "", fmt.Errorf("%q: the type must be pod, svc or node", s)
	}
	return kind, name, port, nil
}

func traceOrigin(ctx context.Context, c *client.Client, ns, s string, nodeIPs map[string]string) (netinfo.Origin, error) {
	kind, name, _, err := splitKindName(s)
	if err != nil {
		return netinfo.Origin{}, err
	}
	switch kind {
	case "pod":
		pod, err := getPod(ctx, c, ns, name)
		if err != nil {
			return netinfo.Origin{}, err
		}
		if pod.Spec.NodeName == "" || pod.Status.PodIP == "" {
			return netinfo.Origin{}, fmt.Errorf("pod %s/%s is not running on a node yet (no pod IP)", ns, name)
		}
		return netinfo.Origin{Namespace: ns, Name: name, Node: pod.Spec.NodeName, IP: pod.Status.PodIP}, nil
	case "node":
		ip, ok := nodeIPs[name]
		if !ok {
			return netinfo.Origin{}, fmt.Errorf("node %q not found (or it has no InternalIP)", name)
		}
		return netinfo.Origin{Node: name, IP: ip}, nil
	}
	return netinfo.Origin{}, fmt.Errorf("%q: the origin must be pod/NAME or node/NAME", s)
}

func getPod(ctx context.Context, c *client.Client, ns, name string) (*api.Pod, error) {
	info, _ := api.ForResource("", "v1", "pods")
	obj, err := c.Get(ctx, info, ns, name)
	if err != nil {
		return nil, err
	}
	return obj.(*api.Pod), nil
}

func traceDestination(ctx context.Context, c *client.Client, ns string, f *traceFlags, from netinfo.Origin, nodeIPs map[string]string) (netinfo.Destination, error) {
	proto := strings.ToLower(f.protocol)
	if proto != "" && proto != "tcp" && proto != "udp" {
		return netinfo.Destination{}, fmt.Errorf("--protocol %q: want tcp or udp", f.protocol)
	}
	d := netinfo.Destination{Protocol: proto}
	port := func(s string, def int) (int, error) {
		if s == "" {
			return def, nil
		}
		p, err := strconv.Atoi(s)
		if err != nil || p < 1 || p > 65535 {
			return 0, fmt.Errorf("--to %q: port %q: want 1-65535", f.to, s)
		}
		return p, nil
	}
	var err error
	if !strings.Contains(f.to, "/") {
		host, p, splitErr := net.SplitHostPort(f.to)
		if splitErr != nil || net.ParseIP(host).To4() == nil {
			return d, fmt.Errorf("--to %q: want pod/NAME, svc/NAME, node/NAME or IPv4:PORT", f.to)
		}
		d.IP, d.Desc = host, f.to
		if d.Port, err = port(p, 0); err != nil {
			return d, err
		}
	} else {
		kind, name, p, err := splitKindName(f.to)
		if err != nil {
			return d, fmt.Errorf("--to %w", err)
		}
		switch kind {
		case "pod":
			pod, err := getPod(ctx, c, ns, name)
			if err != nil {
				return d, err
			}
			if pod.Status.PodIP == "" {
				return d, fmt.Errorf("pod %s/%s has no IP yet", ns, name)
			}
			def := 80
			for _, ct := range pod.Spec.Containers {
				for _, cp := range ct.Ports {
					if def == 80 && cp.ContainerPort > 0 {
						def = int(cp.ContainerPort)
					}
				}
			}
			d.IP, d.Desc = pod.Status.PodIP, "pod "+ns+"/"+name
			if d.Port, err = port(p, def); err != nil {
				return d, err
			}
		case "node":
			ip, ok := nodeIPs[name]
			if !ok {
				return d, fmt.Errorf("node %q not found (or it has no InternalIP)", name)
			}
			d.IP, d.Desc = ip, "node "+name
			if d.Port, err = port(p, 10250); err != nil {
				return d, err
			}
		case "svc":
			if err := serviceDestination(ctx, c, ns, name, p, from, nodeIPs, &d); err != nil {
				return d, err
			}
		}
	}
	if d.Protocol == "" {
		d.Protocol = "tcp"
	}
	return d, nil
}

// serviceDestination resolves svc/NAME[:PORT]: the cluster IP and port
// from a pod; from a node, the NodePort on that node's address (or the
// cluster IP when the service has none).
func serviceDestination(ctx context.Context, c *client.Client, ns, name, p string, from netinfo.Origin, nodeIPs map[string]string, d *netinfo.Destination) error {
	info, _ := api.ForResource("", "v1", "services")
	obj, err := c.Get(ctx, info, ns, name)
	if err != nil {
		return err
	}
	svc := obj.(*api.Service)
	if len(svc.Spec.Ports) == 0 {
		return fmt.Errorf("service %s/%s has no ports", ns, name)
	}
	sp := svc.Spec.Ports[0]
	if p != "" {
		found := false
		for _, x := range svc.Spec.Ports {
			if x.Name == p || strconv.Itoa(int(x.Port)) == p {
				sp, found = x, true
			}
		}
		if !found {
			return fmt.Errorf("service %s/%s has no port %q", ns, name, p)
		}
	}
	if d.Protocol == "" {
		d.Protocol = strings.ToLower(sp.Protocol)
	}
	if from.Name == "" && sp.NodePort > 0 {
		d.IP, d.Port = nodeIPs[from.Node], int(sp.NodePort)
		d.Desc = fmt.Sprintf("service %s/%s:%d (NodePort %d on node %s)", ns, name, sp.Port, sp.NodePort, from.Node)
		return nil
	}
	if svc.Spec.ClusterIP == "" || svc.Spec.ClusterIP == "None" {
		return fmt.Errorf("service %s/%s has no cluster IP (headless): trace one of its pods", ns, name)
	}
	d.IP, d.Port = svc.Spec.ClusterIP, int(sp.Port)
	d.Desc = fmt.Sprintf("service %s/%s:%d", ns, name, sp.Port)
	return nil
}

// fetchCluster reads every node's netinfo through the apiserver.
func fetchCluster(ctx context.Context, c *client.Client, nodeIPs map[string]string) (netinfo.Cluster, error) {
	cl := netinfo.Cluster{Nodes: map[string]*netinfo.Node{}, NodeIPs: nodeIPs}
	for name := range nodeIPs {
		b, err := c.Do(ctx, http.MethodGet, "/api/v1/nodes/"+name+"/proxy/netinfo", nil, nil)
		if err != nil {
			return cl, fmt.Errorf("network of node %s: %w", name, err)
		}
		var n netinfo.Node
		if err := json.Unmarshal(b, &n); err != nil {
			return cl, fmt.Errorf("network of node %s: %w", name, err)
		}
		cl.Nodes[name] = &n
	}
	return cl, nil
}

func sendProbe(ctx context.Context, c *client.Client, from netinfo.Origin, to netinfo.Destination, timeoutMillis int) (netinfo.ProbeResult, error) {
	req := netinfo.ProbeRequest{Namespace: from.Namespace, Pod: from.Name, Protocol: to.Protocol, IP: to.IP, Port: to.Port, TimeoutMillis: timeoutMillis}
	body, _ := json.Marshal(req)
	b, err := c.Do(ctx, http.MethodPost, "/api/v1/nodes/"+from.Node+"/proxy/netinfo/probe", body, map[string]string{"Content-Type": "application/json"})
	if err != nil {
		return netinfo.ProbeResult{}, fmt.Errorf("probe from %s: %w", from, err)
	}
	var res netinfo.ProbeResult
	if err := json.Unmarshal(b, &res); err != nil {
		return res, fmt.Errorf("probe from %s: %w", from, err)
	}
	return res, nil
}

// printTrace prints the hops, one block each.
func printTrace(w io.Writer, t *netinfo.Trace) {
	fmt.Fprintf(w, "trace %s (%s on %s) → %s (%s %s:%d)\n", t.From, t.From.IP, t.From.Node, t.To.Desc, t.To.Protocol, t.To.IP, t.To.Port)
	if t.Probe != nil {
		fmt.Fprintf(w, "probe: %s from %s (%s) in %dms", t.Probe.Outcome, t.Probe.From, t.Probe.LocalAddr, t.Probe.DurationMs)
		if t.Probe.Error != "" {
			fmt.Fprintf(w, ": %s", t.Probe.Error)
		}
		fmt.Fprintln(w)
	}
	for i, h := range t.Hops {
		mark := ""
		if h.Confirmed != nil {
			if *h.Confirmed {
				mark = fmt.Sprintf("  [%s +%d ✓]", h.Counter, *h.Delta)
			} else {
				mark = fmt.Sprintf("  [%s +%d ✗ not confirmed]", h.Counter, *h.Delta)
			}
		}
		fmt.Fprintf(w, "%2d  %-12s %-9s %s%s\n", i+1, h.Node, h.Kind, h.Detail, mark)
		if h.Walk == nil {
			continue
		}
		for _, n := range h.Walk.Notes {
			fmt.Fprintf(w, "      note: %s\n", n)
		}
		for _, s := range h.Walk.Steps {
			if s.Index == 0 {
				fmt.Fprintf(w, "      %s %s: %s\n", s.Table, s.Chain, s.Rule)
				continue
			}
			share := ""
			if s.Share > 0 && strings.HasPrefix(s.Target, "KUBE-SEP-") {
				share = fmt.Sprintf("  (%.0f%% of new connections)", 100*s.Share)
			}
			fmt.Fprintf(w, "      [%d pkts] %s (rule %d)%s\n", s.Packets, s.Rule, s.Index, share)
			if len(s.Endpoints) > 0 {
				eps := append([]netinfo.Endpoint(nil), s.Endpoints...)
				sort.SliceStable(eps, func(i, j int) bool { return eps[i].Index < eps[j].Index })
				var parts []string
				for _, e := range eps {
					if e.Affinity {
						parts = append(parts, fmt.Sprintf("%s (affinity: if seen)", e.Address))
						continue
					}
					parts = append(parts, fmt.Sprintf("%s (%.0f%%)", e.Address, 100*e.Share))
				}
				fmt.Fprintf(w, "        endpoints of %s: %s\n", s.Chain, strings.Join(parts, ", "))
			}
		}
	}
	fmt.Fprintf(w, "result: %s\n", t.Result)
}
