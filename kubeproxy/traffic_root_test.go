package kubeproxy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"minik8s/kubeproxy/conntrack"
	"minik8s/pkg/api"
	pkgiptables "minik8s/pkg/iptables"
)

// TestRootTraffic sends real packets through the proxier's rules, all
// inside two throwaway namespaces (root; skipped with -short): a "node"
// namespace running the proxier and a "pod" namespace on a veth behind it
// running a TCP and a UDP server. From the node (OUTPUT) the cluster IP
// and the NodePort reach the pod, a Service without endpoints is refused at
// once, UDP is DNATed; from the pod (PREROUTING) its own Service's cluster
// IP comes back to it (hairpin, masqueraded).
func TestRootTraffic(t *testing.T) {
	if testing.Short() || os.Getuid() != 0 {
		t.Skip("needs root (and not -short)")
	}
	node := fmt.Sprintf("mk8x-pxn-%d", os.Getpid())
	pod := fmt.Sprintf("mk8x-pxp-%d", os.Getpid())
	sh := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	for _, ns := range []string{node, pod} {
		sh("ip", "netns", "add", ns)
		t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
		sh("ip", "-n", ns, "link", "set", "lo", "up")
	}
	sh("ip", "-n", node, "link", "add", "vp0", "type", "veth", "peer", "name", "eth0", "netns", pod)
	sh("ip", "-n", node, "addr", "add", "10.244.1.1/24", "dev", "vp0")
	sh("ip", "-n", node, "link", "set", "vp0", "up")
	sh("ip", "-n", node, "route", "add", "10.96.0.0/12", "dev", "vp0")
	sh("ip", "netns", "exec", node, "sysctl", "-qw", "net.ipv4.ip_forward=1")
	sh("ip", "-n", pod, "addr", "add", "10.244.1.2/24", "dev", "eth0")
	sh("ip", "-n", pod, "addr", "add", "10.244.1.3/24", "dev", "eth0")
	sh("ip", "-n", pod, "link", "set", "eth0", "up")
	sh("ip", "-n", pod, "route", "add", "default", "via", "10.244.1.1")

	// The pod's servers, until the test ends (at most a minute).
	srv := exec.Command("ip", "netns", "exec", pod, os.Args[0], "-test.run=^TestRootTrafficHelper$", "-test.count=1")
	srv.Env = append(os.Environ(), "MK8X_PROXY_ROLE=pod")
	stdout, err := srv.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Process.Kill(); _ = srv.Wait() })
	if line, _ := bufio.NewReader(stdout).ReadString('\n'); !strings.HasPrefix(line, "listening") {
		t.Fatalf("pod servers: %q", line)
	}

	// The node: rules, then its own connections.
	run := func(ns, role string) string {
		t.Helper()
		cmd := exec.Command("ip", "netns", "exec", ns, os.Args[0], "-test.run=^TestRootTrafficHelper$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), "MK8X_PROXY_ROLE="+role)
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestRootTrafficHelper") {
			t.Fatalf("%s in %s: %v\n%s", role, ns, err, out)
		}
		return string(out)
	}
	t.Log(run(node, "node"))
	// The pod to its own Service: hairpin through the node.
	t.Log(run(pod, "hairpin"))
}

// TestRootTrafficHelper is TestRootTraffic's roles, run inside the
// namespaces.
func TestRootTrafficHelper(t *testing.T) {
	switch os.Getenv("MK8X_PROXY_ROLE") {
	case "pod":
		podServers(t)
	case "node":
		nodeRole(t)
	case "hairpin":
		got, err := ask("tcp", "10.96.0.10:80")
		if err != nil || got != "pod 10.244.1.1" {
			t.Fatalf("the pod through its own Service: %q, %v; want the pod, seen from the node (masqueraded)", got, err)
		}
	default:
		t.Skip("run by TestRootTraffic")
	}
}

