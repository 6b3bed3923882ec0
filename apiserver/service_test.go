package apiserver

import (
	"fmt"
	"testing"

	"minik8s/pkg/api"
)

func TestPrepareServiceUpdate(t *testing.T) {
	base := func(typ, ip string, nodePorts ...int32) *api.Service {
		s := &api.Service{Spec: api.ServiceSpec{Type: typ, ClusterIP: ip}}
		if ip != "" {
			s.Spec.ClusterIPs = []string{ip}
		}
		for i, np := range nodePorts {
			s.Spec.Ports = append(s.Spec.Ports, api.ServicePort{Name: fmt.Sprint("p", i), Port: 80 + int32(i), NodePort: np})
		}
		if typ == api.ServiceTypeNodePort {
			s.Spec.ExternalTrafficPolicy = "Cluster"
		}
		return s
	}
	show := func(s *api.Service) string {
		var nps []int32
		for _, p := range s.Spec.Ports {
			nps = append(nps, p.NodePort)
		}
		return fmt.Sprintf("%s ip=%q ips=%v nodePorts=%v etp=%q", s.Spec.Type, s.Spec.ClusterIP, s.Spec.ClusterIPs, nps, s.Spec.ExternalTrafficPolicy)
	}
	for _, tc := range []struct {
		name     string
		old, new *api.Service
		want     string
	}{
		{"left-out clusterIP and nodePorts carried over", base("NodePort", "10.96.0.5", 30001, 30002), base("NodePort", "", 0, 0),
			`NodePort ip="10.96.0.5" ips=[10.96.0.5] nodePorts=[30001 30002] etp="Cluster"`},
		{"a nodePort taken by another port is not carried over", base("NodePort", "10.96.0.5", 30001, 30002), base("NodePort", "", 0, 30001),
			`NodePort ip="10.96.0.5" ips=[10.96.0.5] nodePorts=[0 30001] etp="Cluster"`},
		{"NodePort to ClusterIP drops unchanged nodePorts and the policy", base("NodePort", "10.96.0.5", 30001), func() *api.Service {
			s := base("NodePort", "10.96.0.5", 30001)
			s.Spec.Type = "ClusterIP"
			return s
		}(), `ClusterIP ip="10.96.0.5" ips=[10.96.0.5] nodePorts=[0] etp=""`},
		{"to ExternalName drops the unchanged clusterIP", base("ClusterIP", "10.96.0.5", 0), func() *api.Service {
			s := base("ClusterIP", "10.96.0.5", 0)
			s.Spec.Type = "ExternalName"
			return s
		}(), `ExternalName ip="" ips=[] nodePorts=[0] etp=""`},
		{"from ExternalName nothing to carry", base("ExternalName", "", 0), base("ClusterIP", "", 0),
			`ClusterIP ip="" ips=[] nodePorts=[0] etp=""`},
		{"changed clusterIP with old clusterIPs: clusterIPs follow", base("ClusterIP", "10.96.0.5", 0), func() *api.Service {
			s := base("ClusterIP", "10.96.0.5", 0)
			s.Spec.ClusterIP = "None"
			return s
		}(), `ClusterIP ip="None" ips=[None] nodePorts=[0] etp=""`},
		{"only clusterIPs left out", base("ClusterIP", "10.96.0.5", 0), func() *api.Service {
			s := base("ClusterIP", "10.96.0.5", 0)
			s.Spec.ClusterIPs = nil
			return s
		}(), `ClusterIP ip="10.96.0.5" ips=[10.96.0.5] nodePorts=[0] etp=""`},
	} {
		prepareServiceUpdate(tc.new, tc.old)
		if got := show(tc.new); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}
