package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"minik8s/kubelet/network"
	"minik8s/kubeproxy"
	kpipt "minik8s/kubeproxy/iptables"
	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/client/cache"
	pkgiptables "minik8s/pkg/iptables"
)

// BenchmarkServices prints kube-proxy's figures (`make bench`, root only),
// each beside its floor measured in the same run:
//   - full sync of 1 000 and 5 000 Services × 5 endpoints (the real
//     Proxier, informers fed in memory, iptables-legacy in a throwaway
//     namespace) against a raw iptables-restore of the same payload;
//   - one endpoint change at 5 000 Services: from the watch event to the
//     partial sync's restore having returned (the rule is in place);
//   - HTTP requests per second (a new connection each) from node1 to a pod
//     on node2 through its cluster IP against straight to the pod IP, on a
//     two-node lab (mk8p) with kube-proxy on both nodes.
//
// The sync figures run in a child process (this test binary re-executed
// with `ip netns exec`), so that every iptables command runs in the
// throwaway namespace and never in the machine's own.
func BenchmarkServices(b *testing.B) {
	if os.Geteuid() != 0 || testing.Short() {
		b.Skip("needs root (network namespaces)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	for _, n := range []int{1000, 5000} {
		r := runInNetns(ctx, b, "mk8p-sync", "sync", map[string]string{"MK8S_SVC_COUNT": strconv.Itoa(n)})
		sync, raw := r["full_sync_s"], r["raw_restore_s"]
		b.ReportMetric(sync, fmt.Sprintf("s-fullsync-%d", n))
		b.ReportMetric(raw, fmt.Sprintf("s-rawrestore-%d", n))
		fmt.Printf("services: full sync of %d Services x 5 endpoints: %.3f s; raw iptables-legacy-restore of the same payload (%d lines): %.3f s; ratio %.2f (target <= 1.2)\n",
			n, sync, int(r["payload_lines"]), raw, sync/raw)
		if n == 5000 {
			fmt.Printf("services: one endpoint change at %d Services live after %.3f s (partial payload %d lines; target < 0.5 s)\n",
				n, r["change_s"], int(r["change_lines"]))
			b.ReportMetric(r["change_s"], "s-change-5000")
		}
	}

	cl := startCluster(ctx, b, clusterConfig{Prefix: "mk8p", Net3: "192.168.94", Nodes: 2})
	cl.startKubelets(ctx, b, network.BackendVXLAN)
	n1, n2 := cl.node(1), cl.node(2)
	cl.createPod(ctx, b, labeled("bench-web", n2.Name, 0, map[string]string{"app": "bench-web"}))
	web := cl.waitRunning(ctx, b, "bench-web")
	svc := &api.Service{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Service"}, ObjectMeta: api.ObjectMeta{Name: "bench-web", Namespace: "default"},
		Spec: api.ServiceSpec{Selector: map[string]string{"app": "bench-web"}, Ports: []api.ServicePort{{Port: 80, TargetPort: api.IntOrString{IntVal: 8080}}}}}
	svc, err := cl.c.Services("default").Create(ctx, svc)
	if err != nil {
		b.Fatal(err)
	}
	direct, viaSvc := "http://"+web.Status.PodIP+":8080/", "http://"+svc.Spec.ClusterIP+"/"
	eventuallyOK(b, 30*time.Second, "cluster IP answers", func() string {
		if out, err := nodeExec(ctx, n1.Name, "timeout", "5", "busybox", "wget", "-q", "-O", "-", viaSvc); err != nil || !strings.Contains(out, "pod: bench-web") {
			return fmt.Sprintf("%q %v", out, err)
		}
		return ""
	})
	r := runInNetns(ctx, b, n1.Name, "load", map[string]string{"MK8S_URLS": direct + " " + viaSvc})
	ratio := r["rate_1"] / r["rate_0"]
	b.ReportMetric(r["rate_0"], "req/s-direct")
	b.ReportMetric(r["rate_1"], "req/s-clusterip")
	fmt.Printf("services: HTTP requests/s from %s to a pod on %s (new connection each): via cluster IP %.0f, straight to the pod IP %.0f; ratio %.2f (target >= 0.9)\n",
		n1.Name, n2.Name, r["rate_1"], r["rate_0"], ratio)
}

// runInNetns re-runs this test binary as TestServicesBenchChild in network
// namespace ns (made and deleted here unless it is a lab node) and returns
// the figures it prints as "RESULT name value" lines.
func runInNetns(ctx context.Context, tb testing.TB, ns, mode string, env map[string]string) map[string]float64 {
	tb.Helper()
	if !strings.Contains(ns, "-node") {
		_ = exec.Command("ip", "netns", "del", ns).Run()
		if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
			tb.Fatalf("ip netns add %s: %v: %s", ns, err, out)
		}
		defer func() { _ = exec.Command("ip", "netns", "del", ns).Run() }()
	}
	self, err := os.Executable()
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, "ip", "netns", "exec", ns, self, "-test.run", "^TestServicesBenchChild$", "-test.v", "-test.timeout", "15m")
	cmd.Env = append(os.Environ(), "MK8S_SVC_CHILD="+mode)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("child %s in %s: %v\n%s", mode, ns, err, tail(string(out), 4000))
	}
	res := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		var k string
		var v float64
		if n, _ := fmt.Sscanf(strings.TrimSpace(sc.Text()), "RESULT %s %g", &k, &v); n == 2 {
			res[k] = v
		}
	}
	if len(res) == 0 {
		tb.Fatalf("child %s printed no figures:\n%s", mode, tail(string(out), 4000))
	}
	return res
}