// podServers answers "pod <client address>" on TCP 8080, and "a <msg>"
// on UDP 10.244.1.2:53 and "b <msg>" on UDP 10.244.1.3:53 (two endpoints),
// for at most a minute.
func podServers(t *testing.T) {
	l, err := net.Listen("tcp", ":8080")
	if err != nil {
		t.Fatal(err)
	}
	for name, addr := range map[string]string{"a": "10.244.1.2:53", "b": "10.244.1.3:53"} {
		u, err := net.ListenPacket("udp", addr)
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			buf := make([]byte, 512)
			for {
				n, from, err := u.ReadFrom(buf)
				if err != nil {
					return
				}
				_, _ = u.WriteTo(append([]byte(name+" "), buf[:n]...), from)
			}
		}()
	}
	fmt.Println("listening")
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
			_, _ = fmt.Fprintf(c, "pod %s\n", host)
			_ = c.Close()
		}
	}()
	time.Sleep(time.Minute)
}

// ask sends one request and returns the answer's first line.
func ask(network, addr string) (string, error) {
	c, err := net.DialTimeout(network, addr, 3*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	if network == "udp" {
		if _, err := c.Write([]byte("ping")); err != nil {
			return "", err
		}
		buf := make([]byte, 512)
		n, err := c.Read(buf)
		return string(buf[:n]), err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(line), err
}

func nodeRole(t *testing.T) {
	ctx := context.Background()
	runner, err := pkgiptables.New(ctx, pkgiptables.Auto)
	if err != nil {
		t.Fatal(err)
	}
	web := testService("web", "10.96.0.10", "TCP", 80)
	web.Spec.Type = api.ServiceTypeNodePort
	web.Spec.Ports[0].NodePort = 30080
	dns := testService("dns", "10.96.0.53", "UDP", 53)
	empty := testService("empty", "10.96.0.11", "TCP", 80)
	p := newTestProxier(NewFirewall(runner), nil)
	if err := p.syncFrom(ctx, []*api.Service{web, dns, empty},
		[]*api.EndpointSlice{testSlice("web", "TCP", 8080, "10.244.1.2"), testSlice("dns", "UDP", 53, "10.244.1.2")}, ""); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ what, network, addr, want string }{
		{"cluster IP", "tcp", "10.96.0.10:80", "pod 10.244.1.1"},
		{"NodePort on the node's address", "tcp", "10.244.1.1:30080", "pod 10.244.1.1"},
		{"UDP cluster IP", "udp", "10.96.0.53:53", "a ping"},
	} {
		got, err := ask(tc.network, tc.addr)
		if err != nil || got != tc.want {
			t.Errorf("%s (%s): %q, %v; want %q", tc.what, tc.addr, got, err, tc.want)
		}
	}
	start := time.Now()
	_, err = ask("tcp", "10.96.0.11:80")
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("a Service without endpoints: %v, want connection refused (REJECT)", err)
	}
	t.Logf("no-endpoint Service refused in %v", time.Since(start))

	// UDP conntrack: one client socket keeps its flow to endpoint a
	// after a is replaced by b, until the stale entry is deleted.
	c, err := net.DialUDP("udp", &net.UDPAddr{IP: net.ParseIP("10.244.1.1"), Port: 40053}, &net.UDPAddr{IP: net.ParseIP("10.96.0.53"), Port: 53})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	send := func() string {
		_ = c.SetDeadline(time.Now().Add(3 * time.Second))
		if _, err := c.Write([]byte("ping")); err != nil {
			return err.Error()
		}
		buf := make([]byte, 512)
		n, err := c.Read(buf)
		if err != nil {
			return err.Error()
		}
		return string(buf[:n])
	}
	if got := send(); got != "a ping" {
		t.Fatalf("UDP flow: %q, want endpoint a", got)
	}
	svcs := []*api.Service{web, dns, empty}
	slices := []*api.EndpointSlice{testSlice("web", "TCP", 8080, "10.244.1.2"), testSlice("dns", "UDP", 53, "10.244.1.3")}
	if err := p.syncFrom(ctx, svcs, slices, ""); err != nil { // no conntrack cleaner
		t.Fatal(err)
	}
	if got := send(); got != "a ping" {
		t.Fatalf("without the cleanup the flow should stick to the stale entry (a); got %q", got)
	}
	ports, eps := buildForTest(svcs, slices, "node1")
	// Two flows went to a: this socket's and the first UDP check's.
	if n, err := (conntrack.Netlink{}).CleanStale(ctx, ports, eps); err != nil || n != 2 {
		t.Fatalf("CleanStale = %d, %v; want 2", n, err)
	}
	if got := send(); got != "b ping" {
		t.Errorf("after the cleanup: %q, want endpoint b", got)
	}
}
