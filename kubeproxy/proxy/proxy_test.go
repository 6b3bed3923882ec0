package proxy

import (
	"reflect"
	"strings"
	"testing"

	"minik8s/pkg/api"
)

func ptr[T any](v T) *T { return &v }

func names(eps []Endpoint) string {
	var s []string
	for _, e := range eps {
		s = append(s, e.IP)
	}
	return strings.Join(s, ",")
}

// TestCategorizeEndpoints is a table of Kubernetes' topology_test.go
// cases: which endpoints Cluster and Local policy use, with the
// terminating fallback and zone hints.
func TestCategorizeEndpoints(t *testing.T) {
	ready := func(ip string, local bool, zones ...string) Endpoint {
		return Endpoint{IP: ip, Port: 80, Local: local, Ready: true, Serving: true, ZoneHints: zones}
	}
	term := func(ip string, local, serving bool) Endpoint {
		return Endpoint{IP: ip, Port: 80, Local: local, Serving: serving, Terminating: true}
	}
	cluster := ServicePort{}
	etpLocal := ServicePort{NodePort: 30000, ExternalPolicyLocal: true}
	itpLocal := ServicePort{InternalPolicyLocal: true}
	for _, tc := range []struct {
		name                      string
		sp                        ServicePort
		zone                      string
		eps                       []Endpoint
		cluster, local, reachable string
		hasAny                    bool
	}{
		{"cluster: ready ones", cluster, "", []Endpoint{ready("10.0.0.1", true), ready("10.0.0.2", false), term("10.0.0.3", false, true)},
			"10.0.0.1,10.0.0.2", "", "10.0.0.1,10.0.0.2", true},
		{"cluster: no ready, serving terminating used", cluster, "", []Endpoint{term("10.0.0.1", false, true), term("10.0.0.2", false, false)},
			"10.0.0.1", "", "10.0.0.1", true},
		{"cluster: nothing usable", cluster, "", []Endpoint{term("10.0.0.2", false, false)},
			"", "", "", false},
		{"zone hints for this zone", cluster, "z1", []Endpoint{ready("10.0.0.1", false, "z1"), ready("10.0.0.2", false, "z2")},
			"10.0.0.1", "", "10.0.0.1", true},
		{"zone hints, one missing: ignored", cluster, "z1", []Endpoint{ready("10.0.0.1", false, "z1"), ready("10.0.0.2", false)},
			"10.0.0.1,10.0.0.2", "", "10.0.0.1,10.0.0.2", true},
		{"zone hints for no endpoint of this zone: ignored", cluster, "z3", []Endpoint{ready("10.0.0.1", false, "z1"), ready("10.0.0.2", false, "z2")},
			"10.0.0.1,10.0.0.2", "", "10.0.0.1,10.0.0.2", true},
		{"etp Local: local ready", etpLocal, "", []Endpoint{ready("10.0.0.1", true), ready("10.0.0.2", false)},
			"10.0.0.1,10.0.0.2", "10.0.0.1", "10.0.0.1,10.0.0.2", true},
		{"etp Local: no local endpoint", etpLocal, "", []Endpoint{ready("10.0.0.2", false)},
			"10.0.0.2", "", "10.0.0.2", true},
		{"etp Local: local terminating fallback, remote ready", etpLocal, "", []Endpoint{term("10.0.0.1", true, true), ready("10.0.0.2", false)},
			"10.0.0.2", "10.0.0.1", "10.0.0.1,10.0.0.2", true},
		{"itp Local: only local, cluster unused", itpLocal, "", []Endpoint{ready("10.0.0.1", true), ready("10.0.0.2", false)},
			"", "10.0.0.1", "10.0.0.1", true},
		{"itp Local: none local, has endpoints elsewhere", itpLocal, "", []Endpoint{ready("10.0.0.2", false)},
			"", "", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := CategorizeEndpoints(tc.eps, &tc.sp, tc.zone)
			if names(c.Cluster) != tc.cluster || names(c.Local) != tc.local || names(c.Reachable) != tc.reachable || c.HasAny != tc.hasAny {
				t.Errorf("cluster %q local %q reachable %q hasAny %v; want %q %q %q %v",
					names(c.Cluster), names(c.Local), names(c.Reachable), c.HasAny, tc.cluster, tc.local, tc.reachable, tc.hasAny)
			}
		})
	}
}

