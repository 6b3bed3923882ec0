package kubelet

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"minik8s/kubelet/runtime"
	"minik8s/pkg/api"
)

// Cases from Kubernetes' pkg/kubelet/network/dns/dns_test.go.
func TestParseResolvConf(t *testing.T) {
	for _, tc := range []struct {
		data                          string
		nameservers, searches, option []string
		isErr                         bool
	}{
		{"", nil, nil, nil, false},
		{" ", nil, nil, nil, false},
		{"\n", nil, nil, nil, false},
		{"\t\n\t", nil, nil, nil, false},
		{"#comment\n", nil, nil, nil, false},
		{" #comment\n", nil, nil, nil, false},
		{"#comment\n#comment", nil, nil, nil, false},
		{"#comment\nnameserver", nil, nil, nil, true},
		{"#comment\nnameserver\nsearch", nil, nil, nil, true},
		{"#comment\nnameserver 1.2.3.4\nsearch", []string{"1.2.3.4"}, nil, nil, false},
		{"nameserver 1.2.3.4", []string{"1.2.3.4"}, nil, nil, false},
		{" nameserver 1.2.3.4", []string{"1.2.3.4"}, nil, nil, false},
		{"\tnameserver 1.2.3.4", []string{"1.2.3.4"}, nil, nil, false},
		{"nameserver\t1.2.3.4", []string{"1.2.3.4"}, nil, nil, false},
		{"nameserver \t 1.2.3.4", []string{"1.2.3.4"}, nil, nil, false},
		{"nameserver 1.2.3.4\nnameserver 5.6.7.8", []string{"1.2.3.4", "5.6.7.8"}, nil, nil, false},
		{"nameserver 1.2.3.4 #comment", []string{"1.2.3.4"}, nil, nil, false},
		{"search ", nil, nil, nil, false},
		{"search foo", nil, []string{"foo"}, nil, false},
		{"search foo bar", nil, []string{"foo", "bar"}, nil, false},
		{"search foo. bar", nil, []string{"foo", "bar"}, nil, false},
		{"search foo bar bat\n", nil, []string{"foo", "bar", "bat"}, nil, false},
		{"search foo\nsearch bar", nil, []string{"bar"}, nil, false},
		{"nameserver 1.2.3.4\nsearch foo bar", []string{"1.2.3.4"}, []string{"foo", "bar"}, nil, false},
		{"nameserver 1.2.3.4\nsearch foo\nnameserver 5.6.7.8\nsearch bar", []string{"1.2.3.4", "5.6.7.8"}, []string{"bar"}, nil, false},
		{"#comment\nnameserver 1.2.3.4\n#comment\nsearch foo\ncomment", []string{"1.2.3.4"}, []string{"foo"}, nil, false},
		{"options ", nil, nil, nil, false},
		{"options ndots:5 attempts:2", nil, nil, []string{"ndots:5", "attempts:2"}, false},
		{"options ndots:1\noptions ndots:5 attempts:3", nil, nil, []string{"ndots:5", "attempts:3"}, false},
		{"nameserver 1.2.3.4\nsearch foo\nnameserver 5.6.7.8\nsearch bar\noptions ndots:5 attempts:4", []string{"1.2.3.4", "5.6.7.8"}, []string{"bar"}, []string{"ndots:5", "attempts:4"}, false},
	} {
		h, err := parseResolvConf([]byte(tc.data))
		if tc.isErr {
			if err == nil {
				t.Errorf("%q: no error", tc.data)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.data, err)
			continue
		}
		if strings.Join(h.Nameservers, ",") != strings.Join(tc.nameservers, ",") ||
			strings.Join(h.Searches, ",") != strings.Join(tc.searches, ",") ||
			strings.Join(h.Options, ",") != strings.Join(tc.option, ",") {
			t.Errorf("%q: got %+v", tc.data, h)
		}
	}
}

