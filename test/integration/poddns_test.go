package integration

// Pod DNS, hosts and service environment through a real apiserver: a
// fake-runtime kubelet started with --cluster-dns gives its sandboxes the
// resolver settings of their dnsPolicy, hostname.subdomain and hostAliases,
// and its containers the variables of the Services that exist when they
// start.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	"minik8s/kubelet"
	"minik8s/kubelet/runtime"
	"minik8s/pkg/api"
)

// startWith runs the harness's kubelet with opts changed by tweak.
func (h *kubeletHarness) startWith(tweak func(*kubelet.Options)) {
	h.t.Helper()
	opts := kubelet.DefaultOptions()
	opts.NodeName, opts.NodeIP, opts.Port = "node1", "127.0.0.1", 0
	opts.RootDir = h.rootDir
	opts.HeartbeatInterval = 200 * time.Millisecond
	opts.RelistInterval = 100 * time.Millisecond
	opts.SyncInterval = time.Second
	tweak(&opts)
	k, err := kubelet.New(opts, h.c, h.rt)
	if err != nil {
		h.t.Fatal(err)
	}
	if h.rec != nil {
		k.Recorder, k.WithFieldPath = h.rec, withFieldPath
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.k, h.cancel, h.done = k, cancel, make(chan error, 1)
	go func() { h.done <- k.Run(ctx) }()
}

func TestPodDNSHostsAndServiceEnv(t *testing.T) {
	h := newKubeletHarness(t)
	resolv := filepath.Join(t.TempDir(), "resolv.conf")
	if err := os.WriteFile(resolv, []byte("nameserver 192.0.2.53\nsearch lab.example\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	waitUntil(t, 15*time.Second, "the kubernetes Service", func() (bool, string) {
		_, err := h.c.Services("default").Get(ctx, "kubernetes")
		return err == nil, fmt.Sprint(err)
	})
	// A Service before the pods: its variables are in their containers.
	// It exists before the kubelet starts, so that the kubelet's first
	// list of Services has it (a Service created just before a pod may
	// reach the kubelet's informer after the pod's container started, in
	// Kubernetes as here).
	svc := &api.Service{ObjectMeta: api.ObjectMeta{Name: "foo-svc"}, Spec: api.ServiceSpec{
		Selector: map[string]string{"app": "foo"}, Ports: []api.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080)}}}}
	svc, err := h.c.Services("default").Create(ctx, svc)
	if err != nil {
		t.Fatal(err)
	}
	h.startWith(func(o *kubelet.Options) {
		o.ClusterDNS, o.ClusterDomain, o.ResolvConf = []string{"10.96.0.10"}, "cluster.local", resolv
	})
	three := "3"
	pod := func(name string, edit func(*api.PodSpec)) *api.Pod {
		p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: name}, Spec: api.PodSpec{NodeName: "node1",
			Containers: []api.Container{{Name: "c", Image: "docker.io/minik8s/tools:latest", Env: []api.EnvVar{{Name: "FOO_SVC_SERVICE_PORT", Value: "mine"}}}}}}
		edit(&p.Spec)
		return p
	}
	cases := []struct {
		pod                  *api.Pod
		ns, search, opts     string
		hostname, domain, ip string
		aliases              []runtime.HostAlias
		fooEnv               bool
	}{
		{pod("cf", func(s *api.PodSpec) {
			s.Hostname, s.Subdomain = "web-0", "web"
			s.HostAliases = []api.HostAlias{{IP: "10.1.2.3", Hostnames: []string{"foo.local", "bar.local"}}}
		}), "10.96.0.10", "default.svc.cluster.local svc.cluster.local cluster.local lab.example", "ndots:5",
			"web-0", "web.default.svc.cluster.local", "", []runtime.HostAlias{{IP: "10.1.2.3", Hostnames: []string{"foo.local", "bar.local"}}}, true},
		{pod("dflt", func(s *api.PodSpec) { s.DNSPolicy = "Default" }), "192.0.2.53", "lab.example", "", "dflt", "", "", nil, true},
		{pod("none", func(s *api.PodSpec) {
			s.DNSPolicy = "None"
			s.DNSConfig = &api.PodDNSConfig{Nameservers: []string{"1.2.3.4"}, Searches: []string{"ns1.svc.cluster.local", "my.dns.search.suffix"},
				Options: []api.PodDNSConfigOption{{Name: "ndots", Value: &three}, {Name: "edns0"}}}
			s.EnableServiceLinks = new(bool)
		}), "1.2.3.4", "ns1.svc.cluster.local my.dns.search.suffix", "ndots:3 edns0", "none", "", "", nil, false},
		{pod("hostnet", func(s *api.PodSpec) { s.HostNetwork = true }), "192.0.2.53", "lab.example", "", "hostnet", "", "", nil, true},
		{pod("hostnet-cf", func(s *api.PodSpec) { s.HostNetwork, s.DNSPolicy = true, "ClusterFirstWithHostNet" }),
			"10.96.0.10", "default.svc.cluster.local svc.cluster.local cluster.local lab.example", "ndots:5", "hostnet-cf", "", "", nil, true},
	}
	for _, tc := range cases {
		h.createPod(tc.pod)
	}
	for _, tc := range cases {
		name := tc.pod.Name
		p := h.waitPod(name, "running", func(p *api.Pod) bool { return p.Status.Phase == api.PodRunning })
		sbs, cs := h.runtimeOf(p.UID)
		if len(sbs) != 1 || len(cs) != 1 {
			t.Fatalf("%s: %d sandboxes, %d containers", name, len(sbs), len(cs))
		}
		cfg, _ := h.rt.SandboxConfig(sbs[0].ID)
		if cfg.DNS == nil || strings.Join(cfg.DNS.Nameservers, " ") != tc.ns || strings.Join(cfg.DNS.Searches, " ") != tc.search || strings.Join(cfg.DNS.Options, " ") != tc.opts {
			t.Errorf("%s: DNS %+v, want %s / %s / %s", name, cfg.DNS, tc.ns, tc.search, tc.opts)
		}
		if cfg.Hostname != tc.hostname || cfg.HostDomain != tc.domain || !slices.EqualFunc(cfg.HostAliases, tc.aliases, func(a, b runtime.HostAlias) bool {
			return a.IP == b.IP && slices.Equal(a.Hostnames, b.Hostnames)
		}) {
			t.Errorf("%s: hostname %q domain %q aliases %+v", name, cfg.Hostname, cfg.HostDomain, cfg.HostAliases)
		}
		ccfg, _ := h.rt.ContainerConfig(cs[0].ID)
		env := strings.Join(ccfg.Env, "\n") + "\n"
		if !strings.Contains(env, "KUBERNETES_SERVICE_HOST=10.96.0.1\n") || !strings.Contains(env, "KUBERNETES_SERVICE_PORT=443\n") {
			t.Errorf("%s: no kubernetes Service variables in %q", name, env)
		}
		if got := strings.Contains(env, "FOO_SVC_SERVICE_HOST="+svc.Spec.ClusterIP+"\n"); got != tc.fooEnv {
			t.Errorf("%s: FOO_SVC_SERVICE_HOST present %v, want %v: %q", name, got, tc.fooEnv, env)
		}
		if tc.fooEnv && (!strings.HasPrefix(env, "FOO_SVC_SERVICE_PORT=mine\n") || strings.Count(env, "FOO_SVC_SERVICE_PORT=") != 1 ||
			!strings.Contains(env, "FOO_SVC_SERVICE_PORT_HTTP=80\n") || !strings.Contains(env, "FOO_SVC_PORT=tcp://"+svc.Spec.ClusterIP+":80\n")) {
			t.Errorf("%s: env %q", name, env)
		}
	}
}