func TestEndpointsFor(t *testing.T) {
	mk := func(name string, eps ...api.Endpoint) *api.EndpointSlice {
		s := &api.EndpointSlice{AddressType: api.AddressTypeIPv4, Endpoints: eps,
			Ports: []api.EndpointSlicePort{{Name: ptr("http"), Protocol: ptr("TCP"), Port: ptr(int32(8080))}, {Name: ptr("dns"), Protocol: ptr("UDP"), Port: ptr(int32(53))}}}
		s.Name = name
		return s
	}
	slices := []*api.EndpointSlice{
		mk("web-b", api.Endpoint{Addresses: []string{"10.244.1.10"}, NodeName: ptr("node1")}, // also in web-a
			api.Endpoint{Addresses: []string{"10.244.1.2"}, Conditions: api.EndpointConditions{Ready: ptr(false), Serving: ptr(true), Terminating: ptr(true)}}),
		mk("web-a", api.Endpoint{Addresses: []string{"10.244.1.10"}, NodeName: ptr("node2")},
			api.Endpoint{Addresses: []string{"10.244.1.9"}, Conditions: api.EndpointConditions{Ready: ptr(false)}},
			api.Endpoint{}), // no address: skipped
	}
	v6 := mk("web-v6", api.Endpoint{Addresses: []string{"fd00::1"}})
	v6.AddressType = api.AddressTypeIPv6
	got := EndpointsFor("default", "web", "node1", append(slices, v6))
	http := got["default/web:http/TCP"]
	if len(got) != 2 || len(http) != 3 || len(got["default/web:dns/UDP"]) != 3 {
		t.Fatalf("EndpointsFor = %+v", got)
	}
	want := []Endpoint{
		{IP: "10.244.1.2", Port: 8080, Serving: true, Terminating: true},
		{IP: "10.244.1.9", Port: 8080},
		{IP: "10.244.1.10", Port: 8080, Ready: true, Serving: true}, // web-a's copy (first by name): node2, not local
	}
	if !reflect.DeepEqual(http, want) {
		t.Errorf("http endpoints = %+v\nwant %+v", http, want)
	}
}

func TestServicePorts(t *testing.T) {
	s := &api.Service{}
	s.Namespace, s.Name = "default", "web"
	s.Spec = api.ServiceSpec{Type: api.ServiceTypeNodePort, ClusterIP: "10.96.0.5", ExternalTrafficPolicy: "Local",
		ExternalIPs: []string{"192.168.1.5", "fd00::5"}, SessionAffinity: "ClientIP",
		Ports: []api.ServicePort{{Name: "http", Port: 80, NodePort: 30080}, {Name: "dns", Protocol: "UDP", Port: 53, NodePort: 30053}}}
	ps := ServicePorts(s)
	if len(ps) != 2 {
		t.Fatalf("ports = %+v", ps)
	}
	p := ps[0]
	if p.Name.String() != "default/web:http" || p.Name.Protocol != "TCP" || p.NodePort != 30080 || !p.ExternalPolicyLocal ||
		p.StickySeconds != DefaultStickySeconds || len(p.ExternalIPs) != 1 || !p.UsesLocalEndpoints() || !p.UsesClusterEndpoints() {
		t.Errorf("port = %+v", p)
	}
	s.Spec.Type = api.ServiceTypeClusterIP // etp Local and nodePorts only count for NodePort/LoadBalancer
	if p := ServicePorts(s)[0]; p.ExternalPolicyLocal || p.NodePort != 0 {
		t.Errorf("ClusterIP port = %+v", p)
	}
	for _, ip := range []string{"None", "", "fd00::1"} {
		s.Spec.ClusterIP = ip
		if ps := ServicePorts(s); len(ps) != 0 {
			t.Errorf("clusterIP %q: %d ports, want none", ip, len(ps))
		}
	}
	if (ServicePortName{Namespace: "ns", Name: "svc"}).String() != "ns/svc" {
		t.Error("an unnamed port's name has a colon")
	}
}
