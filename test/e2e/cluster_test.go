package e2e

// The whole cluster with real pods (issues 3 and 4): a two-node lab, the
// control plane, and the kubelet binary with its network agent on each node,
// for both network backends. Pods are the project's images (tools = busybox,
// testserver = HTTP on 8080 answering its pod name, IPs and the client's
// address); commands run inside pods with `ctr tasks exec` and inside nodes
// with `ip netns exec` (traffic safety: nothing is sent from the root
// namespace to a lab address).

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"minik8s/kubelet/network"
	"minik8s/pkg/api"
)

const (
	clusterPrefix = "mk8c"
	clusterNet3   = "192.168.85"
)

func TestCluster(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cl := startCluster(ctx, t, clusterConfig{Prefix: clusterPrefix, Net3: clusterNet3, Nodes: 2})
	for _, backend := range []string{network.BackendVXLAN, network.BackendHostGW} {
		if !t.Run(backend, func(t *testing.T) { testClusterBackend(ctx, t, cl, backend) }) {
			return
		}
	}
}

// toolsPod is a busybox pod that idles (and exits at once on SIGTERM).
func toolsPod(name, node string) *api.Pod {
	return &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, Labels: map[string]string{"app": "tools"}}, Spec: api.PodSpec{
		NodeName: node,
		Containers: []api.Container{{Name: "tools", Image: "docker.io/minik8s/tools:latest",
			Command: []string{"sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"}}},
	}}
}

// webPod is a testserver pod on port (8080 unless given).
func webPod(name, node string, port int32) *api.Pod {
	if port == 0 {
		port = 8080
	}
	return &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, Labels: map[string]string{"app": "web"}}, Spec: api.PodSpec{
		NodeName: node,
		Containers: []api.Container{{Name: "web", Image: "docker.io/minik8s/testserver:latest",
			Env:   []api.EnvVar{{Name: "POD_NAME", Value: name}, {Name: "PORT", Value: fmt.Sprint(port)}},
			Ports: []api.ContainerPort{{ContainerPort: port}}}},
	}}
}

// exampleOnNode is an examples/ manifest with spec.nodeName added (no scheduler yet).
func exampleOnNode(t *testing.T, file, node string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "examples", file))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	if strings.Count(doc, "\nspec:\n") != 1 {
		t.Fatalf("%s: want exactly one top-level spec:", file)
	}
	doc = strings.Replace(doc, "\nspec:\n", "\nspec:\n  nodeName: "+node+"\n", 1)
	path := filepath.Join(t.TempDir(), file)
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// hello is what the testserver's / answers.
type hello struct{ pod, ips, client string }

func parseHello(body string) hello {
	var h hello
	for _, line := range strings.Split(body, "\n") {
		k, v, _ := strings.Cut(line, ": ")
		switch k {
		case "pod":
			h.pod = v
		case "ips":
			h.ips = v
		case "client":
			h.client = v
		}
	}
	return h
}

// clientHost is the host part of a client address as the testserver shows it.
func clientHost(addr string) string {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return addr
	}
	return ap.Addr().Unmap().String()
}