// TestServicesBenchChild is BenchmarkServices' child process; it does
// nothing unless MK8S_SVC_CHILD says what to measure, and must run inside
// a lab or throwaway network namespace.
func TestServicesBenchChild(t *testing.T) {
	switch os.Getenv("MK8S_SVC_CHILD") {
	case "sync":
		n, _ := strconv.Atoi(os.Getenv("MK8S_SVC_COUNT"))
		childSync(t, n)
	case "load":
		childLoad(t, strings.Fields(os.Getenv("MK8S_URLS")))
	default:
		t.Skip("BenchmarkServices' child process")
	}
}

// benchObjects are n selector-less Services (cluster IPs from 10.96.0.0/12,
// port 80 -> 8080) with one EndpointSlice of 5 ready endpoints each.
func benchObjects(n int) (svcs, slices []api.Object) {
	ready := true
	name, proto, port := "http", "TCP", int32(8080)
	for i := 0; i < n; i++ {
		svcName := fmt.Sprintf("svc-%d", i)
		ip := fmt.Sprintf("10.%d.%d.%d", 96+(i+10)>>16, ((i+10)>>8)&255, (i+10)&255)
		svcs = append(svcs, &api.Service{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Service"},
			ObjectMeta: api.ObjectMeta{Name: svcName, Namespace: "bench", ResourceVersion: "1"},
			Spec: api.ServiceSpec{Type: "ClusterIP", ClusterIP: ip, ClusterIPs: []string{ip},
				Ports: []api.ServicePort{{Name: name, Protocol: proto, Port: 80, TargetPort: api.IntOrString{IntVal: 8080}}}}})
		es := &api.EndpointSlice{TypeMeta: api.TypeMeta{APIVersion: "discovery.k8s.io/v1", Kind: "EndpointSlice"},
			ObjectMeta: api.ObjectMeta{Name: svcName + "-abcde", Namespace: "bench", ResourceVersion: "1",
				Labels: map[string]string{api.LabelServiceName: svcName}},
			AddressType: api.AddressTypeIPv4,
			Ports:       []api.EndpointSlicePort{{Name: &name, Protocol: &proto, Port: &port}}}
		for j := 0; j < 5; j++ {
			k := i*5 + j
			es.Endpoints = append(es.Endpoints, api.Endpoint{
				Addresses:  []string{fmt.Sprintf("10.%d.%d.%d", 244+k>>16, (k>>8)&255, k&255+0)},
				Conditions: api.EndpointConditions{Ready: &ready}})
		}
		slices = append(slices, es)
	}
	return svcs, slices
}

