package e2e

// Pods' DNS, hosts and service environment (issue 11, the kubelet's part)
// on a one-node lab with real containers: /etc/resolv.conf for every
// dnsPolicy (the seeds' dnsutils pods from examples/ among them),
// /etc/hosts with hostname.subdomain and hostAliases, and the
// KUBERNETES_SERVICE_* and FOO_SERVICE_* variables. No DNS server is
// needed: the files and the environment are read with `ctr tasks exec`.

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	"minik8s/pkg/api"
	"minik8s/pkg/api/decode"
)

const (
	podDNSPrefix = "mk8r"
	podDNSNet3   = "192.168.97"
)

// hostResolv is the node's resolver as the kubelet parses --resolv-conf
// (/etc/resolv.conf): every nameserver, the last search and options lines.
func hostResolv(t *testing.T) (ns, search, opts []string) {
	t.Helper()
	b, err := os.ReadFile("/etc/resolv.conf")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		switch f[0] {
		case "nameserver":
			if len(f) > 1 {
				ns = append(ns, f[1])
			}
		case "search":
			search = nil
			for _, s := range f[1:] {
				search = append(search, strings.TrimSuffix(s, "."))
			}
		case "options":
			opts = f[1:]
		}
	}
	return ns, search, opts
}

func resolvText(ns, search, opts []string) string {
	var b strings.Builder
	for _, n := range ns {
		b.WriteString("nameserver " + n + "\n")
	}
	if len(search) > 0 {
		b.WriteString("search " + strings.Join(search, " ") + "\n")
	}
	if len(opts) > 0 {
		b.WriteString("options " + strings.Join(opts, " ") + "\n")
	}
	return b.String()
}

// examplePod is a pod of examples/ named name on node.
func examplePod(t *testing.T, file, name, node string) *api.Pod {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "examples", file))
	if err != nil {
		t.Fatal(err)
	}
	objs, err := decode.DecodeAll(data)
	if err != nil || len(objs) != 1 {
		t.Fatalf("%s: %d objects, %v", file, len(objs), err)
	}
	p := objs[0].(*api.Pod)
	p.Name, p.Spec.NodeName = name, node
	return p
}

