package e2e

// Part "trace" of TestKubectlOnLab (issue 15): kubectl trace --probe on the
// vxlan lab, pod→pod on the same node, pod→pod across nodes, pod→Service
// and node→NodePort. Each trace must end at the right place, and every
// hop that has a counter (interface packets, matched rules' packets) must
// have counted the probe. The real kubectl (v1.32) runs the kubectl-trace
// plugin from PATH when it is installed.

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
	"minik8s/pkg/netinfo"
)

func init() { registerKubectlE2E("trace", testTraceOnLab) }

func testTraceOnLab(ctx context.Context, t *testing.T, cl *cluster) {
	const ns = "e2e-trace"
	if out, err := cl.kubectl(ctx, "create", "namespace", ns); err != nil {
		t.Fatalf("create namespace: %v %s", err, out)
	}
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		nsInfo, _ := api.ForKind("v1", "Namespace")
		_ = cl.c.Delete(cctx, nsInfo, "", ns, nil)
		for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline) && cctx.Err() == nil; {
			if pods, _, err := cl.c.Pods(ns).List(cctx, mkclient.ListOptions{}); err != nil || len(pods) == 0 {
				return
			}
			time.Sleep(time.Second)
		}
	})
	n1, n2 := cl.node(1).Name, cl.node(2).Name
	client := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "client", Namespace: ns}, Spec: api.PodSpec{NodeName: n1,
		Containers: []api.Container{{Name: "tools", Image: "docker.io/minik8s/tools:latest",
			Command: []string{"sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"}}}}}
	web1, web2 := webPod("web1", n1, 8080), webPod("web2", n2, 8080)
	web1.Namespace, web2.Namespace = ns, ns
	for _, p := range []*api.Pod{client, web1, web2} {
		cmCreatePod(ctx, t, cl, p)
	}
	if out, err := cl.kubectl(ctx, "-n", ns, "create", "service", "nodeport", "web", "--tcp=80:8080"); err != nil { // selector app=web
		t.Fatalf("create service: %v %s", err, out)
	}
	ips := map[string]string{}
	for _, name := range []string{"client", "web1", "web2"} {
		ips[name] = cmWaitPod(ctx, t, cl, ns, name, 90*time.Second, "Running", allRunning).Status.PodIP
	}

	trace := func(t *testing.T, args ...string) *netinfo.Trace { return traceProbe(ctx, t, cl, ns, args...) }
	kinds := func(tr *netinfo.Trace) string {
		var k []string
		for _, h := range tr.Hops {
			k = append(k, h.Kind)
		}
		return strings.Join(k, " ")
	}

	t.Run("same node", func(t *testing.T) {
		tr := trace(t, "pod/client", "--to", "pod/web1:8080")
		if want := "delivered to pod " + ns + "/web1 (" + ips["web1"] + ") on " + n1; tr.Result != want {
			t.Errorf("result %q, want %q", tr.Result, want)
		}
		if k := kinds(tr); k != "pod veth netfilter bridge netfilter netfilter veth pod" {
			t.Errorf("hops %s", k)
		}
	})
	t.Run("across nodes", func(t *testing.T) {
		tr := trace(t, "pod/client", "--to", "pod/web2:8080")
		if want := "delivered to pod " + ns + "/web2 (" + ips["web2"] + ") on " + n2; tr.Result != want {
			t.Errorf("result %q, want %q", tr.Result, want)
		}
		if k := kinds(tr); k != "pod veth netfilter route netfilter netfilter vxlan underlay vxlan netfilter route netfilter netfilter bridge veth pod" {
			t.Errorf("hops %s", k)
		}
	})
	t.Run("service", func(t *testing.T) {
		tr := trace(t, "pod/client", "--to", "svc/web")
		if tr.Endpoint != ips["web1"]+":8080" && tr.Endpoint != ips["web2"]+":8080" {
			t.Errorf("endpoint %q, want web1's or web2's", tr.Endpoint)
		}
		if len(tr.Endpoints()) != 2 {
			t.Errorf("endpoints %+v, want 2", tr.Endpoints())
		}
		var chains []string
		for _, s := range tr.Hops[2].Walk.Steps {
			chains = append(chains, s.Chain)
		}
		if c := strings.Join(chains, " "); !strings.Contains(c, "KUBE-SERVICES KUBE-SVC-") || !strings.Contains(c, "KUBE-SEP-") {
			t.Errorf("nat PREROUTING chains %s", c)
		}
	})
	t.Run("node to NodePort", func(t *testing.T) {
		tr := trace(t, "node/"+n1, "--to", "svc/web")
		var chains []string
		for _, s := range tr.Hops[0].Walk.Steps {
			chains = append(chains, s.Chain)
		}
		if c := strings.Join(chains, " "); !strings.Contains(c, "KUBE-NODEPORTS KUBE-EXT-") || tr.Endpoint == "" {
			t.Errorf("nat OUTPUT chains %s, endpoint %q", c, tr.Endpoint)
		}
	})
	t.Run("plugin", func(t *testing.T) {
		real, err := exec.LookPath("kubectl")
		if err != nil {
			t.Skip("no kubectl on PATH to run the kubectl-trace plugin")
		}
		dir := t.TempDir()
		if err := os.Symlink(cl.bin, filepath.Join(dir, "kubectl-trace")); err != nil {
			t.Fatal(err)
		}
		cmd := exec.CommandContext(ctx, real, "trace", "pod/client", "--to", "pod/web1:8080", "--kubeconfig", cl.kubeconfig, "-n", ns)
		cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"))
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "result: delivered to pod "+ns+"/web1") {
			t.Errorf("kubectl trace (plugin): %v\n%s", err, out)
		}
	})
}