func TestFitSearches(t *testing.T) {
	list2048 := []string{strings.Repeat("A", 128)}
	for i := 0; i < 15; i++ {
		list2048 = append(list2048, strings.Repeat("A", 127))
	}
	numbered := func(n int) []string {
		out := []string{"testNS.svc.TEST", "svc.TEST", "TEST"}
		for i := 4; i <= n; i++ {
			out = append(out, fmt.Sprint(i))
		}
		return out
	}
	for _, tc := range []struct {
		desc       string
		in, want   []string
		wantEvents bool
	}{
		{"valid: 3 search paths", []string{"testNS.svc.TEST", "svc.TEST", "TEST"}, []string{"testNS.svc.TEST", "svc.TEST", "TEST"}, false},
		{"valid: 5 search paths", []string{"testNS.svc.TEST", "svc.TEST", "TEST", "AAA", "BBB"}, []string{"testNS.svc.TEST", "svc.TEST", "TEST", "AAA", "BBB"}, false},
		{"invalid: a search path longer than 253", []string{"testNS.svc.TEST", "svc.TEST", "TEST", "AAA", strings.Repeat("B", 256), "BBB"}, []string{"testNS.svc.TEST", "svc.TEST", "TEST", "AAA", "BBB"}, true},
		{"valid: 2048 characters", list2048, list2048, false},
		{"invalid: 2050 characters", append(append([]string(nil), list2048...), "B"), list2048, true},
		{"valid: 32 search paths", numbered(32), numbered(32), false},
		{"invalid: 33 search paths", numbered(33), numbered(32), true},
	} {
		got, events := fitSearches(tc.in)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %d paths %q", tc.desc, len(got), got)
		}
		if (len(events) > 0) != tc.wantEvents {
			t.Errorf("%s: events %v", tc.desc, events)
		}
		if tc.wantEvents && events[0].Message != "Search Line limits were exceeded, some search paths have been omitted, the applied search line is: "+strings.Join(tc.want, " ") {
			t.Errorf("%s: event %q", tc.desc, events[0].Message)
		}
	}
}

func TestFitNameservers(t *testing.T) {
	for _, tc := range []struct {
		in, want []string
		event    bool
	}{
		{[]string{"127.0.0.1"}, []string{"127.0.0.1"}, false},
		{[]string{"127.0.0.1", "10.0.0.10", "8.8.8.8"}, []string{"127.0.0.1", "10.0.0.10", "8.8.8.8"}, false},
		{[]string{"127.0.0.1", "10.0.0.10", "8.8.8.8", "1.2.3.4"}, []string{"127.0.0.1", "10.0.0.10", "8.8.8.8"}, true},
	} {
		got, events := fitNameservers(tc.in)
		if !reflect.DeepEqual(got, tc.want) || (len(events) > 0) != tc.event {
			t.Errorf("%v: %v %v", tc.in, got, events)
		}
	}
}

func TestMergeDNSOptions(t *testing.T) {
	three := "3"
	for _, tc := range []struct {
		desc     string
		existing []string
		opts     []api.PodDNSConfigOption
		want     []string
	}{
		{"empty dnsConfig options", []string{"ndots:5", "debug"}, nil, []string{"ndots:5", "debug"}},
		{"no duplicates", []string{"ndots:5", "debug"}, []api.PodDNSConfigOption{{Name: "single-request"}, {Name: "attempts", Value: &three}},
			[]string{"ndots:5", "debug", "single-request", "attempts:3"}},
		{"overwrite duplicates", []string{"ndots:5", "debug"}, []api.PodDNSConfigOption{{Name: "ndots", Value: &three}, {Name: "debug"}, {Name: "single-request"}, {Name: "attempts", Value: &three}},
			[]string{"ndots:3", "debug", "single-request", "attempts:3"}},
	} {
		if got := mergeDNSOptions(tc.existing, tc.opts); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.desc, got, tc.want)
		}
	}
}

func TestPodDNSType(t *testing.T) {
	for _, tc := range []struct {
		desc    string
		hostNet bool
		policy  string
		want    podDNSType
		err     bool
	}{
		{"ClusterFirst without hostNetwork", false, "ClusterFirst", podDNSCluster, false},
		{"ClusterFirstWithHostNet with hostNetwork", true, "ClusterFirstWithHostNet", podDNSCluster, false},
		{"ClusterFirstWithHostNet without hostNetwork", false, "ClusterFirstWithHostNet", podDNSCluster, false},
		{"Default without hostNetwork", false, "Default", podDNSHost, false},
		{"Default with hostNetwork", true, "Default", podDNSHost, false},
		{"ClusterFirst with hostNetwork falls back to Default", true, "ClusterFirst", podDNSHost, false},
		{"None", false, "None", podDNSNone, false},
		{"invalid policy", false, "invalidPolicy", podDNSCluster, true},
	} {
		pod := &api.Pod{Spec: api.PodSpec{DNSPolicy: tc.policy, HostNetwork: tc.hostNet}}
		got, err := podDNSTypeOf(pod)
		if (err != nil) != tc.err || (!tc.err && got != tc.want) {
			t.Errorf("%s: %v %v", tc.desc, got, err)
		}
	}
}

