package validation

import (
	"strings"
	"testing"

	"minik8s/pkg/api"
)

func TestValidatePodDNSAndHostAliases(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*api.PodSpec)
		want []string
	}{
		{"None with nameservers", func(s *api.PodSpec) {
			s.DNSPolicy, s.DNSConfig = "None", &api.PodDNSConfig{Nameservers: []string{"1.2.3.4"}, Searches: []string{"ns.svc.cluster.local", "example.com."}}
		}, nil},
		{"None without dnsConfig", func(s *api.PodSpec) { s.DNSPolicy = "None" },
			[]string{"spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None"}},
		{"None without nameservers", func(s *api.PodSpec) { s.DNSPolicy, s.DNSConfig = "None", &api.PodDNSConfig{Searches: []string{"a"}} },
			[]string{"spec.dnsConfig.nameservers: Required value: must provide at least one DNS nameserver when `dnsPolicy` is None"}},
		{"four nameservers", func(s *api.PodSpec) {
			s.DNSConfig = &api.PodDNSConfig{Nameservers: []string{"1.1.1.1", "1.1.1.2", "1.1.1.3", "1.1.1.4"}}
		}, []string{`spec.dnsConfig.nameservers: Invalid value: []string{"1.1.1.1", "1.1.1.2", "1.1.1.3", "1.1.1.4"}: must not have more than 3 nameservers`}},
		{"bad nameserver", func(s *api.PodSpec) { s.DNSConfig = &api.PodDNSConfig{Nameservers: []string{"dns.example"}} },
			[]string{`spec.dnsConfig.nameservers[0]: Invalid value: "dns.example": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`}},
		{"bad search", func(s *api.PodSpec) { s.DNSConfig = &api.PodDNSConfig{Searches: []string{"Bad_Domain"}} },
			[]string{`spec.dnsConfig.searches[0]: Invalid value: "Bad_Domain": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`}},
		{"33 searches", func(s *api.PodSpec) {
			s.DNSConfig = &api.PodDNSConfig{Searches: strings.Split(strings.Repeat("a ", 33)[:65], " ")}
		}, []string{"spec.dnsConfig.searches: Invalid value"}},
		{"unnamed option", func(s *api.PodSpec) { s.DNSConfig = &api.PodDNSConfig{Options: []api.PodDNSConfigOption{{}}} },
			[]string{"spec.dnsConfig.options[0]: Required value: Option.Name must not be empty"}},
		{"hostAliases", func(s *api.PodSpec) {
			s.HostAliases = []api.HostAlias{{IP: "10.1.2.3", Hostnames: []string{"foo.local", "bar.local"}}}
		}, nil},
		{"bad hostAliases", func(s *api.PodSpec) {
			s.HostAliases = []api.HostAlias{{IP: "10.1.2", Hostnames: []string{"ok", "Not OK"}}}
		}, []string{`spec.hostAliases[0].ip: Invalid value: "10.1.2"`, `spec.hostAliases[0].hostnames[1]: Invalid value: "Not OK"`}},
	} {
		p := basePod()
		tc.edit(&p.Spec)
		errs := Validate(p)
		if len(errs) != len(tc.want) {
			t.Errorf("%s: errors %v, want %q", tc.name, errs, tc.want)
			continue
		}
		for i, e := range errs {
			if !strings.HasPrefix(e.Error(), tc.want[i]) {
				t.Errorf("%s: error %q, want %q", tc.name, e.Error(), tc.want[i])
			}
		}
	}
}
