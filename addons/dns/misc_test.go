package dns

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	mdns "github.com/miekg/dns"

	"minik8s/pkg/api"
)

func TestReverseZoneName(t *testing.T) {
	for _, tc := range []struct{ cidr, want string }{
		{"10.96.0.0/12", "10.in-addr.arpa."},
		{"10.244.0.0/16", "244.10.in-addr.arpa."},
		{"192.168.77.0/24", "77.168.192.in-addr.arpa."},
		{"0.0.0.0/0", "in-addr.arpa."},
		{"fd00::/16", "0.0.d.f.ip6.arpa."},
	} {
		if got := reverseZoneName(netip.MustParsePrefix(tc.cidr)); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.cidr, got, tc.want)
		}
	}
}

func TestParseReverseRoundTrip(t *testing.T) {
	for _, s := range []string{"10.96.0.10", "10.244.1.5", "1234:abcd::1", "fd00::ff"} {
		a := netip.MustParseAddr(s)
		rev, _ := mdns.ReverseAddr(s)
		got, ok := parseReverse(rev)
		if !ok || got != a {
			t.Errorf("%s -> %s -> %v %v", s, rev, got, ok)
		}
	}
	for _, bad := range []string{"1.2.3.in-addr.arpa.", "x.1.2.3.in-addr.arpa.", "1.ip6.arpa.", "example.org."} {
		if _, ok := parseReverse(bad); ok {
			t.Errorf("%s parsed", bad)
		}
	}
}

func TestPodAddr(t *testing.T) {
	for _, tc := range []struct {
		label string
		want  string // "" = not an address
	}{
		{"10-244-1-5", "10.244.1.5"}, {"1234-abcd--1", "1234:abcd::1"}, {"10-244-1", ""},
		{"10-244-1-300", ""}, {"--1", "::1"}, {"a-b-c-d", ""}, {"0-0-0-0-0-0-0-1", "::1"}, {"1-2-3-4-5", ""},
	} {
		a, ok := podAddr(tc.label)
		if got := map[bool]string{true: a.String(), false: ""}[ok]; got != tc.want {
			t.Errorf("%s: %q, want %q", tc.label, got, tc.want)
		}
	}
}

func TestPodRecordChanged(t *testing.T) {
	base := &api.Pod{}
	base.Status.PodIP, base.Status.Phase = "10.244.1.5", api.PodRunning
	ready := *base
	ready.Status.Conditions = []api.PodCondition{{Type: "Ready", Status: "True"}}
	if podRecordChanged(base, &ready) {
		t.Errorf("a condition change rebuilds")
	}
	moved := *base
	moved.Status.PodIP = "10.244.1.6"
	done := *base
	done.Status.Phase = api.PodSucceeded
	if !podRecordChanged(base, &moved) || !podRecordChanged(base, &done) {
		t.Errorf("an IP or terminal phase change does not rebuild")
	}
}

func TestMetricsText(t *testing.T) {
	m := &Metrics{}
	m.request(mdns.TypeA, mdns.RcodeSuccess, 300*time.Microsecond)
	m.request(mdns.TypeA, mdns.RcodeNameError, 3*time.Millisecond)
	m.request(mdns.TypeHTTPS, mdns.RcodeSuccess, 10*time.Second)
	m.cacheHit()
	m.forwardRequest()
	m.snapshotBuilt(42)
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		`minik8s_dns_requests_total{type="A"} 2`,
		`minik8s_dns_requests_total{type="other"} 1`,
		`minik8s_dns_responses_total{rcode="NOERROR"} 2`,
		`minik8s_dns_responses_total{rcode="NXDOMAIN"} 1`,
		`minik8s_dns_cache_hits_total 1`,
		`minik8s_dns_forward_requests_total 1`,
		`minik8s_dns_snapshot_names 42`,
		`minik8s_dns_request_duration_seconds_bucket{le="0.00025"} 0`,
		`minik8s_dns_request_duration_seconds_bucket{le="0.0005"} 1`,
		`minik8s_dns_request_duration_seconds_bucket{le="0.004"} 2`,
		`minik8s_dns_request_duration_seconds_bucket{le="8.192"} 2`,
		`minik8s_dns_request_duration_seconds_bucket{le="+Inf"} 3`,
		`minik8s_dns_request_duration_seconds_count 3`,
		"# TYPE minik8s_dns_request_duration_seconds histogram",
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}

func TestOptionsValidate(t *testing.T) {
	o := DefaultOptions()
	if err := o.Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for name, mod := range map[string]func(*Options){
		"listen":   func(o *Options) { o.Listen = "53" },
		"domain":   func(o *Options) { o.ClusterDomain = "" },
		"cidr":     func(o *Options) { o.ServiceCIDR = "10.96.0.0" },
		"service":  func(o *Options) { o.DNSService = "kube-dns" },
		"upstream": func(o *Options) { o.Upstreams = []string{"resolver"} },
		"budget":   func(o *Options) { o.ForwardBudget = o.TryTimeout / 2 },
		"cache":    func(o *Options) { o.CacheSize = -1 },
	} {
		o := DefaultOptions()
		mod(&o)
		if err := o.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestClientConfig(t *testing.T) {
	t.Setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")
	t.Setenv("KUBERNETES_SERVICE_PORT", "443")
	o := DefaultOptions()
	c, err := o.clientConfig()
	if err != nil || c.Server != "http://10.96.0.1:443" {
		t.Errorf("in cluster: %v %v", c, err)
	}
	o.Server = "http://127.0.0.1:6443"
	c, err = o.clientConfig()
	if err != nil || c.Server != "http://127.0.0.1:6443" {
		t.Errorf("--server: %v %v", c, err)
	}
}

func TestIngressHosts(t *testing.T) {
	ing := func(name string, ips []string, hosts ...string) *api.Ingress {
		i := &api.Ingress{ObjectMeta: api.ObjectMeta{Namespace: "default", Name: name}}
		for _, h := range hosts {
			i.Spec.Rules = append(i.Spec.Rules, api.IngressRule{Host: h})
		}
		for _, ip := range ips {
			i.Status.LoadBalancer.Ingress = append(i.Status.LoadBalancer.Ingress, api.IngressLoadBalancerIngress{IP: ip})
		}
		return i
	}
	got := IngressHosts([]*api.Ingress{
		ing("shop", []string{"192.168.77.11", "192.168.77.12"}, "shop.example", "", "*.apps.example"),
		ing("pending", nil, "pending.example"),                   // no address yet
		ing("named", []string{"", "not-an-ip"}, "named.example"), // hostnames only
	})
	var s []string
	for _, h := range got {
		s = append(s, fmt.Sprint(h.Host, h.Addrs))
	}
	want := []string{"shop.example[192.168.77.11 192.168.77.12]", "*.apps.example[192.168.77.11 192.168.77.12]"}
	if strings.Join(s, ",") != strings.Join(want, ",") {
		t.Errorf("got %v, want %v", s, want)
	}
}