func dnsPod(ns, policy string, hostNet bool, dc *api.PodDNSConfig) *api.Pod {
	return &api.Pod{ObjectMeta: api.ObjectMeta{Name: "test-pod", Namespace: ns},
		Spec: api.PodSpec{DNSPolicy: policy, HostNetwork: hostNet, DNSConfig: dc}}
}

// TestPodDNS is resolv.conf for every dnsPolicy (Kubernetes' TestGetPodDNS
// and TestGetPodDNSCustom, and the seeds' dnsutils pods).
func TestPodDNS(t *testing.T) {
	three := "3"
	custom := &api.PodDNSConfig{Nameservers: []string{"10.0.0.11"}, Searches: []string{"my.domain"},
		Options: []api.PodDNSConfigOption{{Name: "ndots", Value: &three}, {Name: "debug"}}}
	k8sHost := hostDNS{Nameservers: []string{"8.8.8.8"}, Searches: []string{"host.domain"}}
	k8s := dnsSettings{ClusterDNS: []string{"10.0.0.10"}, ClusterDomain: "kubernetes.io", HostFile: "/etc/resolv.conf"}
	seedHost := hostDNS{Nameservers: []string{"30.14.129.245", "30.14.128.82", "10.65.0.201"}, Searches: []string{"hz.ali.com"}}
	lab := dnsSettings{ClusterDNS: []string{"10.96.0.10"}, ClusterDomain: "cluster.local", HostFile: "/etc/resolv.conf"}
	noHostFile := dnsSettings{ClusterDNS: []string{"203.0.113.1"}, ClusterDomain: "kubernetes.io"}
	for _, tc := range []struct {
		desc   string
		pod    *api.Pod
		s      dnsSettings
		host   hostDNS
		want   runtime.DNSConfig
		events []string
	}{
		{"None without dnsConfig: empty", dnsPod("testNS", "None", false, nil), k8s, k8sHost, runtime.DNSConfig{}, nil},
		{"None with dnsConfig: only the pod's", dnsPod("testNS", "None", false, &api.PodDNSConfig{Nameservers: []string{"203.0.113.1"}, Searches: []string{"my.domain", "second.domain"},
			Options: []api.PodDNSConfigOption{{Name: "ndots", Value: &three}, {Name: "debug"}}}), k8s, k8sHost,
			runtime.DNSConfig{Nameservers: []string{"203.0.113.1"}, Searches: []string{"my.domain", "second.domain"}, Options: []string{"ndots:3", "debug"}}, nil},
		{"ClusterFirst with dnsConfig: merged", dnsPod("testNS", "ClusterFirst", false, custom), k8s, k8sHost,
			runtime.DNSConfig{Nameservers: []string{"10.0.0.10", "10.0.0.11"}, Searches: []string{"testNS.svc.kubernetes.io", "svc.kubernetes.io", "kubernetes.io", "host.domain", "my.domain"}, Options: []string{"ndots:3", "debug"}}, nil},
		{"ClusterFirstWithHostNet with dnsConfig: merged", dnsPod("testNS", "ClusterFirstWithHostNet", true, custom), k8s, k8sHost,
			runtime.DNSConfig{Nameservers: []string{"10.0.0.10", "10.0.0.11"}, Searches: []string{"testNS.svc.kubernetes.io", "svc.kubernetes.io", "kubernetes.io", "host.domain", "my.domain"}, Options: []string{"ndots:3", "debug"}}, nil},
		{"Default with dnsConfig: host's merged", dnsPod("testNS", "Default", false, custom), k8s, k8sHost,
			runtime.DNSConfig{Nameservers: []string{"8.8.8.8", "10.0.0.11"}, Searches: []string{"host.domain", "my.domain"}, Options: []string{"ndots:3", "debug"}}, nil},
		{"no --resolv-conf: Default is 127.0.0.1 and search .", dnsPod("", "Default", true, nil), noHostFile, hostDNS{},
			runtime.DNSConfig{Nameservers: []string{"127.0.0.1"}, Searches: []string{"."}}, nil},
		{"no --resolv-conf: hostNetwork ClusterFirst is Default", dnsPod("", "ClusterFirst", true, nil), noHostFile, hostDNS{},
			runtime.DNSConfig{Nameservers: []string{"127.0.0.1"}, Searches: []string{"."}}, nil},
		{"no --resolv-conf: ClusterFirstWithHostNet", dnsPod("", "ClusterFirstWithHostNet", true, nil), noHostFile, hostDNS{},
			runtime.DNSConfig{Nameservers: []string{"203.0.113.1"}, Searches: []string{".svc.kubernetes.io", "svc.kubernetes.io", "kubernetes.io"}, Options: []string{"ndots:5"}}, nil},
		// The seeds' dnsutils pods (kubernetes-network-kube-proxy-coredns.txt).
		{"seed: ClusterFirst", dnsPod("default", "ClusterFirst", false, nil), lab, seedHost,
			runtime.DNSConfig{Nameservers: []string{"10.96.0.10"}, Searches: []string{"default.svc.cluster.local", "svc.cluster.local", "cluster.local", "hz.ali.com"}, Options: []string{"ndots:5"}}, nil},
		{"seed: hostNetwork, no dnsPolicy: the host's", dnsPod("default", "ClusterFirst", true, nil), lab, seedHost,
			runtime.DNSConfig{Nameservers: []string{"30.14.129.245", "30.14.128.82", "10.65.0.201"}, Searches: []string{"hz.ali.com"}}, nil},
		{"seed: hostNetwork, ClusterFirstWithHostNet", dnsPod("default", "ClusterFirstWithHostNet", true, nil), lab, seedHost,
			runtime.DNSConfig{Nameservers: []string{"10.96.0.10"}, Searches: []string{"default.svc.cluster.local", "svc.cluster.local", "cluster.local", "hz.ali.com"}, Options: []string{"ndots:5"}}, nil},
		{"ClusterFirst without --cluster-dns: Default and a warning", dnsPod("default", "ClusterFirst", false, nil), dnsSettings{ClusterDomain: "cluster.local", HostFile: "/etc/resolv.conf"}, seedHost,
			runtime.DNSConfig{Nameservers: []string{"30.14.129.245", "30.14.128.82", "10.65.0.201"}, Searches: []string{"hz.ali.com"}}, []string{reasonMissingClusterDNS}},
		{"search domain of the host already in the cluster list", dnsPod("default", "ClusterFirst", false, nil), lab, hostDNS{Nameservers: []string{"1.1.1.1"}, Searches: []string{"cluster.local", "corp"}},
			runtime.DNSConfig{Nameservers: []string{"10.96.0.10"}, Searches: []string{"default.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp"}, Options: []string{"ndots:5"}}, nil},
		{"host options are not ClusterFirst's", dnsPod("default", "ClusterFirst", false, nil), lab, hostDNS{Nameservers: []string{"1.1.1.1"}, Options: []string{"edns0", "trust-ad"}},
			runtime.DNSConfig{Nameservers: []string{"10.96.0.10"}, Searches: []string{"default.svc.cluster.local", "svc.cluster.local", "cluster.local"}, Options: []string{"ndots:5"}}, nil},
		{"Default keeps the host's options", dnsPod("default", "Default", false, nil), lab, hostDNS{Nameservers: []string{"1.1.1.1"}, Options: []string{"edns0", "trust-ad"}},
			runtime.DNSConfig{Nameservers: []string{"1.1.1.1"}, Options: []string{"edns0", "trust-ad"}}, nil},
		{"four nameservers: three kept", dnsPod("default", "ClusterFirst", false, &api.PodDNSConfig{Nameservers: []string{"1.1.1.1", "2.2.2.2", "3.3.3.3"}}), lab, hostDNS{},
			runtime.DNSConfig{Nameservers: []string{"10.96.0.10", "1.1.1.1", "2.2.2.2"}, Searches: []string{"default.svc.cluster.local", "svc.cluster.local", "cluster.local"}, Options: []string{"ndots:5"}}, []string{reasonDNSConfigForming}},
		{"duplicate searches and nameservers merged", dnsPod("ns1", "ClusterFirst", false, &api.PodDNSConfig{Nameservers: []string{"10.96.0.10"}, Searches: []string{"svc.cluster.local", "x"}}), lab, hostDNS{},
			runtime.DNSConfig{Nameservers: []string{"10.96.0.10"}, Searches: []string{"ns1.svc.cluster.local", "svc.cluster.local", "cluster.local", "x"}, Options: []string{"ndots:5"}}, nil},
		{"no cluster domain: host search only", dnsPod("ns1", "ClusterFirst", false, nil), dnsSettings{ClusterDNS: []string{"10.96.0.10"}, HostFile: "/etc/resolv.conf"}, hostDNS{Searches: []string{"corp"}},
			runtime.DNSConfig{Nameservers: []string{"10.96.0.10"}, Searches: []string{"corp"}, Options: []string{"ndots:5"}}, nil},
	} {
		got, events := podDNS(tc.pod, tc.s, tc.host)
		if strings.Join(got.Nameservers, ",") != strings.Join(tc.want.Nameservers, ",") ||
			strings.Join(got.Searches, ",") != strings.Join(tc.want.Searches, ",") ||
			strings.Join(got.Options, ",") != strings.Join(tc.want.Options, ",") {
			t.Errorf("%s: got %+v, want %+v", tc.desc, *got, tc.want)
		}
		var reasons []string
		for _, e := range events {
			reasons = append(reasons, e.Reason)
		}
		if !reflect.DeepEqual(reasons, tc.events) {
			t.Errorf("%s: events %+v, want %v", tc.desc, events, tc.events)
		}
	}
}

