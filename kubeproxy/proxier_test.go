package kubeproxy

import (
	"context"
	"errors"
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
	if fw.jumps != 1 || !strings.Contains(first, "-X "+leftover) || !strings.Contains(first, iptables.ServiceChain("default/a:p", "tcp")+" - [0:0]") {
		t.Fatalf("first sync is not a full one (jumps %d):\n%s", fw.jumps, first)
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
	if fw.jumps != 1 {
		t.Error("a partial sync re-checked the jump rules")
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
	if fw.jumps != 2 || !strings.Contains(fw.Fake.Last(), iptables.ServiceChain("default/b:p", "udp")+" - [0:0]") {
		t.Errorf("the sync after a failure is not full (jumps %d)", fw.jumps)
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

// TestFullSyncPeriod: a sync after SyncPeriod is full again.
func TestFullSyncPeriod(t *testing.T) {
	ctx := context.Background()
	fw := newTestFW()
	p := newTestProxier(fw, nil)
	now := time.Unix(1000, 0)
	p.now = func() time.Time { return now }
	svcs := []*api.Service{testService("a", "10.96.0.10", "TCP", 80)}
	for i, step := range []time.Duration{0, time.Minute, time.Hour} {
		now = now.Add(step)
		if err := p.syncFrom(ctx, svcs, nil, ""); err != nil {
			t.Fatal(err)
		}
		wantJumps := map[int]int{0: 1, 1: 1, 2: 2}[i]
		if fw.jumps != wantJumps {
			t.Errorf("after step %d: %d full syncs, want %d", i, fw.jumps, wantJumps)
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