// memLW lists fixed objects and delivers events sent on its channel.
type memLW struct {
	objs   []api.Object
	events chan client.Event
}

func (m *memLW) List(context.Context, client.ListOptions) ([]api.Object, string, error) {
	return m.objs, "1", nil
}

func (m *memLW) Watch(context.Context, client.ListOptions) (client.Watcher, error) {
	return &memWatch{ch: m.events}, nil
}

type memWatch struct{ ch chan client.Event }

func (w *memWatch) ResultChan() <-chan client.Event { return w.ch }
func (w *memWatch) Stop()                           {}

// flushTables empties nat and filter (a restore without --noflush).
func flushTables(t *testing.T) {
	cmd := exec.Command("iptables-legacy-restore")
	cmd.Stdin = strings.NewReader("*nat\nCOMMIT\n*filter\nCOMMIT\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("flush: %v %s", err, out)
	}
}

// newBenchProxier runs a Proxier over n Services in memory; the returned
// channel feeds EndpointSlice watch events.
func newBenchProxier(ctx context.Context, t *testing.T, n int) (*kubeproxy.Proxier, chan client.Event, []api.Object) {
	svcs, slices := benchObjects(n)
	sliceEvents := make(chan client.Event, 1)
	c, _ := client.New(&client.Config{Server: "http://127.0.0.1:1"})
	f := cache.NewSharedInformerFactory(c, 0, cache.WithListerWatcher(func(info *api.ResourceInfo) cache.ListerWatcher {
		if info.Kind == "EndpointSlice" {
			return &memLW{objs: slices, events: sliceEvents}
		}
		return &memLW{objs: svcs, events: make(chan client.Event)}
	}))
	runner, err := pkgiptables.New(ctx, pkgiptables.Legacy)
	if err != nil {
		t.Fatal(err)
	}
	p := kubeproxy.New(f, kubeproxy.Config{NodeName: "bench-node",
		Rules:         kpipt.Config{MasqueradeMark: "0x4000", ClusterCIDR: "10.244.0.0/16", RandomFully: true},
		MinSyncPeriod: time.Second, SyncPeriod: time.Hour,
		Firewall: kubeproxy.NewFirewall(runner),
		Logf:     func(string, ...any) {}})
	f.Start(ctx)
	if !f.WaitForCacheSync(ctx) {
		t.Fatal("caches did not sync")
	}
	return p, sliceEvents, slices
}

// waitStats polls the proxier until cond holds (up to 10 minutes).
func waitStats(t *testing.T, p *kubeproxy.Proxier, cond func(kubeproxy.Stats) bool) kubeproxy.Stats {
	for deadline := time.Now().Add(10 * time.Minute); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if s := p.Stats(); cond(s) {
			return s
		}
	}
	t.Fatalf("proxier: no sync; stats %+v", p.Stats())
	return kubeproxy.Stats{}
}

