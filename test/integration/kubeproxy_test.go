package integration

// kube-proxy (kubeproxy) against a real apiserver, with its iptables seam
// faked: Services and EndpointSlices become rules within a sync, an
// endpoint change is a partial sync, a burst of changes is batched, and
// the apiserver going away leaves the rules as they were. The real
// iptables side is kubeproxy's root test (a throwaway netns) and the e2e
// tests on the lab.

import (
	"context"
	"strings"
	"testing"
	"time"

	"minik8s/apiserver/testserver"
	"minik8s/kubeproxy"
	"minik8s/kubeproxy/iptables"
	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
	"minik8s/pkg/client/cache"
	pkgiptables "minik8s/pkg/iptables"
)

func TestKubeProxy(t *testing.T) {
	ts := testserver.Start(t)
	c, err := mkclient.New(&mkclient.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	svc := &api.Service{ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default"}, Spec: api.ServiceSpec{
		Type: api.ServiceTypeClusterIP, ClusterIP: "10.96.0.77",
		Ports: []api.ServicePort{{Name: "http", Protocol: "TCP", Port: 80}},
	}}
	if _, err := mkclient.Typed[*api.Service](c, "default").Create(ctx, svc); err != nil {
		t.Fatalf("create service: %v", err)
	}
	slices := mkclient.Typed[*api.EndpointSlice](c, "default")
	ptr := func(s string) *string { return &s }
	port := int32(8080)
	slice := func(ips ...string) *api.EndpointSlice {
		s := &api.EndpointSlice{
			ObjectMeta:  api.ObjectMeta{Name: "web-abc", Namespace: "default", Labels: map[string]string{api.LabelServiceName: "web"}},
			AddressType: api.AddressTypeIPv4,
			Ports:       []api.EndpointSlicePort{{Name: ptr("http"), Protocol: ptr("TCP"), Port: &port}},
		}
		for _, ip := range ips {
			s.Endpoints = append(s.Endpoints, api.Endpoint{Addresses: []string{ip}, NodeName: ptr("node1")})
		}
		return s
	}
	if _, err := slices.Create(ctx, slice("10.244.1.2", "10.244.2.2")); err != nil {
		if strings.Contains(err.Error(), "validation of this type is not supported") {
			t.Skipf("the apiserver does not validate (so refuses) EndpointSlices yet: %v", err)
		}
		t.Fatalf("create endpointslice: %v", err)
	}
	setEndpoints := func(ips ...string) {
		t.Helper()
		cur, err := slices.Get(ctx, "web-abc")
		if err != nil {
			t.Fatal(err)
		}
		next := slice(ips...)
		next.ResourceVersion = cur.ResourceVersion
		if _, err := slices.Update(ctx, next); err != nil {
			t.Fatalf("update endpointslice: %v", err)
		}
	}

	fw := &pkgiptables.Fake{}
	natChains := func() map[string]bool {
		cs, _ := fw.Chains(ctx, "nat")
		out := map[string]bool{}
		for _, c := range cs {
			out[c] = true
		}
		return out
	}
	factory := cache.NewSharedInformerFactory(c, 0, kubeproxy.NodeFilter("node1"))
	p := kubeproxy.New(factory, kubeproxy.Config{
		NodeName:       "node1",
		Rules:          iptables.Config{MasqueradeMark: "0x4000", ClusterCIDR: "10.244.0.0/16", RandomFully: true},
		MinSyncPeriod:  300 * time.Millisecond,
		SyncPeriod:     2 * time.Second,
		FullSyncPeriod: 2 * time.Second,
		Firewall:       kubeproxy.NewFirewall(fw),
		Logf:           t.Logf,
	})
	factory.Start(ctx)
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("proxier: %v", err)
		}
		factory.Shutdown()
	}()

	wait := func(what string, ok func(payload string) bool) {
		t.Helper()
		for deadline := time.Now().Add(15 * time.Second); !ok(fw.Last()); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s; last payload:\n%s", what, fw.Last())
			}
		}
	}
	sepOf := func(ip string) string { return iptables.EndpointChain("default/web:http", "tcp", ip+":8080") }
	svcChain := iptables.ServiceChain("default/web:http", "tcp")

	wait("the Service's rules", func(s string) bool {
		return strings.Contains(s, "-d 10.96.0.77 --dport 80 -j "+svcChain) &&
			strings.Contains(s, "--to-destination 10.244.1.2:8080") && strings.Contains(s, "--to-destination 10.244.2.2:8080")
	})
	if p.Stats().FullSyncs == 0 {
		t.Error("the first sync was not a full one (jump rules ensured)")
	}

	// An endpoint goes: a partial sync deletes its chain.
	setEndpoints("10.244.1.2")
	wait("the endpoint's chain deleted", func(s string) bool { return strings.Contains(s, "-X "+sepOf("10.244.2.2")) })
	if natChains()[sepOf("10.244.2.2")] {
		t.Error("the removed endpoint's chain is still there")
	}

	// A burst of changes is batched by the minimum sync period.
	before := fw.Writes()
	start := time.Now()
	for i := 3; i < 23; i++ {
		setEndpoints("10.244.1.2", "10.244.3."+itoa(i))
	}
	wait("the burst's last state", func(s string) bool { return strings.Contains(s, "--to-destination 10.244.3.22:8080") })
	elapsed := time.Since(start)
	if n, max := fw.Writes()-before, int(elapsed/(300*time.Millisecond))+2; n > max {
		t.Errorf("%d restores for 20 changes in %v; the minimum sync period allows at most %d", n, elapsed, max)
	}

	// No Service, no endpoints: REJECT, and the chains go.
	setEndpoints()
	wait("the REJECT rule", func(s string) bool {
		return strings.Contains(s, `-A KUBE-SERVICES -m comment --comment "default/web:http has no endpoints" -m tcp -p tcp -d 10.96.0.77 --dport 80 -j REJECT`)
	})
	setEndpoints("10.244.1.2")
	wait("the endpoint back", func(s string) bool { return strings.Contains(s, "--to-destination 10.244.1.2:8080") })

	// Topology hints: once the node is labelled with its zone and every
	// endpoint has a zone hint, only the hinted endpoint is used.
	if _, err := c.Nodes().Create(ctx, &api.Node{ObjectMeta: api.ObjectMeta{Name: "node1", Labels: map[string]string{"topology.kubernetes.io/zone": "z1"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Nodes().Create(ctx, &api.Node{ObjectMeta: api.ObjectMeta{Name: "node2", Labels: map[string]string{"topology.kubernetes.io/zone": "z2"}}}); err != nil {
		t.Fatal(err)
	}
	cur, err := slices.Get(ctx, "web-abc")
	if err != nil {
		t.Fatal(err)
	}
	hinted := slice("10.244.1.2", "10.244.2.2")
	hinted.ResourceVersion = cur.ResourceVersion
	hinted.Endpoints[0].Hints = &api.EndpointHints{ForZones: []api.ForZone{{Name: "z1"}}}
	hinted.Endpoints[1].Hints = &api.EndpointHints{ForZones: []api.ForZone{{Name: "z2"}}}
	if _, err := slices.Update(ctx, hinted); err != nil {
		t.Fatal(err)
	}
	wait("the zone's endpoint only", func(s string) bool {
		return strings.Contains(s, `"default/web:http -> 10.244.1.2:8080" -j `) && !strings.Contains(s, "10.244.2.2:8080")
	})

	// The apiserver goes away: the rules stay (full syncs from the cache
	// keep writing them), nothing is flushed.
	ts.Stop()
	time.Sleep(5 * time.Second) // two full sync periods
	if !natChains()[svcChain] || !natChains()[sepOf("10.244.1.2")] {
		t.Errorf("rules lost while the apiserver was down: %v", natChains())
	}
	if s := fw.Last(); !strings.Contains(s, "--to-destination 10.244.1.2:8080") {
		t.Errorf("the last payload while the apiserver was down lost the endpoint:\n%s", s)
	}
	st := p.Stats()
	if st.FullSyncs < 2 || st.PartialSyncs < 2 {
		t.Errorf("stats = full %d, partial %d; want both >= 2", st.FullSyncs, st.PartialSyncs)
	}
}
