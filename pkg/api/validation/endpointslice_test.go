package validation

import (
	"strings"
	"testing"

	"minik8s/pkg/api"
)

func TestValidateEndpointSlice(t *testing.T) {
	sp := func(s string) *string { return &s }
	port := func(p int32) *int32 { return &p }
	valid := func() *api.EndpointSlice {
		return &api.EndpointSlice{ObjectMeta: api.ObjectMeta{Name: "web-abcde", Namespace: "default"}, AddressType: "IPv4",
			Endpoints: []api.Endpoint{{Addresses: []string{"10.244.1.2"}, Hostname: sp("h"), NodeName: sp("node1")}},
			Ports:     []api.EndpointSlicePort{{Name: sp("http"), Port: port(8080)}}}
	}
	for _, tc := range []struct {
		name string
		edit func(*api.EndpointSlice)
		want string // "" valid, else a substring of the error
	}{
		{"valid", func(*api.EndpointSlice) {}, ""},
		{"placeholder: no endpoints, no ports", func(s *api.EndpointSlice) { s.Endpoints, s.Ports = nil, nil }, ""},
		{"generateName", func(s *api.EndpointSlice) { s.Name, s.GenerateName = "", "web-" }, ""},
		{"no address type", func(s *api.EndpointSlice) { s.AddressType = "" }, "addressType: Required value"},
		{"bad address type", func(s *api.EndpointSlice) { s.AddressType = "IP" }, `addressType: Unsupported value: "IP"`},
		{"no addresses", func(s *api.EndpointSlice) { s.Endpoints[0].Addresses = nil }, "endpoints[0].addresses: Required value: must contain at least 1 address"},
		{"IPv6 in an IPv4 slice", func(s *api.EndpointSlice) { s.Endpoints[0].Addresses = []string{"fd00::1"} }, "endpoints[0].addresses[0]: Invalid value: \"fd00::1\": must be a valid IPv4 address"},
		{"IPv6 slice", func(s *api.EndpointSlice) { s.AddressType = "IPv6"; s.Endpoints[0].Addresses = []string{"fd00::1"} }, ""},
		{"FQDN slice", func(s *api.EndpointSlice) { s.AddressType = "FQDN"; s.Endpoints[0].Addresses = []string{"example.com"} }, ""},
		{"bad hostname", func(s *api.EndpointSlice) { s.Endpoints[0].Hostname = sp("a.b") }, "endpoints[0].hostname: Invalid value"},
		{"bad node name", func(s *api.EndpointSlice) { s.Endpoints[0].NodeName = sp("Node_1") }, "endpoints[0].nodeName: Invalid value"},
		{"duplicate port names", func(s *api.EndpointSlice) {
			s.Ports = append(s.Ports, api.EndpointSlicePort{Name: sp("http"), Port: port(1)})
		}, `ports[1].name: Duplicate value: "http"`},
		{"bad port name", func(s *api.EndpointSlice) { s.Ports[0].Name = sp("HTTP") }, "ports[0].name: Invalid value"},
		{"bad protocol", func(s *api.EndpointSlice) { s.Ports[0].Protocol = sp("ICMP") }, `ports[0].protocol: Unsupported value: "ICMP"`},
		{"port out of range", func(s *api.EndpointSlice) { s.Ports[0].Port = port(70000) }, "ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive"},
	} {
		s := valid()
		tc.edit(s)
		Default(s)
		errs := Validate(s)
		switch {
		case tc.want == "" && len(errs) > 0:
			t.Errorf("%s: unexpected %v", tc.name, errs)
		case tc.want != "" && !strings.Contains(errs.Error(), tc.want):
			t.Errorf("%s: got %v, want %q", tc.name, errs, tc.want)
		}
	}
	s := valid()
	s.Ports[0].Protocol, s.Ports[0].Name = nil, nil
	Default(s)
	if *s.Ports[0].Protocol != "TCP" || s.Ports[0].Name == nil || *s.Ports[0].Name != "" {
		t.Errorf("defaults: %+v", s.Ports[0])
	}
}