func TestPodDNSDoesNotChangeHost(t *testing.T) {
	host := hostDNS{Nameservers: []string{"1.1.1.1"}, Searches: []string{"corp"}, Options: []string{"edns0"}}
	s := dnsSettings{ClusterDNS: []string{"10.96.0.10"}, ClusterDomain: "cluster.local", HostFile: "x"}
	podDNS(dnsPod("a", "Default", false, &api.PodDNSConfig{Nameservers: []string{"9.9.9.9"}, Searches: []string{"more"}}), s, host)
	if !reflect.DeepEqual(host.Nameservers, []string{"1.1.1.1"}) || !reflect.DeepEqual(host.Searches, []string{"corp"}) {
		t.Errorf("host changed: %+v", host)
	}
}

func TestPodHostnameAndDomain(t *testing.T) {
	long := strings.Repeat("a", 62) + "-b"
	for _, tc := range []struct {
		name, hostname, subdomain string
		wantHost, wantDomain      string
	}{
		{"web", "", "", "web", ""},
		{"web", "h1", "", "h1", ""},
		{"web", "h1", "sub", "h1", "sub.ns.svc.cluster.local"},
		{"web", "", "sub", "web", "sub.ns.svc.cluster.local"},
		{long, "", "", strings.Repeat("a", 62), ""},
		{strings.Repeat("x", 70), "", "", strings.Repeat("x", 63), ""},
	} {
		pod := &api.Pod{ObjectMeta: api.ObjectMeta{Name: tc.name, Namespace: "ns"}, Spec: api.PodSpec{Hostname: tc.hostname, Subdomain: tc.subdomain}}
		h, d := podHostnameAndDomain(pod, "cluster.local")
		if h != tc.wantHost || d != tc.wantDomain {
			t.Errorf("%s/%s/%s: %q %q", tc.name, tc.hostname, tc.subdomain, h, d)
		}
	}
}

