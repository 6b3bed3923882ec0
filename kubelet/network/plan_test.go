package network

import (
	"net/netip"
	"reflect"
	"testing"

	"minik8s/pkg/api"
)

func node(name, podCIDR, publicIP, backend, mac string) *api.Node {
	n := &api.Node{ObjectMeta: api.ObjectMeta{Name: name, Annotations: map[string]string{}}, Spec: api.NodeSpec{PodCIDR: podCIDR}}
	if publicIP != "" {
		n.Annotations[AnnotationPublicIP] = publicIP
	}
	if backend != "" {
		n.Annotations[AnnotationBackendType] = backend
	}
	if mac != "" {
		n.Annotations[AnnotationBackendData] = `{"VNI":1,"VtepMAC":"` + mac + `"}`
	}
	return n
}

func TestPeersFrom(t *testing.T) {
	withInternalIP := node("n4", "10.244.4.0/24", "", BackendHostGW, "")
	withInternalIP.Status.Addresses = []api.NodeAddress{{Type: api.NodeHostName, Address: "n4"}, {Type: api.NodeInternalIP, Address: "192.168.77.14"}}
	deleting := node("n6", "10.244.6.0/24", "192.168.77.16", BackendHostGW, "")
	deleting.DeletionTimestamp = &api.Time{}
	nodes := []*api.Node{
		node("self", "10.244.0.0/24", "192.168.77.11", BackendVXLAN, "aa:aa:aa:aa:aa:aa"),
		node("n3", "10.244.3.0/24", "192.168.77.13", BackendVXLAN, "AA:BB:CC:DD:EE:03"),
		node("n2", "10.244.2.0/24", "192.168.77.12", BackendVXLAN, "not-a-mac"),
		withInternalIP,
		node("n5", "", "192.168.77.15", BackendVXLAN, "aa:bb:cc:dd:ee:05"), // no CIDR yet
		deleting,
		node("n7", "10.244.7.0/24", "", "", ""), // no IP yet
		node("n8", "bogus", "192.168.77.18", "", ""),
	}
	peers, skipped := PeersFrom("self", nodes)
	want := []Peer{
		{Name: "n2", PodCIDR: netip.MustParsePrefix("10.244.2.0/24"), NodeIP: netip.MustParseAddr("192.168.77.12")},
		{Name: "n3", PodCIDR: netip.MustParsePrefix("10.244.3.0/24"), NodeIP: netip.MustParseAddr("192.168.77.13"), VtepMAC: "aa:bb:cc:dd:ee:03"},
		{Name: "n4", PodCIDR: netip.MustParsePrefix("10.244.4.0/24"), NodeIP: netip.MustParseAddr("192.168.77.14")},
	}
	if !reflect.DeepEqual(peers, want) {
		t.Errorf("peers\n got %+v\nwant %+v", peers, want)
	}
	wantSkipped := []string{"node n7: no node IP yet", `node n8: podCIDR "bogus" is not an IPv4 CIDR`}
	if !reflect.DeepEqual(skipped, wantSkipped) {
		t.Errorf("skipped = %q, want %q", skipped, wantSkipped)
	}
}

var (
	peerA = Peer{Name: "a", PodCIDR: netip.MustParsePrefix("10.244.1.0/24"), NodeIP: netip.MustParseAddr("192.168.77.12"), VtepMAC: "aa:00:00:00:00:01"}
	peerB = Peer{Name: "b", PodCIDR: netip.MustParsePrefix("10.244.2.0/24"), NodeIP: netip.MustParseAddr("192.168.77.13"), VtepMAC: "aa:00:00:00:00:02"}
	peerC = Peer{Name: "c", PodCIDR: netip.MustParsePrefix("10.244.3.0/24"), NodeIP: netip.MustParseAddr("192.168.77.14")} // no VTEP yet
)

func rt(dst, gw, dev string, onlink bool) Route {
	return Route{Dst: netip.MustParsePrefix(dst), Gw: netip.MustParseAddr(gw), Dev: dev, Onlink: onlink}
}
func nb(ip, mac string) Neigh { return Neigh{IP: netip.MustParseAddr(ip), MAC: mac, Dev: VXLANDevice} }
func fdb(mac, dst string) FDB { return FDB{MAC: mac, Dst: netip.MustParseAddr(dst), Dev: VXLANDevice} }

