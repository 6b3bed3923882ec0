package kubeproxy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"minik8s/kubeproxy/iptables"
	"minik8s/kubeproxy/proxy"
	"minik8s/pkg/api"
)

func ptr[T any](v T) *T { return &v }

func testService(name, ip, proto string, port int32) *api.Service {
	s := &api.Service{}
	s.Namespace, s.Name = "default", name
	s.Spec.Type = api.ServiceTypeClusterIP
	s.Spec.ClusterIP = ip
	s.Spec.Ports = []api.ServicePort{{Name: "p", Protocol: proto, Port: port}}
	return s
}

func testSlice(svc, proto string, port int32, ips ...string) *api.EndpointSlice {
	s := &api.EndpointSlice{AddressType: api.AddressTypeIPv4,
		Ports: []api.EndpointSlicePort{{Name: ptr("p"), Protocol: ptr(proto), Port: ptr(port)}}}
	s.Namespace, s.Name = "default", svc+"-1"
	s.Labels = map[string]string{api.LabelServiceName: svc}
	for _, ip := range ips {
		s.Endpoints = append(s.Endpoints, api.Endpoint{Addresses: []string{ip}})
	}
	return s
}

func newTestProxier(fw Firewall, ct *fakeConntrack) *Proxier {
	p := &Proxier{cfg: Config{
		NodeName:      "node1",
		Rules:         iptables.Config{MasqueradeMark: "0x4000", ClusterCIDR: "10.244.0.0/16", RandomFully: true},
		MinSyncPeriod: time.Second,
		SyncPeriod:    time.Hour,
		Firewall:      fw,
		Logf:          func(string, ...any) {},
	}, now: time.Now, needFull: true}
	if ct != nil {
		p.cfg.Conntrack = ct
	}
	return p
}

// TestSyncSequence walks a proxier through its kinds of sync: the first is
// full (jump rules, stale chains of an earlier run deleted), an endpoint
// change is partial (only that Service's chains), no change writes
// nothing, a failed restore makes the next sync full.
func TestSyncSequence(t *testing.T) {
	ctx := context.Background()
	leftover := iptables.ServiceChain("default/gone:p", "tcp")
	fw := newTestFW("KUBE-SERVICES", leftover, "KUBE-HOSTPORTS")
	ct := &fakeConntrack{}
	p := newTestProxier(fw, ct)
	a := testService("a", "10.96.0.10", "TCP", 80)
	b := testService("b", "10.96.0.11", "UDP", 53)
	svcs := []*api.Service{a, b}

	// 1. Full.
	if err := p.syncFrom(ctx, svcs, []*api.EndpointSlice{testSlice("a", "TCP", 8080, "10.244.1.2"), testSlice("b", "UDP", 53, "10.244.1.3", "10.244.2.3")}, ""); err != nil {
		t.Fatal(err)
	}
	first := fw.Fake.Last()
	if !strings.Contains(first, "\n-I PREROUTING 1 ") || !strings.Contains(first, "-X "+leftover) || !strings.Contains(first, iptables.ServiceChain("default/a:p", "tcp")+" - [0:0]") {
		t.Fatalf("first sync is not a full one:\n%s", first)
	}
	if fw.natChains()[leftover] || !fw.natChains()["KUBE-HOSTPORTS"] {
		t.Errorf("chains after the full sync: %v", fw.natChains())
	}
	if ct.calls != 1 {
		t.Errorf("conntrack cleanups = %d after the first UDP endpoints, want 1", ct.calls)
	}

	// 2. One UDP endpoint goes: partial, b's chains only, its SEP deleted.
	if err := p.syncFrom(ctx, svcs, []*api.EndpointSlice{testSlice("a", "TCP", 8080, "10.244.1.2"), testSlice("b", "UDP", 53, "10.244.1.3")}, ""); err != nil {
		t.Fatal(err)
	}
	partial := fw.Fake.Last()
	gone := iptables.EndpointChain("default/b:p", "udp", "10.244.2.3:53")
	if strings.Contains(partial, "\n-I ") {
		t.Error("a partial sync wrote jump rules")
	}
	if strings.Contains(partial, iptables.ServiceChain("default/a:p", "tcp")+" - [0:0]") {
		t.Errorf("partial sync rewrote the unchanged Service a:\n%s", partial)
	}
	if !strings.Contains(partial, iptables.ServiceChain("default/b:p", "udp")+" - [0:0]") || !strings.Contains(partial, "-X "+gone) {
		t.Errorf("partial sync does not rewrite b or delete %s:\n%s", gone, partial)
	}
	if !strings.Contains(partial, `"default/a:p cluster IP"`) {
		t.Error("partial sync dropped a's KUBE-SERVICES rule")
	}
	if ct.calls != 2 {
		t.Errorf("conntrack cleanups = %d after a UDP endpoint went, want 2", ct.calls)
	}

	// 3. Nothing changed: no restore.
	n := fw.Fake.Writes()
	if err := p.syncFrom(ctx, svcs, []*api.EndpointSlice{testSlice("a", "TCP", 8080, "10.244.1.2"), testSlice("b", "UDP", 53, "10.244.1.3")}, ""); err != nil {
		t.Fatal(err)
	}
	if fw.Fake.Writes() != n || p.Stats().Skipped != 1 {
		t.Errorf("an unchanged sync restored (payloads %d -> %d, skipped %d)", n, fw.Fake.Writes(), p.Stats().Skipped)
	}

	// 4. A failed restore: the next sync is full.
	fw.failNext = errors.New("boom")
	if err := p.syncFrom(ctx, svcs, []*api.EndpointSlice{testSlice("a", "TCP", 8080, "10.244.1.2", "10.244.1.4"), testSlice("b", "UDP", 53, "10.244.1.3")}, ""); err == nil {
		t.Fatal("a failed restore is not an error")
	}
	if err := p.syncFrom(ctx, svcs, []*api.EndpointSlice{testSlice("a", "TCP", 8080, "10.244.1.2", "10.244.1.4"), testSlice("b", "UDP", 53, "10.244.1.3")}, ""); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(fw.Fake.Last(), iptables.ServiceChain("default/b:p", "udp")+" - [0:0]") {
		t.Errorf("the sync after a failure is not full:\n%s", fw.Fake.Last())
	}
	if strings.Contains(fw.Fake.Last(), "\n-I ") || fw.jumps != 0 {
		t.Errorf("a full sync re-inserted jumps iptables-save shows (EnsureJumps calls %d):\n%s", fw.jumps, fw.Fake.Last())
	}
	if s := p.Stats(); s.FullSyncs != 2 || s.PartialSyncs != 1 || s.Failures != 1 {
		t.Errorf("stats = %+v", s)
	}

	// 5. A Service deleted: its chains go in a partial sync; TCP only,
	// so no conntrack cleanup.
	if err := p.syncFrom(ctx, []*api.Service{b}, []*api.EndpointSlice{testSlice("b", "UDP", 53, "10.244.1.3")}, ""); err != nil {
		t.Fatal(err)
	}
	for c := range fw.natChains() {
		if strings.Contains(c, "KUBE-SVC-") && c != iptables.ServiceChain("default/b:p", "udp") {
			t.Errorf("chain %s left after its Service was deleted", c)
		}
	}
	if ct.calls != 2 {
		t.Errorf("conntrack cleanups = %d, want still 2", ct.calls)
	}
}

