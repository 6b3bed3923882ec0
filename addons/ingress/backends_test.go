package ingress

import (
	"reflect"
	"testing"

	"minik8s/pkg/api"
)

func TestResolveTargets(t *testing.T) {
	str := func(s string) *string { return &s }
	i32 := func(v int32) *int32 { return &v }
	yes, no := true, false
	svc := &api.Service{ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default"}, Spec: api.ServiceSpec{Ports: []api.ServicePort{
		{Name: "http", Port: 80, Protocol: "TCP"},
		{Name: "admin", Port: 9000, Protocol: "TCP"},
		{Name: "dns", Port: 53, Protocol: "UDP"},
	}}}
	slices := []*api.EndpointSlice{
		{AddressType: "IPv4", Ports: []api.EndpointSlicePort{{Name: str("http"), Port: i32(8080), Protocol: str("TCP")}, {Name: str("admin"), Port: i32(9090)}},
			Endpoints: []api.Endpoint{
				{Addresses: []string{"10.244.1.5"}, Conditions: api.EndpointConditions{Ready: &yes}},
				{Addresses: []string{"10.244.1.6"}, Conditions: api.EndpointConditions{Ready: &no}},
				{Addresses: []string{"10.244.1.4"}}, // ready unset counts as ready
			}},
		// Another slice of the same Service whose pods name the port differently.
		{AddressType: "IPv4", Ports: []api.EndpointSlicePort{{Name: str("http"), Port: i32(8081)}},
			Endpoints: []api.Endpoint{{Addresses: []string{"10.244.2.9"}, Conditions: api.EndpointConditions{Ready: &yes}}}},
		{AddressType: "FQDN", Ports: []api.EndpointSlicePort{{Name: str("http"), Port: i32(80)}},
			Endpoints: []api.Endpoint{{Addresses: []string{"example.com"}}}},
	}
	cases := []struct {
		name       string
		svc        *api.Service
		port       api.ServiceBackendPort
		want       []string
		wantReason string
	}{
		{"by number", svc, api.ServiceBackendPort{Number: 80}, []string{"10.244.1.4:8080", "10.244.1.5:8080", "10.244.2.9:8081"}, ""},
		{"by name", svc, api.ServiceBackendPort{Name: "admin"}, []string{"10.244.1.4:9090", "10.244.1.5:9090"}, ""},
		{"unknown port", svc, api.ServiceBackendPort{Number: 81}, nil, "service has no such port"},
		{"UDP port", svc, api.ServiceBackendPort{Name: "dns"}, nil, "service port is not TCP"},
		{"no service", nil, api.ServiceBackendPort{Number: 80}, nil, "service not found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, reason := ResolveTargets(c.svc, slices, c.port)
			if !reflect.DeepEqual(got, c.want) || reason != c.wantReason {
				t.Errorf("= %v, %q; want %v, %q", got, reason, c.want, c.wantReason)
			}
		})
	}
	if got, reason := ResolveTargets(svc, nil, api.ServiceBackendPort{Number: 80}); got != nil || reason != "no ready endpoints" {
		t.Errorf("no slices: %v, %q", got, reason)
	}
}