func TestDesired(t *testing.T) {
	vx := Desired(BackendVXLAN, "eth0", []Peer{peerA, peerB, peerC})
	wantVX := State{
		Routes: []Route{rt("10.244.1.0/24", "10.244.1.0", "flannel.1", true), rt("10.244.2.0/24", "10.244.2.0", "flannel.1", true)},
		Neighs: []Neigh{nb("10.244.1.0", "aa:00:00:00:00:01"), nb("10.244.2.0", "aa:00:00:00:00:02")},
		FDBs:   []FDB{fdb("aa:00:00:00:00:01", "192.168.77.12"), fdb("aa:00:00:00:00:02", "192.168.77.13")},
	}
	if !reflect.DeepEqual(vx, wantVX) {
		t.Errorf("vxlan\n got %+v\nwant %+v", vx, wantVX)
	}
	gw := Desired(BackendHostGW, "eth0", []Peer{peerA, peerC})
	wantGW := State{Routes: []Route{rt("10.244.1.0/24", "192.168.77.12", "eth0", false), rt("10.244.3.0/24", "192.168.77.14", "eth0", false)}}
	if !reflect.DeepEqual(gw, wantGW) {
		t.Errorf("host-gw\n got %+v\nwant %+v", gw, wantGW)
	}
}

func TestPlan(t *testing.T) {
	vxAB := Desired(BackendVXLAN, "eth0", []Peer{peerA, peerB})
	movedB := peerB
	movedB.NodeIP = netip.MustParseAddr("192.168.77.99")
	movedB.VtepMAC = "aa:00:00:00:00:99"
	for _, tc := range []struct {
		name            string
		desired, actual State
		want            Changes
	}{
		{name: "nothing", want: Changes{}},
		{
			name:    "from scratch everything is set",
			desired: vxAB,
			want:    Changes{SetRoutes: vxAB.Routes, SetNeighs: vxAB.Neighs, SetFDBs: vxAB.FDBs},
		},
		{name: "in step: nothing to do", desired: vxAB, actual: vxAB, want: Changes{}},
		{
			name:    "a node left: its entries are deleted",
			desired: Desired(BackendVXLAN, "eth0", []Peer{peerA}),
			actual:  vxAB,
			want: Changes{
				DelRoutes: []Route{rt("10.244.2.0/24", "10.244.2.0", "flannel.1", true)},
				DelNeighs: []Neigh{nb("10.244.2.0", "aa:00:00:00:00:02")},
				DelFDBs:   []FDB{fdb("aa:00:00:00:00:02", "192.168.77.13")},
			},
		},
		{
			name:    "a route deleted by hand comes back",
			desired: vxAB,
			actual:  State{Routes: vxAB.Routes[:1], Neighs: vxAB.Neighs, FDBs: vxAB.FDBs},
			want:    Changes{SetRoutes: []Route{rt("10.244.2.0/24", "10.244.2.0", "flannel.1", true)}},
		},
		{
			name:    "a node changed IP and MAC: old FDB and neighbour go, new ones come",
			desired: Desired(BackendVXLAN, "eth0", []Peer{peerA, movedB}),
			actual:  vxAB,
			want: Changes{
				SetNeighs: []Neigh{nb("10.244.2.0", "aa:00:00:00:00:99")},
				SetFDBs:   []FDB{fdb("aa:00:00:00:00:99", "192.168.77.99")},
				DelFDBs:   []FDB{fdb("aa:00:00:00:00:02", "192.168.77.13")},
			},
		},
		{
			name:    "an FDB entry with a wrong extra dst is cleaned",
			desired: vxAB,
			actual:  State{Routes: vxAB.Routes, Neighs: vxAB.Neighs, FDBs: append(append([]FDB(nil), vxAB.FDBs...), fdb("aa:00:00:00:00:01", "192.168.77.50"))},
			want:    Changes{DelFDBs: []FDB{fdb("aa:00:00:00:00:01", "192.168.77.50")}},
		},
		{
			name:    "switching vxlan to host-gw: routes move to the uplink",
			desired: Desired(BackendHostGW, "eth0", []Peer{peerA}),
			actual:  State{Routes: vxAB.Routes},
			want: Changes{
				SetRoutes: []Route{rt("10.244.1.0/24", "192.168.77.12", "eth0", false)},
				DelRoutes: []Route{rt("10.244.1.0/24", "10.244.1.0", "flannel.1", true), rt("10.244.2.0/24", "10.244.2.0", "flannel.1", true)},
			},
		},
		{
			name:    "host-gw: a changed node IP replaces the route",
			desired: Desired(BackendHostGW, "eth0", []Peer{peerA}),
			actual:  State{Routes: []Route{rt("10.244.1.0/24", "192.168.77.77", "eth0", false)}},
			want:    Changes{SetRoutes: []Route{rt("10.244.1.0/24", "192.168.77.12", "eth0", false)}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Plan(tc.desired, tc.actual)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("plan\n got:\n%s\nwant:\n%s", got, tc.want)
			}
			if got.Empty() != tc.want.Empty() {
				t.Errorf("Empty() = %v", got.Empty())
			}
		})
	}
}