func TestPodDNSWithoutClusterDNSFallsBackToDefault(t *testing.T) {
	h := newKubeletHarness(t)
	h.rec = &eventLog{}
	resolv := filepath.Join(t.TempDir(), "resolv.conf")
	if err := os.WriteFile(resolv, []byte("nameserver 192.0.2.53\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.startWith(func(o *kubelet.Options) { o.ResolvConf = resolv })
	p := h.createPod(&api.Pod{ObjectMeta: api.ObjectMeta{Name: "nodns"}, Spec: api.PodSpec{NodeName: "node1",
		Containers: []api.Container{{Name: "c", Image: "docker.io/minik8s/tools:latest"}}}})
	h.waitPod(p.Name, "running", func(p *api.Pod) bool { return p.Status.Phase == api.PodRunning })
	sbs, _ := h.runtimeOf(p.UID)
	cfg, _ := h.rt.SandboxConfig(sbs[0].ID)
	if cfg.DNS == nil || strings.Join(cfg.DNS.Nameservers, " ") != "192.0.2.53" || len(cfg.DNS.Searches) != 0 {
		t.Errorf("DNS = %+v", cfg.DNS)
	}
	waitUntil(t, 5*time.Second, "MissingClusterDNS events", func() (bool, string) {
		n := 0
		for _, e := range h.rec.all() {
			if strings.Contains(e, " Warning MissingClusterDNS: ") {
				n++
			}
		}
		return n == 2, strings.Join(h.rec.all(), "\n")
	})
}