func TestPodDNS(t *testing.T) {
	hostNS, hostSearch, hostOpts := hostResolv(t)
	if len(hostNS)+len(hostSearch)+len(hostOpts) == 0 {
		t.Skip("the machine's /etc/resolv.conf has no settings")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute) // the first image build compiles the static minik8s
	defer cancel()
	cl := startCluster(ctx, t, clusterConfig{Prefix: podDNSPrefix, Net3: podDNSNet3, Nodes: 1})
	cl.startKubelets(ctx, t, "vxlan")
	node := cl.node(1).Name

	// A Service first: pods created after it have its variables.
	svc, err := cl.c.Services("default").Create(ctx, &api.Service{ObjectMeta: api.ObjectMeta{Name: "foo"}, Spec: api.ServiceSpec{
		Selector: map[string]string{"app": "foo"}, Ports: []api.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080)}}}})
	if err != nil {
		t.Fatal(err)
	}

	clusterSearch := append([]string{"default.svc.cluster.local", "svc.cluster.local", "cluster.local"}, hostSearch...)
	clusterFirst := resolvText([]string{"10.96.0.10"}, omitDup(clusterSearch), []string{"ndots:5"})
	dflt := resolvText(hostNS, hostSearch, hostOpts)

	two := "2"
	none := toolsPod("dns-none", node)
	none.Spec.DNSPolicy = "None"
	none.Spec.DNSConfig = &api.PodDNSConfig{Nameservers: []string{"192.0.2.1"}, Searches: []string{"ns1.svc.cluster-domain.example", "my.dns.search.suffix"},
		Options: []api.PodDNSConfigOption{{Name: "ndots", Value: &two}, {Name: "edns0"}}}
	dnsDefault := toolsPod("dns-default", node)
	dnsDefault.Spec.DNSPolicy = "Default"
	named := toolsPod("dns-named", node)
	named.Spec.Hostname, named.Spec.Subdomain = "web-0", "web"
	named.Spec.HostAliases = []api.HostAlias{{IP: "10.1.2.3", Hostnames: []string{"foo.local", "bar.local"}}}
	hostAliased := examplePod(t, "dnsutils-hostnetwork.yaml", "dns-hostnet", node)
	hostAliased.Spec.HostAliases = []api.HostAlias{{IP: "10.1.2.4", Hostnames: []string{"db.local"}}}

	cases := []struct {
		pod    *api.Pod
		resolv string
	}{
		{examplePod(t, "dnsutils-pod.yaml", "dnsutils", node), clusterFirst},
		{hostAliased, dflt},
		{examplePod(t, "dnsutils-hostnetwork-clusterdns.yaml", "dns-hostnet-cf", node), clusterFirst},
		{dnsDefault, dflt},
		{none, "nameserver 192.0.2.1\nsearch ns1.svc.cluster-domain.example my.dns.search.suffix\noptions ndots:2 edns0\n"},
		{named, clusterFirst},
	}
	for _, tc := range cases {
		cl.createPod(ctx, t, tc.pod)
	}
	pods := map[string]*api.Pod{}
	for _, tc := range cases {
		p := cl.waitRunning(ctx, t, tc.pod.Name)
		pods[p.Name] = p
		got, err := podExec(ctx, p, p.Spec.Containers[0].Name, "cat", "/etc/resolv.conf")
		if err != nil || got != tc.resolv {
			t.Errorf("%s (dnsPolicy %s, hostNetwork %v): /etc/resolv.conf\n%s(%v)\nwant\n%s", p.Name, p.Spec.DNSPolicy, p.Spec.HostNetwork, got, err, tc.resolv)
		}
	}

	// /etc/hosts: the pod's IP with hostname.subdomain.ns.svc.cluster.local.
	p := pods["dns-named"]
	hosts, err := podExec(ctx, p, "tools", "cat", "/etc/hosts")
	wantTail := p.Status.PodIP + "\tweb-0.web.default.svc.cluster.local\tweb-0\n\n# Entries added by HostAliases.\n10.1.2.3\tfoo.local\n10.1.2.3\tbar.local\n"
	if err != nil || !strings.HasPrefix(hosts, "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n") || !strings.HasSuffix(hosts, wantTail) {
		t.Errorf("dns-named /etc/hosts:\n%s(%v)\nwant it to end with\n%s", hosts, err, wantTail)
	}
	if h, err := podExec(ctx, p, "tools", "hostname"); err != nil || h != "web-0\n" {
		t.Errorf("dns-named hostname = %q %v", h, err)
	}
	// hostNetwork: the node's hosts file, then the hostAliases.
	nodeHosts, err := os.ReadFile("/etc/hosts")
	if err != nil {
		t.Fatal(err)
	}
	wantHosts := "# Kubernetes-managed hosts file (host network).\n" + string(nodeHosts) + "\n# Entries added by HostAliases.\n10.1.2.4\tdb.local\n"
	if got, err := podExec(ctx, pods["dns-hostnet"], "dnsutils", "cat", "/etc/hosts"); err != nil || got != wantHosts {
		t.Errorf("dns-hostnet /etc/hosts:\n%s(%v)\nwant\n%s", got, err, wantHosts)
	}

	// The service environment.
	env, err := podExec(ctx, pods["dnsutils"], "dnsutils", "env")
	if err != nil {
		t.Fatalf("env: %v", err)
	}
	for _, want := range []string{"KUBERNETES_SERVICE_HOST=10.96.0.1\n", "KUBERNETES_SERVICE_PORT=443\n", "KUBERNETES_PORT=tcp://10.96.0.1:443\n",
		"FOO_SERVICE_HOST=" + svc.Spec.ClusterIP + "\n", "FOO_SERVICE_PORT=80\n", "FOO_SERVICE_PORT_HTTP=80\n",
		"FOO_PORT_80_TCP=tcp://" + svc.Spec.ClusterIP + ":80\n", "FOO_PORT_80_TCP_ADDR=" + svc.Spec.ClusterIP + "\n"} {
		if !strings.Contains("\n"+env, "\n"+want) {
			t.Errorf("env lacks %q:\n%s", want, env)
		}
	}
	if err := cl.deleteAllPods(ctx, 0); err != nil {
		t.Errorf("deleting the pods: %v", err)
	}
}

func omitDup(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