func testClusterBackend(ctx context.Context, t *testing.T, cl *cluster, backend string) {
	n1, n2 := cl.node(1), cl.node(2)
	t.Cleanup(func() {
		// The next backend starts from no pods, no kubelets and no nodes.
		cctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		if err := cl.deleteAllPods(cctx, 2); err != nil {
			t.Errorf("cleanup: %v", err)
		}
		for _, n := range cl.nodes {
			n.stop()
			if err := cl.c.Nodes().Delete(cctx, n.Name, nil); err != nil {
				t.Logf("cleanup: delete node %s: %v", n.Name, err)
			}
		}
	})
	start := time.Now()
	cl.startKubelets(ctx, t, backend)
	t.Logf("kubelets Ready in %v", time.Since(start).Round(time.Millisecond))

	// Every pod at once: plain pods on both nodes, the seeds' hostPort pod
	// and two-container pod (from examples/, applied with our kubectl), and
	// a hostNetwork server on node2.
	start = time.Now()
	hn := webPod("hostnet2", n2.Name, 8090)
	hn.Spec.HostNetwork = true
	for _, p := range []*api.Pod{toolsPod("tools1", n1.Name), webPod("web1", n1.Name, 0),
		toolsPod("tools2", n2.Name), webPod("web2", n2.Name, 0), hn} {
		cl.createPod(ctx, t, p)
	}
	for _, f := range []string{"hostport-pod.yaml", "pod-shared-emptydir.yaml"} {
		if out, err := cl.kubectl(ctx, "apply", "-f", exampleOnNode(t, f, n1.Name)); err != nil {
			t.Fatalf("kubectl apply %s: %v\n%s", f, err, out)
		}
	}
	pods := map[string]*api.Pod{}
	for _, name := range []string{"tools1", "web1", "tools2", "web2", "hostnet2", "nginx", "pod1"} {
		pods[name] = cl.waitRunning(ctx, t, name)
	}
	t.Logf("7 pods Running in %v", time.Since(start).Round(time.Millisecond))
	tools1, tools2, web1, web2 := pods["tools1"], pods["tools2"], pods["web1"], pods["web2"]
	for name, p := range pods {
		want := n1
		if p.Spec.NodeName == n2.Name {
			want = n2
		}
		if p.Status.HostIP != want.IP || p.Status.PodIP == "" {
			t.Errorf("pod %s: hostIP %q podIP %q", name, p.Status.HostIP, p.Status.PodIP)
		}
	}
	cidr := map[string]netip.Prefix{}
	for _, n := range cl.nodes {
		node, err := cl.c.Nodes().Get(ctx, n.Name)
		if err != nil {
			t.Fatal(err)
		}
		if cidr[n.Name], err = netip.ParsePrefix(node.Spec.PodCIDR); err != nil {
			t.Fatalf("node %s podCIDR %q", n.Name, node.Spec.PodCIDR)
		}
	}
	for _, name := range []string{"tools1", "web1", "tools2", "web2", "nginx", "pod1"} {
		if ip, err := netip.ParseAddr(pods[name].Status.PodIP); err != nil || !cidr[pods[name].Spec.NodeName].Contains(ip) {
			t.Errorf("pod %s IP %q is not in its node's podCIDR %s", name, pods[name].Status.PodIP, cidr[pods[name].Spec.NodeName])
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	// httpFrom fetches url from inside a tools pod; nodeHTTP from a node.
	httpFrom := func(from *api.Pod, url string) (string, error) {
		return podExec(ctx, from, "tools", "timeout", "5", "wget", "-q", "-O", "-", url)
	}
	nodeHTTP := func(node, url string) (string, error) {
		return nodeExec(ctx, node, "timeout", "5", "busybox", "wget", "-q", "-O", "-", url)
	}
	// serves checks that url, fetched from inside pod from (or node when
	// from is nil), is answered by pod wantPod, seeing client wantClient
	// ("" = any), retrying for a few seconds.
	serves := func(t *testing.T, from *api.Pod, node, url, wantPod, wantClient string) hello {
		t.Helper()
		var h hello
		eventuallyOK(t, 15*time.Second, fmt.Sprintf("GET %s from %s%s", url, node, podName(from)), func() string {
			var body string
			var err error
			if from != nil {
				body, err = httpFrom(from, url)
			} else {
				body, err = nodeHTTP(node, url)
			}
			h = parseHello(body)
			if err != nil || h.pod != wantPod || (wantClient != "" && clientHost(h.client) != wantClient) {
				return fmt.Sprintf("%q, %v (want pod %s, client %s)", body, err, wantPod, wantClient)
			}
			return ""
		})
		return h
	}
	pingFrom := func(from *api.Pod, ip string) error {
		out, err := podExec(ctx, from, "tools", "ping", "-c", "1", "-W", "2", ip)
		if err != nil {
			return fmt.Errorf("%w: %s", err, out)
		}
		return nil
	}

	t.Run("pod to pod on one node", func(t *testing.T) {
		if err := pingFrom(tools1, web1.Status.PodIP); err != nil {
			t.Errorf("ping tools1 -> web1 %s: %v", web1.Status.PodIP, err)
		}
		serves(t, tools1, "", "http://"+web1.Status.PodIP+":8080/", "web1", tools1.Status.PodIP)
		serves(t, tools2, "", "http://"+web2.Status.PodIP+":8080/", "web2", tools2.Status.PodIP)
	})

	t.Run("pod to pod across nodes, no NAT", func(t *testing.T) {
		for _, c := range []struct{ from, to *api.Pod }{{tools1, web2}, {tools2, web1}} {
			if err := pingFrom(c.from, c.to.Status.PodIP); err != nil {
				t.Errorf("ping %s -> %s %s: %v", c.from.Name, c.to.Name, c.to.Status.PodIP, err)
			}
			serves(t, c.from, "", "http://"+c.to.Status.PodIP+":8080/", c.to.Name, c.from.Status.PodIP)
		}
	})

	t.Run("node to pod and pod to node", func(t *testing.T) {
		for _, c := range []struct {
			node string
			to   *api.Pod
		}{{n1.Name, web1}, {n1.Name, web2}, {n2.Name, web1}} {
			if out, err := nodeExec(ctx, c.node, "ping", "-c", "1", "-W", "2", c.to.Status.PodIP); err != nil {
				t.Errorf("ping %s -> %s: %v\n%s", c.node, c.to.Name, err, out)
			}
			serves(t, nil, c.node, "http://"+c.to.Status.PodIP+":8080/", c.to.Name, "")
		}
		for _, ip := range []string{n1.IP, n2.IP} {
			if err := pingFrom(tools1, ip); err != nil {
				t.Errorf("ping tools1 -> node %s: %v", ip, err)
			}
		}
		// The route to node2's pods is the backend's.
		want := fmt.Sprintf("%s via %s dev eth0", cidr[n2.Name], n2.IP)
		if backend == network.BackendVXLAN {
			want = fmt.Sprintf("%s via %s dev flannel.1 onlink", cidr[n2.Name], cidr[n2.Name].Addr())
		}
		if r := must(ctx, t, "ip", "-n", n1.Name, "route", "show", cidr[n2.Name].String()); strings.TrimSpace(r) != want {
			t.Errorf("node1's route to node2's pods: %q, want %q", r, want)
		}
		if out, err := sh(ctx, "ip", "-n", n1.Name, "link", "show", "flannel.1"); (err == nil) != (backend == network.BackendVXLAN) {
			t.Errorf("flannel.1 on node1 with backend %s: %s %v", backend, out, err)
		}
		// To the other node's own address: masqueraded to node1's address.
		serves(t, tools1, "", "http://"+n2.IP+":8090/", "hostnet2", n1.IP)
	})

	t.Run("the pod sees its IP on eth0 and its veth is on cni0", func(t *testing.T) {
		out, err := podExec(ctx, tools1, "tools", "ip", "-4", "-o", "addr", "show", "dev", "eth0")
		if err != nil || !strings.Contains(out, " "+tools1.Status.PodIP+"/24 ") {
			t.Errorf("tools1 eth0 addresses: %q, %v", out, err)
		}
		link, err := podExec(ctx, tools1, "tools", "ip", "-o", "link", "show", "dev", "eth0")
		m := regexp.MustCompile(`^\d+: eth0@if(\d+):`).FindStringSubmatch(link)
		if err != nil || m == nil {
			t.Fatalf("tools1 eth0 link: %q, %v", link, err)
		}
		iflink := m[1]
		ports := must(ctx, t, "ip", "-n", n1.Name, "-o", "link", "show", "master", "cni0")
		var veth string
		for _, line := range strings.Split(ports, "\n") {
			if strings.HasPrefix(line, iflink+": ") {
				veth = line
			}
		}
		if !strings.Contains(veth, ": veth") || !strings.Contains(veth, " master cni0 ") {
			t.Errorf("the host side of tools1's eth0 (ifindex %s) is not a veth on cni0 of %s:\n%s", iflink, n1.Name, ports)
		}
		// bridge link lists the same port on cni0.
		if bl := must(ctx, t, "bridge", "-n", n1.Name, "link", "show"); !regexp.MustCompile(`(?m)^` + iflink + `: veth\S+ .*master cni0`).MatchString(bl) {
			t.Errorf("bridge link on %s lacks port %s:\n%s", n1.Name, iflink, bl)
		}
		// One port per pod with a pod network on node1: tools1, web1, nginx, pod1.
		if n := strings.Count(strings.TrimSpace(ports), "\n") + 1; n != 4 {
			t.Errorf("cni0 on %s has %d ports, want 4:\n%s", n1.Name, n, ports)
		}
	})

	t.Run("hostPort", func(t *testing.T) {
		nginx := pods["nginx"]
		url := "http://" + n1.IP + ":8081/"
		serves(t, nil, n2.Name, url, "nginx", "")
		serves(t, tools2, "", url, "nginx", "")
		if out, err := nodeExec(ctx, n1.Name, "iptables-save", "-t", "nat"); err != nil || !strings.Contains(out, "-j DNAT --to-destination "+nginx.Status.PodIP+":80") {
			t.Errorf("no hostPort DNAT to %s:80 on %s: %v\n%s", nginx.Status.PodIP, n1.Name, err, out)
		}
		// A second pod on node1 claiming the same hostPort is refused.
		clash := webPod("nginx-clash", n1.Name, 80)
		clash.Spec.Containers[0].Ports[0].HostPort = 8081
		cl.createPod(ctx, t, clash)
		p := cl.waitPod(ctx, t, "nginx-clash", 30*time.Second, "Failed", func(p *api.Pod) bool { return p.Status.Phase == api.PodFailed })
		if p.Status.Reason != "NodePorts" {
			t.Errorf("nginx-clash: reason %q message %q, want NodePorts", p.Status.Reason, p.Status.Message)
		}
		if ls, _ := sh(ctx, "ctr", "-n", n1.Name, "containers", "ls"); strings.Contains(ls, "nginx-clash") {
			t.Errorf("the refused pod has containers:\n%s", ls)
		}
		serves(t, nil, n2.Name, url, "nginx", "")
	})

	t.Run("hostNetwork", func(t *testing.T) {
		p := pods["hostnet2"]
		if p.Status.PodIP != n2.IP {
			t.Errorf("hostNetwork pod IP %q, want node2's %s", p.Status.PodIP, n2.IP)
		}
		h := serves(t, nil, n1.Name, "http://"+n2.IP+":8090/", "hostnet2", n1.IP)
		if !strings.Contains(","+h.ips+",", ","+n2.IP+",") {
			t.Errorf("hostNetwork pod sees addresses %q, want node2's %s among them", h.ips, n2.IP)
		}
	})

	t.Run("two containers share an emptyDir", func(t *testing.T) {
		// The fileserver container writes the file into the volume; the
		// downloader container's httpd serves it, read from the node.
		ip := pods["pod1"].Status.PodIP
		content := "written by the fileserver " + backend
		out, err := nodeExec(ctx, n1.Name, "timeout", "5", "busybox", "wget", "-q", "-O", "-", "--post-data", content, "http://"+ip+":8080/files/shared.txt")
		if err != nil || !strings.Contains(out, "wrote") {
			t.Fatalf("POST to the fileserver: %q, %v", out, err)
		}
		if got, err := nodeHTTP(n1.Name, "http://"+ip+":3000/shared.txt"); err != nil || got != content {
			t.Errorf("GET from the downloader: %q, %v, want %q", got, err, content)
		}
	})

	t.Run("kubectl get pods -o wide", func(t *testing.T) {
		out, err := cl.kubectl(ctx, "get", "pods", "-o", "wide")
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		for _, want := range []*regexp.Regexp{
			regexp.MustCompile(`(?m)^tools1\s+1/1\s+Running\s+0\s+\S+\s+` + regexp.QuoteMeta(tools1.Status.PodIP) + `\s+` + n1.Name + `\b`),
			regexp.MustCompile(`(?m)^pod1\s+2/2\s+Running\s+0\s+\S+\s+` + regexp.QuoteMeta(pods["pod1"].Status.PodIP) + `\s+` + n1.Name + `\b`),
			regexp.MustCompile(`(?m)^hostnet2\s+1/1\s+Running\s+0\s+\S+\s+` + regexp.QuoteMeta(n2.IP) + `\s+` + n2.Name + `\b`),
			regexp.MustCompile(`(?m)^nginx-clash\s+0/1\s+NodePorts\s`),
		} {
			if !want.MatchString(out) {
				t.Errorf("kubectl get pods -o wide lacks %s:\n%s", want, out)
			}
		}
	})

	t.Run("kubectl exec", func(t *testing.T) {
		// Through the apiserver to each node's kubelet (dialled from inside the lab).
		out, err := cl.kubectl(ctx, "exec", "tools1", "--", "ip", "-4", "-o", "addr", "show", "dev", "eth0")
		if err != nil || !strings.Contains(out, " "+tools1.Status.PodIP+"/24 ") {
			t.Errorf("kubectl exec tools1 -- ip addr: %q, %v", out, err)
		}
		out, err = cl.kubectl(ctx, "exec", "tools2", "--", "timeout", "5", "wget", "-q", "-O", "-", "http://"+web1.Status.PodIP+":8080/")
		if h := parseHello(out); err != nil || h.pod != "web1" || clientHost(h.client) != tools2.Status.PodIP {
			t.Errorf("kubectl exec tools2 -- wget web1: %q, %v", out, err)
		}
		out, err = cl.kubectl(ctx, "exec", "pod1", "-c", "downloader", "--", "cat", "/data/shared.txt")
		if err != nil || out != "written by the fileserver "+backend {
			t.Errorf("kubectl exec pod1 -c downloader -- cat /data/shared.txt: %q, %v", out, err)
		}
		_, err = cl.kubectl(ctx, "exec", "tools2", "--", "sh", "-c", "exit 3")
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
			t.Errorf("kubectl exec -- sh -c 'exit 3': %v, want exit code 3", err)
		}
	})

	t.Run("a node leaving and rejoining", func(t *testing.T) {
		cidr2 := cidr[n2.Name]
		var mac2 string
		if backend == network.BackendVXLAN {
			node2, err := cl.c.Nodes().Get(ctx, n2.Name)
			if err != nil {
				t.Fatal(err)
			}
			if m := regexp.MustCompile(`"VtepMAC":"([0-9a-f:]+)"`).FindStringSubmatch(node2.Annotations[network.AnnotationBackendData]); m != nil {
				mac2 = m[1]
			} else {
				t.Fatalf("node2 backend-data %q", node2.Annotations[network.AnnotationBackendData])
			}
			if f := must(ctx, t, "bridge", "-n", n1.Name, "fdb", "show", "dev", "flannel.1"); !strings.Contains(f, mac2+" dst "+n2.IP+" ") {
				t.Fatalf("node1 has no FDB entry for node2 before it leaves:\n%s", f)
			}
		}
		if r := must(ctx, t, "ip", "-n", n1.Name, "route", "show", cidr2.String()); strings.TrimSpace(r) == "" {
			t.Fatalf("node1 has no route to node2's %s before it leaves", cidr2)
		}
		n2.stop()
		if err := cl.c.Nodes().Delete(ctx, n2.Name, nil); err != nil {
			t.Fatal(err)
		}
		left := time.Now()
		eventuallyOK(t, 10*time.Second, "node2's route, neighbour and FDB entries gone from node1", func() string {
			r, _ := sh(ctx, "ip", "-n", n1.Name, "route", "show", cidr2.String())
			n, _ := sh(ctx, "ip", "-n", n1.Name, "neigh", "show", cidr2.Addr().String())
			f, _ := sh(ctx, "bridge", "-n", n1.Name, "fdb", "show")
			if strings.TrimSpace(r) != "" || strings.Contains(n, "PERMANENT") || (mac2 != "" && strings.Contains(f, mac2)) {
				return fmt.Sprintf("route %q neigh %q fdb %q", r, n, f)
			}
			return ""
		})
		t.Logf("node1 forgot node2 in %v", time.Since(left).Round(time.Millisecond))
		if err := pingFrom(tools1, web2.Status.PodIP); err == nil {
			t.Errorf("a pod of the node that left still answers pings")
		}

		cl.startKubelet(t, n2, backend)
		node2 := cl.waitNodeReady(ctx, t, n2, backend)
		if node2.Spec.PodCIDR != cidr2.String() {
			t.Fatalf("rejoined node2 got %s, want its old %s (the lowest free block)", node2.Spec.PodCIDR, cidr2)
		}
		eventuallyOK(t, 15*time.Second, "node1's route to node2 back", func() string {
			if r, _ := sh(ctx, "ip", "-n", n1.Name, "route", "show", cidr2.String()); strings.TrimSpace(r) == "" {
				return "no route to " + cidr2.String()
			}
			return ""
		})
		serves(t, tools1, "", "http://"+web2.Status.PodIP+":8080/", "web2", tools1.Status.PodIP)
		serves(t, tools2, "", "http://"+web1.Status.PodIP+":8080/", "web1", tools2.Status.PodIP)
		// The rejoined kubelet adopted its pods: nothing restarted.
		p := cl.waitRunning(ctx, t, "web2")
		if p.Status.ContainerStatuses[0].RestartCount != 0 || p.Status.ContainerStatuses[0].ContainerID != web2.Status.ContainerStatuses[0].ContainerID {
			t.Errorf("web2 after the rejoin: %+v, was %+v", p.Status.ContainerStatuses[0], web2.Status.ContainerStatuses[0])
		}
	})

	t.Run("deleting all pods leaves nothing behind", func(t *testing.T) {
		dctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		if err := cl.deleteAllPods(dctx, 3); err != nil {
			t.Fatal(err)
		}
		for _, n := range cl.nodes {
			eventuallyOK(t, 15*time.Second, "nothing left on "+n.Name, func() string { return cl.leftovers(ctx, n) })
		}
		if out, _ := nodeExec(ctx, n1.Name, "iptables-save", "-t", "nat"); strings.Contains(out, "KUBE-HP-") {
			t.Errorf("hostPort chains left on %s:\n%s", n1.Name, out)
		}
	})
}

func podName(p *api.Pod) string {
	if p == nil {
		return ""
	}
	return "pod " + p.Name
}
