package integration

// The network agent (kubelet/network) against a real apiserver, with its
// netlink, iptables and sysctl seams faked: no root needed. The real
// kernel side is covered by test/e2e/network_test.go.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"minik8s/apiserver/testserver"
	"minik8s/kubelet/network"
	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
)

func TestNetworkAgent(t *testing.T) {
	ts := testserver.Start(t)
	c, err := mkclient.New(&mkclient.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	mkNode := func(name, cidr, ip, mac string) {
		t.Helper()
		n := &api.Node{ObjectMeta: api.ObjectMeta{Name: name, Annotations: map[string]string{}}, Spec: api.NodeSpec{PodCIDR: cidr}}
		if ip != "" {
			n.Status.Addresses = []api.NodeAddress{{Type: api.NodeInternalIP, Address: ip}}
		}
		if mac != "" {
			n.Annotations[network.AnnotationBackendType] = network.BackendVXLAN
			n.Annotations[network.AnnotationBackendData] = fmt.Sprintf(`{"VNI":1,"VtepMAC":%q}`, mac)
		}
		if _, err := c.Nodes().Create(ctx, n); err != nil {
			t.Fatalf("create node %s: %v", name, err)
		}
	}
	mkNode("self", "", "", "")

	dp := network.NewFakeDataplane("192.168.77.11")
	fw := &network.FakeFirewall{}
	sc := &network.FakeSysctl{}
	opts := network.DefaultOptions()
	opts.NodeName = "self"
	opts.Client = c
	opts.ResyncInterval = 300 * time.Millisecond
	opts.Logf = t.Logf
	agent, err := network.NewWith(opts, dp, fw, sc)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- agent.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("agent: %v", err)
		}
	}()

	// Without a podCIDR the agent waits and touches nothing.
	time.Sleep(500 * time.Millisecond)
	if _, _, ok := dp.Bridge("cni0"); ok || fw.Writes() != 0 {
		t.Fatalf("agent acted before the node had a podCIDR (bridge %v, %d rule writes)", ok, fw.Writes())
	}

	if _, err := c.Nodes().Patch(ctx, "self", mkclient.MergePatchType, []byte(`{"spec":{"podCIDR":"10.244.3.0/24","podCIDRs":["10.244.3.0/24"]}}`)); err != nil {
		t.Fatal(err)
	}
	wait := func(what string, check func() string) {
		t.Helper()
		var last string
		for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if last = check(); last == "" {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %s", what, last)
			}
		}
	}
	wait("bridge, sysctls and annotations", func() string {
		gw, mtu, ok := dp.Bridge("cni0")
		if !ok || gw != netip.MustParsePrefix("10.244.3.1/24") || mtu != 1450 {
			return fmt.Sprintf("cni0 %v %s mtu %d", ok, gw, mtu)
		}
		if sc.Get("net.ipv4.ip_forward") != "1" || sc.Get("net.bridge.bridge-nf-call-iptables") != "1" {
			return "sysctls not set"
		}
		n, err := c.Nodes().Get(ctx, "self")
		if err != nil {
			return err.Error()
		}
		var bd network.BackendData
		_ = json.Unmarshal([]byte(n.Annotations[network.AnnotationBackendData]), &bd)
		if bd.VNI != 1 || bd.VtepMAC != dp.MAC || n.Annotations[network.AnnotationPublicIP] != "192.168.77.11" || n.Annotations[network.AnnotationBackendType] != "vxlan" {
			return fmt.Sprintf("annotations %v", n.Annotations)
		}
		if !strings.Contains(fw.Last(), "-A MINIK8S-POSTRTG -s 10.244.3.0/24 -d 10.244.0.0/16") || len(fw.Jumps) != len(network.Jumps()) {
			return fmt.Sprintf("rules %q jumps %v", fw.Last(), fw.Jumps)
		}
		if st := agent.Status(); st.PodCIDR.String() != "10.244.3.0/24" || st.MTU != 1450 || st.VtepMAC != dp.MAC {
			return fmt.Sprintf("status %+v", st)
		}
		return ""
	})

	// Peers: one ready, one without a VTEP yet.
	mkNode("peer1", "10.244.1.0/24", "192.168.77.12", "aa:00:00:00:00:01")
	mkNode("peer2", "10.244.2.0/24", "192.168.77.13", "")
	want := network.Desired(network.BackendVXLAN, "eth0", []network.Peer{{
		Name: "peer1", PodCIDR: netip.MustParsePrefix("10.244.1.0/24"), NodeIP: netip.MustParseAddr("192.168.77.12"), VtepMAC: "aa:00:00:00:00:01"}})
	inStep := func(want network.State) func() string {
		return func() string {
			if got := dp.Snapshot(); !network.Plan(want, got).Empty() {
				return fmt.Sprintf("state %+v, want %+v", got, want)
			}
			return ""
		}
	}
	wait("routes to peer1", inStep(want))

	// peer2 publishes its VTEP: it joins.
	if _, err := c.Nodes().Patch(ctx, "peer2", mkclient.MergePatchType, []byte(`{"metadata":{"annotations":{"flannel.alpha.coreos.com/backend-type":"vxlan","flannel.alpha.coreos.com/backend-data":"{\"VNI\":1,\"VtepMAC\":\"aa:00:00:00:00:02\"}"}}}`)); err != nil {
		t.Fatal(err)
	}
	both := network.Desired(network.BackendVXLAN, "eth0", []network.Peer{
		{Name: "peer1", PodCIDR: netip.MustParsePrefix("10.244.1.0/24"), NodeIP: netip.MustParseAddr("192.168.77.12"), VtepMAC: "aa:00:00:00:00:01"},
		{Name: "peer2", PodCIDR: netip.MustParsePrefix("10.244.2.0/24"), NodeIP: netip.MustParseAddr("192.168.77.13"), VtepMAC: "aa:00:00:00:00:02"}})
	wait("routes to both peers", inStep(both))

	// Deleted by hand: back on the next resync.
	dp.Edit(func(s *network.State) { s.Routes = s.Routes[:1]; s.FDBs = nil })
	wait("resync restores", inStep(both))

	// peer1 leaves.
	if err := c.Nodes().Delete(ctx, "peer1", nil); err != nil {
		t.Fatal(err)
	}
	wait("peer1's entries removed", inStep(network.Desired(network.BackendVXLAN, "eth0", []network.Peer{
		{Name: "peer2", PodCIDR: netip.MustParsePrefix("10.244.2.0/24"), NodeIP: netip.MustParseAddr("192.168.77.13"), VtepMAC: "aa:00:00:00:00:02"}})))

	// hostPorts: two pods claim 8080; the older one wins.
	mkPod := func(name, ip string) {
		t.Helper()
		p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"}, Spec: api.PodSpec{NodeName: "self",
			Containers: []api.Container{{Name: "c", Image: "busybox", Ports: []api.ContainerPort{{ContainerPort: 80, HostPort: 8080}}}}}}
		got, err := c.Pods("default").Create(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		got.Status.Phase, got.Status.PodIP = api.PodRunning, ip
		if _, err := c.Pods("default").UpdateStatus(ctx, got); err != nil {
			t.Fatal(err)
		}
	}
	mkPod("first", "10.244.3.5")
	time.Sleep(1100 * time.Millisecond)
	mkPod("second", "10.244.3.6")
	wait("hostPort DNAT for the first pod only", func() string {
		last := fw.Last()
		if !strings.Contains(last, "-j DNAT --to-destination 10.244.3.5:80") || strings.Contains(last, "10.244.3.6") {
			return last
		}
		return ""
	})
	if err := c.Pods("default").Delete(ctx, "first", &api.DeleteOptions{GracePeriodSeconds: new(int64)}); err != nil {
		t.Fatal(err)
	}
	wait("the second pod gets the port once the first is gone", func() string {
		last := fw.Last()
		if !strings.Contains(last, "-j DNAT --to-destination 10.244.3.6:80") || strings.Contains(last, "10.244.3.5") {
			return last
		}
		return ""
	})
}