// TestNeedFullSync is Kubernetes' doFullSync decision.
func TestNeedFullSync(t *testing.T) {
	t0 := time.Unix(1000, 0)
	for _, tc := range []struct {
		name  string
		asked bool
		since time.Duration
		want  bool
	}{
		{"asked (start, failure)", true, time.Second, true},
		{"periodic sync", false, 30 * time.Second, false},
		{"just under an hour", false, time.Hour - time.Second, false},
		{"an hour", false, time.Hour, true},
	} {
		if got := needFullSync(tc.asked, t0.Add(tc.since), t0, DefaultFullSyncPeriod); got != tc.want {
			t.Errorf("%s: needFullSync = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestSyncKinds walks a proxier through time with a fake clock: the first
// sync is full, the periodic ones (every --sync-period) partial, the one
// an hour after the last full sync full, the one after a failed restore
// full; a full sync inserts the jump rules only when iptables-save does
// not show them, and deletes stale chains made behind its back.
func TestSyncKinds(t *testing.T) {
	ctx := context.Background()
	fw := newTestFW()
	p := newTestProxier(fw, nil)
	p.cfg.SyncPeriod = 30 * time.Second
	now := time.Unix(1000, 0)
	p.now = func() time.Time { return now }
	svcs := []*api.Service{testService("a", "10.96.0.10", "TCP", 80)}
	ep := 0
	jump := iptables.Jumps()[10].SaveLine() // nat PREROUTING -> KUBE-SERVICES
	stray := iptables.ServiceChain("default/stray:p", "tcp")
	for _, step := range []struct {
		name      string
		after     time.Duration
		change    bool  // an endpoint changes
		fail      error // the restore fails
		stray     bool  // a stale chain appears behind kube-proxy's back
		wantFull  int
		wantPart  int
		wantSkip  int // so far
		wantJumps int // times the PREROUTING jump was inserted so far
	}{
		{name: "start", wantFull: 1, wantJumps: 1},
		{name: "periodic, nothing changed", after: 30 * time.Second, wantFull: 1, wantSkip: 1, wantJumps: 1},
		{name: "periodic, a change", after: 30 * time.Second, change: true, stray: true, wantFull: 1, wantPart: 1, wantSkip: 1, wantJumps: 1},
		{name: "59 minutes on", after: 58 * time.Minute, change: true, wantFull: 1, wantPart: 2, wantSkip: 1, wantJumps: 1},
		{name: "an hour after the full sync", after: time.Minute, wantFull: 2, wantPart: 2, wantSkip: 1, wantJumps: 1},
		{name: "failed restore", after: 30 * time.Second, change: true, fail: errors.New("boom"), wantFull: 2, wantPart: 2, wantSkip: 1, wantJumps: 1},
		{name: "after the failure", after: time.Second, wantFull: 3, wantPart: 2, wantSkip: 1, wantJumps: 1},
	} {
		now = now.Add(step.after)
		if step.change {
			ep++
		}
		if step.stray {
			_ = fw.Fake.Restore(ctx, []byte("*nat\n:"+stray+" - [0:0]\nCOMMIT\n"))
		}
		fw.failNext = step.fail
		err := p.syncFrom(ctx, svcs, []*api.EndpointSlice{testSlice("a", "TCP", 8080, fmt.Sprintf("10.244.1.%d", ep+1))}, "")
		if (err != nil) != (step.fail != nil) {
			t.Fatalf("%s: sync error %v", step.name, err)
		}
		st := p.Stats()
		if st.FullSyncs != step.wantFull || st.PartialSyncs != step.wantPart || st.Skipped != step.wantSkip {
			t.Errorf("%s: full %d partial %d skipped %d, want %d %d %d", step.name, st.FullSyncs, st.PartialSyncs, st.Skipped, step.wantFull, step.wantPart, step.wantSkip)
		}
		if n := fw.insertedCount("nat", jump); n != step.wantJumps {
			t.Errorf("%s: PREROUTING jump inserted %d times, want %d", step.name, n, step.wantJumps)
		}
	}
	if fw.natChains()[stray] {
		t.Errorf("the hourly full sync left the stale chain %s", stray)
	}
}

// TestRestartRemovesStaleChains: a new proxier (kube-proxy restarted) over
// the rules of the last run deletes the chains of Services that went
// meanwhile, and does not insert the jump rules a second time.
func TestRestartRemovesStaleChains(t *testing.T) {
	ctx := context.Background()
	fw := newTestFW()
	a, b := testService("a", "10.96.0.10", "TCP", 80), testService("b", "10.96.0.11", "TCP", 80)
	if err := newTestProxier(fw, nil).syncFrom(ctx, []*api.Service{a, b}, []*api.EndpointSlice{testSlice("b", "TCP", 8080, "10.244.1.9")}, ""); err != nil {
		t.Fatal(err)
	}
	gone := []string{iptables.ServiceChain("default/b:p", "tcp"), iptables.EndpointChain("default/b:p", "tcp", "10.244.1.9:8080")}
	for _, c := range gone {
		if !fw.natChains()[c] {
			t.Fatalf("setup: %s not written", c)
		}
	}
	if err := newTestProxier(fw, nil).syncFrom(ctx, []*api.Service{a}, nil, ""); err != nil {
		t.Fatal(err)
	}
	for _, c := range gone {
		if fw.natChains()[c] {
			t.Errorf("after the restart %s is still there", c)
		}
	}
	for _, j := range iptables.Jumps() {
		if n := fw.insertedCount(j.Table, j.SaveLine()); n != 1 {
			t.Errorf("jump %s inserted %d times, want 1", j.SaveLine(), n)
		}
	}
}

// TestSaveFailureStillSyncs: iptables-save failing does not stop a full
// sync (only the stale chains of an earlier run stay).
func TestSaveFailureStillSyncs(t *testing.T) {
	fw := newTestFW()
	fw.saveError = errors.New("no iptables-save")
	p := newTestProxier(fw, nil)
	if err := p.syncFrom(context.Background(), []*api.Service{testService("a", "10.96.0.10", "TCP", 80)}, nil, ""); err != nil {
		t.Fatal(err)
	}
	if fw.Fake.Writes() != 1 {
		t.Fatal("no payload written")
	}
}

func buildForTest(svcs []*api.Service, slices []*api.EndpointSlice, node string) ([]proxy.ServicePort, map[string][]proxy.Endpoint) {
	return proxy.Build(svcs, slices, node)
}
