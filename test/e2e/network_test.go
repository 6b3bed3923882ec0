package e2e

// The pod network end to end (issue 4): a two-node lab of its own, an
// in-process apiserver (reachable from the nodes on the lab bridge) and node
// IPAM controller, `minik8s netagent` in each node namespace, and "pods"
// emulated exactly as the CNI bridge plugin makes them (a network namespace
// with a veth on cni0 and an address of the node's podCIDR). Both backends.
//
// Traffic safety: every packet to a pod or node address is sent from inside
// a lab namespace (ip netns exec); the test process only talks to the
// apiserver on 127.0.0.1.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"minik8s/apiserver"
	"minik8s/apiserver/testserver"
	"minik8s/controller"
	"minik8s/kubelet/network"
	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
)

const (
	netPrefix = "mk8n"
	netNet3   = "192.168.87"
	netNode1  = netPrefix + "-node1"
	netNode2  = netPrefix + "-node2"
	netIP1    = netNet3 + ".11"
	netIP2    = netNet3 + ".12"
)

// proc is a background process of the test (an agent, a server).
type proc struct {
	name string
	cmd  *exec.Cmd
	out  *bytes.Buffer
	mu   *sync.Mutex
	done chan struct{}
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// start runs args in the background until stopped (at cleanup at the latest).
func start(t testing.TB, name string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, out: &bytes.Buffer{}, mu: &sync.Mutex{}, done: make(chan struct{})}
	p.cmd = exec.Command(args[0], args[1:]...)
	p.cmd.Stdout = lockedWriter{p.mu, p.out}
	p.cmd.Stderr = lockedWriter{p.mu, p.out}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(p.stop)
	return p
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

func (p *proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// eventually retries check (which returns a description of what is wrong,
// or "") for up to d.
func eventuallyOK(t testing.TB, d time.Duration, what string, check func() string) {
	t.Helper()
	var last string
	for deadline := time.Now().Add(d); ; time.Sleep(200 * time.Millisecond) {
		if last = check(); last == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still after %v: %s", what, d, last)
		}
	}
}

// fakePod is a pod network namespace made like the CNI bridge plugin does.
type fakePod struct {
	name, node, ip string
}

// addPod creates the pod's namespace, veth on cni0, address and default
// route, a busybox httpd on :8080 answering "pod <name>", and removes them
// at cleanup.
func addPod(ctx context.Context, t testing.TB, p fakePod, podCIDR netip.Prefix, mtu int) {
	t.Helper()
	ns := p.name
	hostVeth := "v" + p.name
	gw := podCIDR.Addr().Next().String()
	rm := func() {
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = sh(cctx, "ip", "-n", p.node, "link", "del", hostVeth)
		_, _ = sh(cctx, "ip", "netns", "del", ns)
	}
	rm() // leftovers of a killed run
	t.Cleanup(rm)
	mustTB(ctx, t, "ip", "netns", "add", ns)
	mustTB(ctx, t, "ip", "-n", p.node, "link", "add", hostVeth, "mtu", fmt.Sprint(mtu), "type", "veth", "peer", "name", "eth0", "mtu", fmt.Sprint(mtu), "netns", ns)
	mustTB(ctx, t, "ip", "-n", p.node, "link", "set", hostVeth, "master", "cni0", "up")
	mustTB(ctx, t, "ip", "-n", ns, "link", "set", "lo", "up")
	mustTB(ctx, t, "ip", "-n", ns, "addr", "add", p.ip+"/"+fmt.Sprint(podCIDR.Bits()), "dev", "eth0")
	mustTB(ctx, t, "ip", "-n", ns, "link", "set", "eth0", "up")
	mustTB(ctx, t, "ip", "-n", ns, "route", "add", "default", "via", gw)
	dir := webRoot(t, "pod "+p.name+"\n")
	srv := start(t, "httpd "+p.name, "ip", "netns", "exec", ns, "busybox", "httpd", "-f", "-p", "8080", "-h", dir)
	t.Cleanup(srv.stop) // before rm (cleanups run last-in first-out)
}

// webRoot is a busybox httpd root with index.html and the CGI script
// /cgi-bin/ip that answers the client's address as the server sees it.
func webRoot(t testing.TB, index string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "cgi-bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte(index), 0o644); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\necho 'Content-Type: text/plain'\necho\necho \"$REMOTE_ADDR\"\n"
	if err := os.WriteFile(filepath.Join(dir, "cgi-bin", "ip"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// clientIP is the address a server sees for from (busybox httpd may show
// it IPv6-mapped: [::ffff:a.b.c.d]).
func clientIP(ctx context.Context, t *testing.T, from, url string) string {
	t.Helper()
	out, err := get(ctx, from, url)
	if err != nil {
		t.Fatalf("GET %s from %s: %v", url, from, err)
	}
	return strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(out), "[::ffff:"), "["), "]")
}

// mustTB is must for tests and benchmarks.
func mustTB(ctx context.Context, tb testing.TB, args ...string) string {
	tb.Helper()
	out, err := sh(ctx, args...)
	if err != nil {
		tb.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// get fetches url from inside netns ns.
func get(ctx context.Context, ns, url string) (string, error) {
	return sh(ctx, "ip", "netns", "exec", ns, "timeout", "10", "busybox", "wget", "-q", "-O", "-", url)
}

func ping(ctx context.Context, ns, ip string) error {
	_, err := sh(ctx, "ip", "netns", "exec", ns, "ping", "-c", "1", "-W", "2", ip)
	return err
}

// netLab is the test's cluster: the lab, the control plane, two Nodes
// with their podCIDRs, and the minik8s binary for the agents.
type netLab struct {
	l            *lab
	bin, labURL  string
	c            *mkclient.Client
	cidr1, cidr2 netip.Prefix
	stopCM       func()
	createNode   func(tb testing.TB, name, ip string)
	podCIDR      func(tb testing.TB, name string) netip.Prefix
}

// setupNetLab brings up the lab (torn down at cleanup), builds minik8s,
// starts the apiserver and the controller-manager and creates the nodes.
func setupNetLab(ctx context.Context, tb testing.TB) *netLab {
	tb.Helper()
	root := repoRootTB(tb)
	l := &lab{root: root, state: tb.TempDir()}
	l.env = append(os.Environ(),
		"MK8S_LAB_PREFIX="+netPrefix,
		"MK8S_LAB_SUBNET="+netNet3+".0/24",
		"MINIK8S_STATE="+l.state,
		"NODES=2",
		"SKIP_IMAGES=1",
	)
	if out, err := l.script(ctx, "down.sh"); err != nil {
		tb.Fatalf("down.sh before the test: %v\n%s", err, out)
	}
	tb.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer ccancel()
		if out, err := l.script(cctx, "down.sh"); err != nil {
			tb.Errorf("down.sh in cleanup: %v\n%s", err, out)
		}
	})
	if out, err := l.script(ctx, "up.sh"); err != nil {
		tb.Fatalf("up.sh: %v\n%s", err, out)
	}

	bin := filepath.Join(tb.TempDir(), "minik8s")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/minik8s")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}

	// The control plane: apiserver on loopback and on the lab bridge, and
	// the node IPAM controller.
	ts := testserver.StartWithOptions(tb, func(o *apiserver.Options) { o.BindAddress = "127.0.0.1," + netNet3 + ".1" })
	port := ts.URL[strings.LastIndex(ts.URL, ":")+1:]
	labURL := "http://" + netNet3 + ".1:" + port
	c, err := mkclient.New(&mkclient.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	cmOpts := controller.DefaultOptions()
	cmOpts.APIServer = ts.URL
	cmCtx, cmCancel := context.WithCancel(context.Background())
	cmDone := make(chan error, 1)
	go func() { cmDone <- controller.Run(cmCtx, cmOpts) }()
	tb.Cleanup(func() { cmCancel(); <-cmDone })

	nl := &netLab{l: l, bin: bin, labURL: labURL, c: c, stopCM: cmCancel}
	nl.createNode = func(tb testing.TB, name, ip string) {
		tb.Helper()
		n := &api.Node{ObjectMeta: api.ObjectMeta{Name: name},
			Status: api.NodeStatus{Addresses: []api.NodeAddress{{Type: api.NodeInternalIP, Address: ip}}}}
		if _, err := c.Nodes().Create(ctx, n); err != nil {
			tb.Fatalf("create node %s: %v", name, err)
		}
	}
	nl.podCIDR = func(tb testing.TB, name string) netip.Prefix {
		tb.Helper()
		var p netip.Prefix
		eventuallyOK(tb, 15*time.Second, "podCIDR of "+name, func() string {
			n, err := c.Nodes().Get(ctx, name)
			if err != nil {
				return err.Error()
			}
			if p, err = netip.ParsePrefix(n.Spec.PodCIDR); err != nil {
				return fmt.Sprintf("podCIDR %q", n.Spec.PodCIDR)
			}
			return ""
		})
		return p
	}
	nl.createNode(tb, netNode1, netIP1)
	nl.createNode(tb, netNode2, netIP2)
	cidr1, cidr2 := nl.podCIDR(tb, netNode1), nl.podCIDR(tb, netNode2)
	if cidr1 == cidr2 || cidr1.Bits() != 24 || !netip.MustParsePrefix("10.244.0.0/16").Contains(cidr1.Addr()) {
		tb.Fatalf("node CIDRs %s and %s", cidr1, cidr2)
	}
	tb.Logf("podCIDRs: %s=%s %s=%s", netNode1, cidr1, netNode2, cidr2)
	nl.cidr1, nl.cidr2 = cidr1, cidr2
	return nl
}

func repoRootTB(tb testing.TB) string {
	tb.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		tb.Fatal("cannot locate the test's source file")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

func TestPodNetwork(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: skipped with -short")
	}
	if os.Geteuid() != 0 {
		t.Skip("end-to-end: needs root")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()

	nl := setupNetLab(ctx, t)
	l, bin, labURL, c, cidr1, cidr2, cmCancel := nl.l, nl.bin, nl.labURL, nl.c, nl.cidr1, nl.cidr2, nl.stopCM
	createNode, podCIDR := nl.createNode, nl.podCIDR
	addr := func(p netip.Prefix, host byte) string {
		a := p.Addr().As4()
		a[3] = host
		return netip.AddrFrom4(a).String()
	}

	for _, backend := range []string{network.BackendVXLAN, network.BackendHostGW} {
		t.Run(backend, func(t *testing.T) {
			agents := map[string]*proc{}
			for _, node := range []string{netNode1, netNode2} {
				agents[node] = start(t, "netagent "+node, "ip", "netns", "exec", node, bin, "netagent",
					"--node-name", node, "--apiserver", labURL, "--backend", backend, "--resync", "2s")
			}
			defer func() {
				if t.Failed() {
					for n, a := range agents {
						t.Logf("agent %s output:\n%s", n, a.output())
					}
				}
			}()
			mtu := 1500
			if backend == network.BackendVXLAN {
				mtu = 1450
			}
			for node, cidr := range map[string]netip.Prefix{netNode1: cidr1, netNode2: cidr2} {
				want := fmt.Sprintf("inet %s/24 ", addr(cidr, 1))
				eventuallyOK(t, 20*time.Second, "cni0 on "+node, func() string {
					out, _ := sh(ctx, "ip", "-n", node, "-o", "addr", "show", "dev", "cni0")
					link, _ := sh(ctx, "ip", "-n", node, "-o", "link", "show", "dev", "cni0")
					if !strings.Contains(out, want) || !strings.Contains(link, fmt.Sprintf("mtu %d ", mtu)) {
						return fmt.Sprintf("cni0: %q %q, want %q mtu %d", out, link, want, mtu)
					}
					return ""
				})
			}
			// The pods (the last octets 10, 11 of each node's CIDR).
			suffix := map[string]string{network.BackendVXLAN: "x", network.BackendHostGW: "g"}[backend]
			p1a := fakePod{name: netPrefix + "-p1a" + suffix, node: netNode1, ip: addr(cidr1, 10)}
			p1b := fakePod{name: netPrefix + "-p1b" + suffix, node: netNode1, ip: addr(cidr1, 11)}
			p2a := fakePod{name: netPrefix + "-p2a" + suffix, node: netNode2, ip: addr(cidr2, 10)}
			addPod(ctx, t, p1a, cidr1, mtu)
			addPod(ctx, t, p1b, cidr1, mtu)
			addPod(ctx, t, p2a, cidr2, mtu)
			// A hostNetwork "pod": a server in node2's own namespace.
			hnDir := webRoot(t, "hostnetwork "+netNode2+"\n")
			hn := start(t, "hostnetwork httpd", "ip", "netns", "exec", netNode2, "busybox", "httpd", "-f", "-p", "8081", "-h", hnDir)
			defer hn.stop()

			reach := func(t *testing.T, from fakePod, url, want string) {
				t.Helper()
				eventuallyOK(t, 20*time.Second, fmt.Sprintf("GET %s from %s", url, from.name), func() string {
					body, err := get(ctx, from.name, url)
					if err != nil || body != want {
						return fmt.Sprintf("%q, %v", body, err)
					}
					return ""
				})
			}
			t.Run("pod to pod on one node", func(t *testing.T) {
				if err := ping(ctx, p1a.name, p1b.ip); err != nil {
					t.Errorf("ping %s -> %s: %v", p1a.name, p1b.ip, err)
				}
				reach(t, p1a, "http://"+p1b.ip+":8080/", "pod "+p1b.name+"\n")
			})
			t.Run("pod to pod across nodes", func(t *testing.T) {
				reach(t, p1a, "http://"+p2a.ip+":8080/", "pod "+p2a.name+"\n")
				reach(t, p2a, "http://"+p1b.ip+":8080/", "pod "+p1b.name+"\n")
				if err := ping(ctx, p2a.name, p1a.ip); err != nil {
					t.Errorf("ping %s -> %s: %v", p2a.name, p1a.ip, err)
				}
			})
			t.Run("no NAT between pods, masquerade from pods to outside the cluster", func(t *testing.T) {
				if got := clientIP(ctx, t, p1a.name, "http://"+p2a.ip+":8080/cgi-bin/ip"); got != p1a.ip {
					t.Errorf("pod %s seen by the pod on node2 as %q, want its own address", p1a.ip, got)
				}
				if got := clientIP(ctx, t, p2a.name, "http://"+p1b.ip+":8080/cgi-bin/ip"); got != p2a.ip {
					t.Errorf("pod %s seen by the pod on node1 as %q, want its own address", p2a.ip, got)
				}
				if got := clientIP(ctx, t, p1a.name, "http://"+netIP2+":8081/cgi-bin/ip"); got != netIP1 {
					t.Errorf("pod %s seen by node2's host network as %q, want node1's %s (masqueraded)", p1a.ip, got, netIP1)
				}
			})
			t.Run("node to pod and pod to node", func(t *testing.T) {
				for _, dst := range []string{p1a.ip, p2a.ip} {
					if err := ping(ctx, netNode1, dst); err != nil {
						t.Errorf("ping %s -> %s: %v", netNode1, dst, err)
					}
				}
				if out, err := get(ctx, netNode1, "http://"+p2a.ip+":8080/"); err != nil || out != "pod "+p2a.name+"\n" {
					t.Errorf("GET pod %s from %s: %q, %v", p2a.ip, netNode1, out, err)
				}
				if err := ping(ctx, p1a.name, netIP2); err != nil {
					t.Errorf("ping %s -> %s: %v", p1a.name, netIP2, err)
				}
				// The hostNetwork server on node2's address, from a pod on node1 and from node1.
				reach(t, p1a, "http://"+netIP2+":8081/", "hostnetwork "+netNode2+"\n")
				if out, err := get(ctx, netNode1, "http://"+netIP2+":8081/"); err != nil || out != "hostnetwork "+netNode2+"\n" {
					t.Errorf("GET hostNetwork server from %s: %q, %v", netNode1, out, err)
				}
			})
			t.Run("pod sees its address and its veth is on cni0", func(t *testing.T) {
				if out := must(ctx, t, "ip", "-n", p1a.name, "-4", "-o", "addr", "show", "dev", "eth0"); !strings.Contains(out, " "+p1a.ip+"/24 ") {
					t.Errorf("pod eth0: %q", out)
				}
				if out := must(ctx, t, "ip", "-n", netNode1, "-o", "link", "show", "master", "cni0"); !strings.Contains(out, "v"+p1a.name+"@") {
					t.Errorf("cni0 ports: %q", out)
				}
			})

			// Node annotations, devices, routes, neighbours, FDB.
			nodeAnn := func(name string) map[string]string {
				n, err := c.Nodes().Get(ctx, name)
				if err != nil {
					t.Fatal(err)
				}
				return n.Annotations
			}
			var mac2 string
			t.Run("devices and routes", func(t *testing.T) {
				for node, ip := range map[string]string{netNode1: netIP1, netNode2: netIP2} {
					ann := nodeAnn(node)
					if ann[network.AnnotationBackendType] != backend || ann[network.AnnotationPublicIP] != ip {
						t.Errorf("%s annotations %v", node, ann)
					}
				}
				if backend == network.BackendVXLAN {
					var bd network.BackendData
					if err := json.Unmarshal([]byte(nodeAnn(netNode2)[network.AnnotationBackendData]), &bd); err != nil || bd.VNI != 1 || bd.VtepMAC == "" {
						t.Fatalf("node2 backend-data %q: %v", nodeAnn(netNode2)[network.AnnotationBackendData], err)
					}
					mac2 = bd.VtepMAC
					link2 := must(ctx, t, "ip", "-n", netNode2, "-d", "link", "show", "flannel.1")
					if !strings.Contains(link2, "link/ether "+mac2+" ") {
						t.Errorf("node2 flannel.1 MAC is not the published %q:\n%s", mac2, link2)
					}
					link := must(ctx, t, "ip", "-n", netNode1, "-d", "link", "show", "flannel.1")
					for _, want := range []string{"mtu 1450 ", "vxlan id 1 ", "local " + netIP1 + " ", "dev eth0 ", "dstport 8472 ", "nolearning "} {
						if !strings.Contains(link, want) {
							t.Errorf("node1 flannel.1 lacks %q:\n%s", want, link)
						}
					}
					if a := must(ctx, t, "ip", "-n", netNode1, "-4", "-o", "addr", "show", "dev", "flannel.1"); !strings.Contains(a, " "+cidr1.Addr().String()+"/32 ") {
						t.Errorf("node1 flannel.1 address: %q", a)
					}
					if r := must(ctx, t, "ip", "-n", netNode1, "route", "show", cidr2.String()); strings.TrimSpace(r) != fmt.Sprintf("%s via %s dev flannel.1 onlink", cidr2, cidr2.Addr()) {
						t.Errorf("node1 route to %s: %q", cidr2, r)
					}
					if n := must(ctx, t, "ip", "-n", netNode1, "neigh", "show", "dev", "flannel.1"); !strings.Contains(n, cidr2.Addr().String()+" lladdr "+mac2+" PERMANENT") {
						t.Errorf("node1 neighbours: %q", n)
					}
					if f := must(ctx, t, "bridge", "-n", netNode1, "fdb", "show", "dev", "flannel.1"); !strings.Contains(f, mac2+" dst "+netIP2+" self permanent") {
						t.Errorf("node1 fdb: %q", f)
					}
				} else {
					if r := must(ctx, t, "ip", "-n", netNode1, "route", "show", cidr2.String()); strings.TrimSpace(r) != fmt.Sprintf("%s via %s dev eth0", cidr2, netIP2) {
						t.Errorf("node1 route to %s: %q", cidr2, r)
					}
					if out, err := sh(ctx, "ip", "-n", netNode1, "link", "show", "flannel.1"); err == nil {
						t.Errorf("host-gw left flannel.1: %s", out)
					}
				}
				save := must(ctx, t, "ip", "netns", "exec", netNode1, "iptables-save")
				for _, want := range []string{
					"-A FORWARD -m comment --comment \"minik8s pod network forward\" -j MINIK8S-FORWARD",
					"-A MINIK8S-FORWARD -s 10.244.0.0/16 -m comment --comment \"minik8s pod network forward\" -j ACCEPT",
					"-A POSTROUTING -m comment --comment \"minik8s pod network masq\" -j MINIK8S-POSTRTG",
					fmt.Sprintf("-A MINIK8S-POSTRTG -s %s -d 10.244.0.0/16 -m comment --comment \"minik8s pod network masq\" -j RETURN", cidr1),
					"-A MINIK8S-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment \"minik8s pod network masq\" -j MASQUERADE --random-fully",
					"-A PREROUTING -m comment --comment \"kube hostport portals\" -m addrtype --dst-type LOCAL -j KUBE-HOSTPORTS",
				} {
					if !strings.Contains(save, want+"\n") {
						t.Errorf("node1 iptables-save lacks %q", want)
					}
				}
				if v := must(ctx, t, "ip", "netns", "exec", netNode1, "cat", "/proc/sys/net/ipv4/ip_forward"); strings.TrimSpace(v) != "1" {
					t.Errorf("ip_forward = %q", v)
				}
			})

			t.Run("a route deleted by hand comes back", func(t *testing.T) {
				must(ctx, t, "ip", "-n", netNode1, "route", "del", cidr2.String())
				eventuallyOK(t, 10*time.Second, "route back", func() string {
					if r, _ := sh(ctx, "ip", "-n", netNode1, "route", "show", cidr2.String()); strings.TrimSpace(r) == "" {
						return "no route to " + cidr2.String()
					}
					return ""
				})
				reach(t, p1a, "http://"+p2a.ip+":8080/", "pod "+p2a.name+"\n")
			})

			t.Run("hostPort", func(t *testing.T) {
				mk := func(name string, ip string) *api.Pod {
					p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
						Spec: api.PodSpec{NodeName: netNode1, Containers: []api.Container{{Name: "web", Image: "docker.io/minik8s/testserver:latest",
							Ports: []api.ContainerPort{{ContainerPort: 8080, HostPort: 30080}}}}}}
					got, err := c.Pods("default").Create(ctx, p)
					if err != nil {
						t.Fatalf("create pod %s: %v", name, err)
					}
					t.Cleanup(func() { _ = c.Pods("default").Delete(context.Background(), name, nil) })
					got.Status.Phase = api.PodRunning
					got.Status.PodIP = ip
					got.Status.PodIPs = []api.PodIP{{IP: ip}}
					if _, err := c.Pods("default").UpdateStatus(ctx, got); err != nil {
						t.Fatalf("pod %s status: %v", name, err)
					}
					return got
				}
				mk("web-"+suffix, p1a.ip)
				time.Sleep(1100 * time.Millisecond) // the conflicting pod is strictly younger
				mk("clash-"+suffix, p1b.ip)
				reach(t, p2a, "http://"+netIP1+":30080/", "pod "+p1a.name+"\n")
				if out, err := get(ctx, netNode2, "http://"+netIP1+":30080/"); err != nil || out != "pod "+p1a.name+"\n" {
					t.Errorf("hostPort from node2: %q, %v", out, err)
				}
				save := must(ctx, t, "ip", "netns", "exec", netNode1, "iptables-save", "-t", "nat")
				if n := strings.Count(save, "-A KUBE-HOSTPORTS "); n != 1 || !strings.Contains(save, "--comment \"web-"+suffix+"_default hostport 30080\"") {
					t.Errorf("KUBE-HOSTPORTS has %d rules (want only web's):\n%s", n, save)
				}
				if !strings.Contains(save, "-j DNAT --to-destination "+p1a.ip+":8080") {
					t.Errorf("no DNAT to %s:8080:\n%s", p1a.ip, save)
				}
				// Pods gone: the chains go.
				for _, n := range []string{"web-" + suffix, "clash-" + suffix} {
					if err := c.Pods("default").Delete(ctx, n, &api.DeleteOptions{GracePeriodSeconds: new(int64)}); err != nil {
						t.Fatalf("delete pod %s: %v", n, err)
					}
				}
				eventuallyOK(t, 10*time.Second, "hostport chains removed", func() string {
					save, _ := sh(ctx, "ip", "netns", "exec", netNode1, "iptables-save", "-t", "nat")
					if strings.Contains(save, "KUBE-HP-") {
						return "KUBE-HP- chains left"
					}
					return ""
				})
			})

			t.Run("a node leaving and rejoining", func(t *testing.T) {
				if err := c.Nodes().Delete(ctx, netNode2, nil); err != nil {
					t.Fatal(err)
				}
				eventuallyOK(t, 10*time.Second, "node2's entries removed from node1", func() string {
					r, _ := sh(ctx, "ip", "-n", netNode1, "route", "show", cidr2.String())
					n, _ := sh(ctx, "ip", "-n", netNode1, "neigh", "show", cidr2.Addr().String(), "dev", "flannel.1")
					f, _ := sh(ctx, "bridge", "-n", netNode1, "fdb", "show", "dev", "flannel.1")
					if strings.TrimSpace(r) != "" || strings.Contains(n, "PERMANENT") || (mac2 != "" && strings.Contains(f, mac2)) {
						return fmt.Sprintf("route %q neigh %q fdb %q", r, n, f)
					}
					return ""
				})
				if err := ping(ctx, p1a.name, p2a.ip); err == nil {
					t.Errorf("ping to a pod of the node that left still works")
				}
				createNode(t, netNode2, netIP2)
				if got := podCIDR(t, netNode2); got != cidr2 {
					t.Fatalf("rejoined node2 got %s, want its old %s (the lowest free block)", got, cidr2)
				}
				reach(t, p1a, "http://"+p2a.ip+":8080/", "pod "+p2a.name+"\n")
				reach(t, p2a, "http://"+p1a.ip+":8080/", "pod "+p1a.name+"\n")
			})
		})
		if t.Failed() {
			return
		}
	}

	// Nothing of the test left in the root namespace after down.
	cmCancel()
	out, err := l.script(ctx, "down.sh")
	if err != nil {
		t.Fatalf("down.sh: %v\n%s", err, out)
	}
	if list := must(ctx, t, "ip", "netns", "list"); strings.Contains(list, netPrefix+"-") {
		t.Errorf("namespaces left: %q", list)
	}
	if links := must(ctx, t, "ip", "-o", "link", "show"); strings.Contains(links, ": "+netPrefix) || strings.Contains(links, "flannel.1") {
		t.Errorf("links left:\n%s", links)
	}
	if rules := must(ctx, t, "iptables-save"); strings.Contains(rules, "MINIK8S-") || strings.Contains(rules, strings.ToUpper(netPrefix)) {
		t.Errorf("root iptables has our rules:\n%s", rules)
	}
}
