package netinfo

import "testing"

// A vxlan node's tables (node1: pod CIDR 10.244.0.0/24 on cni0, node2's
// through flannel.1 onlink via its VTEP address, the lab subnet on eth0).
var node1Routes = []Route{
	{Dst: "0.0.0.0/0", Gateway: "192.168.77.1", Dev: "eth0", Table: TableMain, Type: "unicast"},
	{Dst: "10.244.0.0/24", Dev: "cni0", Src: "10.244.0.1", Table: TableMain, Type: "unicast", Scope: "link"},
	{Dst: "10.244.1.0/24", Gateway: "10.244.1.0", Dev: "flannel.1", Table: TableMain, Type: "unicast", Onlink: true},
	{Dst: "192.168.77.0/24", Dev: "eth0", Src: "192.168.77.10", Table: TableMain, Type: "unicast", Scope: "link"},
	{Dst: "192.168.77.0/24", Dev: "eth1", Table: TableMain, Type: "unicast", Metric: 100},
	{Dst: "10.244.9.0/24", Table: TableMain, Type: "unreachable"},
	{Dst: "10.244.0.1/32", Dev: "cni0", Table: TableLocal, Type: "local", Scope: "host"},
	{Dst: "192.168.77.10/32", Dev: "eth0", Table: TableLocal, Type: "local", Scope: "host"},
	{Dst: "127.0.0.0/8", Dev: "lo", Table: TableLocal, Type: "local", Scope: "host"},
	{Dst: "10.99.0.0/16", Dev: "eth9", Table: 100, Type: "unicast"},
}

func TestRouteGet(t *testing.T) {
	for _, tc := range []struct {
		dst, dev, gw, typ, err string
	}{
		{dst: "10.244.0.7", dev: "cni0"},
		{dst: "10.244.1.7", dev: "flannel.1", gw: "10.244.1.0"},
		{dst: "192.168.77.11", dev: "eth0"}, // same prefix: the lower metric
		{dst: "192.168.77.10", dev: "eth0", typ: "local"},
		{dst: "10.244.0.1", dev: "cni0", typ: "local"},
		{dst: "127.0.0.53", dev: "lo", typ: "local"},
		{dst: "10.99.1.1", dev: "eth0", gw: "192.168.77.1"}, // table 100 is not consulted
		{dst: "8.8.8.8", dev: "eth0", gw: "192.168.77.1"},
		{dst: "10.244.9.1", err: "route to 10.244.9.1: unreachable route 10.244.9.0/24"},
		{dst: "fe80::1", err: `route to "fe80::1": not an IPv4 address`},
	} {
		r, err := RouteGet(node1Routes, tc.dst)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%s: err %v, want %q", tc.dst, err, tc.err)
			}
			continue
		}
		if err != nil || r.Dev != tc.dev || r.Gateway != tc.gw || tc.typ != "" && r.Type != tc.typ {
			t.Errorf("%s: %+v %v, want dev %s gw %q type %q", tc.dst, r, err, tc.dev, tc.gw, tc.typ)
		}
	}
	if _, err := RouteGet(node1Routes[1:2], "8.8.8.8"); err == nil || err.Error() != "route to 8.8.8.8: network is unreachable" {
		t.Errorf("no default: %v", err)
	}
}