type dnsRecorded struct{ kind, reason, msg string }

type dnsRecorder struct{ events []dnsRecorded }

func (r *dnsRecorder) Eventf(obj api.Object, _, reason, f string, args ...any) {
	r.events = append(r.events, dnsRecorded{obj.GetTypeMeta().Kind, reason, fmt.Sprintf(f, args...)})
}

func TestPodDNSConfigReadsResolvConfAndRecords(t *testing.T) {
	f := filepath.Join(t.TempDir(), "resolv.conf")
	if err := os.WriteFile(f, []byte("# host\nnameserver 192.0.2.53\nsearch corp.example.\noptions edns0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := &dnsRecorder{}
	k := &Kubelet{opts: Options{NodeName: "n1", ClusterDomain: "cluster.local", ResolvConf: f}, Recorder: rec}
	pod := dnsPod("default", "ClusterFirst", false, nil)
	cfg, err := k.podDNSConfig(pod)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg.Nameservers, []string{"192.0.2.53"}) || !reflect.DeepEqual(cfg.Searches, []string{"corp.example"}) {
		t.Errorf("fallback to Default: %+v", cfg)
	}
	if len(rec.events) != 2 || rec.events[0].kind != "Node" || rec.events[0].reason != reasonMissingClusterDNS || rec.events[1].reason != reasonMissingClusterDNS ||
		!strings.HasPrefix(rec.events[1].msg, `pod: "test-pod_default(`) {
		t.Errorf("events = %+v", rec.events)
	}
	k.opts.ResolvConf = filepath.Join(t.TempDir(), "missing")
	if _, err := k.podDNSConfig(pod); err == nil {
		t.Error("missing --resolv-conf: no error")
	}
}