func childSync(t *testing.T, n int) {
	if n <= 0 {
		t.Fatal("MK8S_SVC_COUNT")
	}
	if !strings.HasPrefix(netnsName(), "mk8p-") {
		t.Fatalf("refusing to write iptables outside a mk8p- namespace (in %q)", netnsName())
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	flushTables(t)

	// 1. A first proxier's full sync gives the payload.
	p1, _, _ := newBenchProxier(ctx, t, n)
	ctx1, stop1 := context.WithCancel(ctx)
	go func() { _ = p1.Run(ctx1) }()
	payload := waitStats(t, p1, func(s kubeproxy.Stats) bool { return s.FullSyncs >= 1 }).LastPayload
	stop1()

	// 2. The floor: the same payload restored raw into empty tables.
	flushTables(t)
	cmd := exec.Command("iptables-legacy-restore", "--noflush", "--wait", "5")
	cmd.Stdin = strings.NewReader(string(payload))
	began := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("raw restore: %v %s", err, out)
	}
	raw := time.Since(began)

	// 3. A second proxier's full sync into empty tables.
	flushTables(t)
	p2, events, slices := newBenchProxier(ctx, t, n)
	began = time.Now()
	go func() { _ = p2.Run(ctx) }()
	s := waitStats(t, p2, func(s kubeproxy.Stats) bool { return s.FullSyncs >= 1 })
	full := time.Since(began)
	fmt.Printf("RESULT full_sync_s %f\nRESULT raw_restore_s %f\nRESULT payload_lines %d\n", full.Seconds(), raw.Seconds(), strings.Count(string(payload), "\n"))

	// 4. One endpoint of one Service changes (past the min sync period).
	time.Sleep(1100 * time.Millisecond)
	es := *slices[n/2].(*api.EndpointSlice)
	es.Endpoints = append([]api.Endpoint(nil), es.Endpoints...)
	newIP := "10.255.254.253"
	es.Endpoints[0].Addresses = []string{newIP}
	es.ResourceVersion = "2"
	began = time.Now()
	events <- client.Event{Type: "MODIFIED", Object: &es}
	after := waitStats(t, p2, func(x kubeproxy.Stats) bool { return x.PartialSyncs+x.FullSyncs > s.PartialSyncs+s.FullSyncs })
	change := time.Since(began)
	if save, err := exec.Command("iptables-legacy-save", "-t", "nat").Output(); err != nil || !strings.Contains(string(save), "--to-destination "+newIP+":8080") {
		t.Fatalf("the changed endpoint's DNAT is not in place: %v", err)
	}
	fmt.Printf("RESULT change_s %f\nRESULT change_lines %d\n", change.Seconds(), strings.Count(string(after.LastPayload), "\n"))
	flushTables(t)
}

// netnsName is the name of the network namespace this process runs in
// ("" if it is none of /run/netns).
func netnsName() string {
	self, err := os.Stat("/proc/self/ns/net")
	if err != nil {
		return ""
	}
	entries, _ := os.ReadDir("/run/netns")
	for _, e := range entries {
		if st, err := os.Stat("/run/netns/" + e.Name()); err == nil && os.SameFile(self, st) {
			return e.Name()
		}
	}
	return ""
}

// childLoad measures requests per second to each URL (a new connection
// per request), alternating rounds of 2 s each, 3 rounds per URL.
func childLoad(t *testing.T, urls []string) {
	if !strings.HasPrefix(netnsName(), "mk8p-") {
		t.Fatalf("refusing to send traffic outside a mk8p- namespace (in %q)", netnsName())
	}
	cl := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	counts := make([]int64, len(urls))
	elapsed := make([]time.Duration, len(urls))
	for round := 0; round < 3; round++ {
		for i, u := range urls {
			var ok atomic.Int64
			began := time.Now()
			deadline := began.Add(2 * time.Second)
			done := make(chan struct{})
			for w := 0; w < 4; w++ {
				go func() {
					defer func() { done <- struct{}{} }()
					for time.Now().Before(deadline) {
						resp, err := cl.Get(u)
						if err != nil {
							continue
						}
						_, _ = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						ok.Add(1)
					}
				}()
			}
			for w := 0; w < 4; w++ {
				<-done
			}
			counts[i] += ok.Load()
			elapsed[i] += time.Since(began)
		}
	}
	for i := range urls {
		fmt.Printf("RESULT rate_%d %f\n", i, float64(counts[i])/elapsed[i].Seconds())
	}
}