// traceProbe runs kubectl trace --probe (JSON, then text for the log) until
// the trace is delivered (kube-proxy and the endpoints controller catch up
// within seconds), and checks the probe connected and every hop with a
// counter counted it.
func traceProbe(ctx context.Context, t *testing.T, cl *cluster, ns string, args ...string) *netinfo.Trace {
	t.Helper()
	var tr netinfo.Trace
	var out string
	var err error
	// kube-proxy and the endpoints controller catch up within seconds.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(time.Second) {
		out, err = cl.kubectl(ctx, append([]string{"-n", ns, "trace", "--probe", "-o", "json"}, args...)...)
		if err == nil && json.Unmarshal([]byte(out), &tr) == nil && strings.HasPrefix(tr.Result, "delivered") || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatalf("kubectl trace %v: %v\n%s", args, err, out)
	}
	if tr.Probe == nil || tr.Probe.Outcome != "connected" {
		t.Errorf("probe: %+v, want connected", tr.Probe)
	}
	counted := 0
	for _, h := range tr.Hops {
		if h.Counter == "" {
			continue
		}
		counted++
		if h.Confirmed == nil || !*h.Confirmed {
			t.Errorf("hop %s %s %s (%s) not confirmed by its %s counter", h.Node, h.Kind, h.Name, h.Detail, h.Counter)
		}
	}
	if counted < 4 {
		t.Errorf("only %d hops with counters: %+v", counted, tr.Hops)
	}
	// The text form, for the log (docs/trace.md shows one).
	if text, err := cl.kubectl(ctx, append([]string{"-n", ns, "trace", "--probe"}, args...)...); err != nil || !strings.Contains(text, "result: delivered") {
		t.Errorf("kubectl trace %v (text): %v\n%s", args, err, text)
	} else {
		t.Logf("kubectl trace --probe %s\n%s", strings.Join(args, " "), text)
	}
	return &tr
}

// TestTraceHostGW: pod→pod across the nodes of a host-gw lab (no
// encapsulation: the route to the peer's pod CIDR goes via its node
// address), confirmed by --probe.
func TestTraceHostGW(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cl := startCluster(ctx, t, clusterConfig{Prefix: "mk9a", Net3: "192.168.111", Nodes: 2})
	cl.startKubelets(ctx, t, "host-gw")
	a, b := webPod("a", cl.node(1).Name, 8080), webPod("b", cl.node(2).Name, 8080)
	cl.createPod(ctx, t, a)
	cl.createPod(ctx, t, b)
	ipB := cl.waitRunning(ctx, t, "b").Status.PodIP
	cl.waitRunning(ctx, t, "a")
	tr := traceProbe(ctx, t, cl, "default", "pod/a", "--to", "pod/b:8080")
	if want := "delivered to pod default/b (" + ipB + ") on " + cl.node(2).Name; tr.Result != want {
		t.Errorf("result %q, want %q", tr.Result, want)
	}
	var kinds []string
	for _, h := range tr.Hops {
		kinds = append(kinds, h.Kind)
	}
	if k := strings.Join(kinds, " "); k != "pod veth netfilter route netfilter netfilter host-gw netfilter route netfilter netfilter bridge veth pod" {
		t.Errorf("hops %s", k)
	}
	if err := cl.deleteAllPods(ctx, 0); err != nil {
		t.Error(err)
	}
}
