package printers

import (
	"testing"

	"minik8s/pkg/api"
)

func sp(v string) *string { return &v }

func eps(ready []bool, addrs ...string) []api.Endpoint {
	out := make([]api.Endpoint, len(addrs))
	for i, a := range addrs {
		out[i].Addresses = []string{a}
		if i < len(ready) {
			r := ready[i]
			out[i].Conditions.Ready = &r
		}
	}
	return out
}

// TestSliceColumns: the PORTS and ENDPOINTS cells as Kubernetes'
// formatDiscoveryPorts / formatDiscoveryEndpoints.
func TestSliceColumns(t *testing.T) {
	for _, c := range []struct {
		got, want string
	}{
		{SlicePorts(nil), "<unset>"},
		{SlicePorts([]api.EndpointSlicePort{{Port: i32(80)}, {Name: sp("dns")}, {}}), "80,dns,*"},
		{SlicePorts([]api.EndpointSlicePort{{Port: i32(1)}, {Port: i32(2)}, {Port: i32(3)}, {Port: i32(4)}, {Port: i32(5)}}), "1,2,3 + 2 more..."},
		{SliceEndpoints(nil), "<unset>"},
		{SliceEndpoints(eps(nil, "10.0.0.1", "10.0.0.2")), "10.0.0.1,10.0.0.2"},
		{SliceEndpoints(append(eps(nil, "10.0.0.1", "10.0.0.2", "10.0.0.3"), api.Endpoint{Addresses: []string{"10.0.0.4", "10.0.0.5"}})), "10.0.0.1,10.0.0.2,10.0.0.3 + 2 more..."},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// TestFormatSliceEndpoints: describe's Endpoints line from slices, as
// kubectl v1.32's formatEndpointSlices (ready endpoints only; a not-ready
// one past the third still marks the list cut).
func TestFormatSliceEndpoints(t *testing.T) {
	ports := []api.EndpointSlicePort{{Name: sp("http"), Port: i32(8080)}, {Name: sp("dns"), Port: i32(53)}}
	slice := func(e []api.Endpoint, p []api.EndpointSlicePort) *api.EndpointSlice {
		return &api.EndpointSlice{AddressType: "IPv4", Endpoints: e, Ports: p}
	}
	for _, c := range []struct {
		name   string
		slices []*api.EndpointSlice
		ports  map[string]bool
		want   string
	}{
		{"no slices", nil, nil, "<none>"},
		{"no endpoints", []*api.EndpointSlice{slice(nil, ports)}, map[string]bool{"http": true}, ""},
		{"one port", []*api.EndpointSlice{slice(eps(nil, "10.244.1.2", "10.244.2.3"), ports)}, map[string]bool{"http": true}, "10.244.1.2:8080,10.244.2.3:8080"},
		{"all ports", []*api.EndpointSlice{slice(eps(nil, "10.244.1.2", "10.244.2.3"), ports)}, nil, "10.244.1.2:8080,10.244.2.3:8080,10.244.1.2:53 + 1 more..."},
		{"not ready skipped", []*api.EndpointSlice{slice(eps([]bool{true, false}, "10.244.1.2", "10.244.2.3"), ports)}, map[string]bool{"dns": true}, "10.244.1.2:53"},
		{"over two slices", []*api.EndpointSlice{slice(eps(nil, "10.0.0.1", "10.0.0.2"), ports[:1]), slice(eps(nil, "10.0.0.3", "10.0.0.4", "10.0.0.5"), ports[:1])},
			map[string]bool{"http": true}, "10.0.0.1:8080,10.0.0.2:8080,10.0.0.3:8080 + 2 more..."},
		{"not ready past the third", []*api.EndpointSlice{slice(eps([]bool{true, true, true, false}, "a", "b", "c", "d"), nil)}, nil, "a,b,c + 0 more..."},
		{"headless", []*api.EndpointSlice{slice(eps(nil, "10.0.0.1"), nil)}, map[string]bool{"": true}, "10.0.0.1"},
		{"ipv6", []*api.EndpointSlice{slice(eps(nil, "fd00::1"), ports[:1])}, nil, "[fd00::1]:8080"},
	} {
		if got := FormatSliceEndpoints(c.slices, c.ports); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}
