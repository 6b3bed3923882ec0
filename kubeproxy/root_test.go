package kubeproxy

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"minik8s/kubeproxy/conntrack"
	"minik8s/kubeproxy/iptables"
	"minik8s/pkg/api"
	pkgiptables "minik8s/pkg/iptables"
)

// TestRootNetns applies the proxier's payloads with the real
// iptables-restore (both backends) and deletes conntrack entries through
// netlink, in a throwaway network namespace (root; skipped with -short).
// The checks run in a child test process inside the namespace.
func TestRootNetns(t *testing.T) {
	if testing.Short() || os.Getuid() != 0 {
		t.Skip("needs root (and not -short)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("no ip(8)")
	}
	for _, backend := range []pkgiptables.Backend{pkgiptables.NFT, pkgiptables.Legacy} {
		t.Run(string(backend), func(t *testing.T) {
			ns := fmt.Sprintf("mk8x-proxy-%d-%s", os.Getpid(), backend)
			if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
				t.Fatalf("ip netns add: %v: %s", err, out)
			}
			t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
			probe := pkgiptables.CommandsFor(backend).IPTables
			if out, err := exec.Command("ip", "netns", "exec", ns, probe, "-t", "nat", "-L", "-n").CombinedOutput(); err != nil {
				t.Skipf("%s does not work here: %v: %s", probe, err, out)
			}
			cmd := exec.Command("ip", "netns", "exec", ns, os.Args[0], "-test.run=^TestRootNetnsHelper$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), "MK8X_PROXY_HELPER="+string(backend))
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "--- PASS: TestRootNetnsHelper") {
				t.Fatalf("helper in %s: %v\n%s", ns, err, out)
			}
		})
	}
}

// TestRootNetnsHelper is TestRootNetns's body, run inside the namespace.
func TestRootNetnsHelper(t *testing.T) {
	backend := os.Getenv("MK8X_PROXY_HELPER")
	if backend == "" {
		t.Skip("run by TestRootNetns")
	}
	ctx := context.Background()
	runner, err := pkgiptables.New(ctx, pkgiptables.Backend(backend))
	if err != nil {
		t.Fatal(err)
	}
	fw := NewFirewall(runner)
	save := func(table string) string {
		out, err := runner.Save(ctx, table)
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	// A chain that is not kube-proxy's, and one of an earlier run.
	if err := fw.Restore(ctx, []byte("*nat\n:KUBE-HOSTPORTS - [0:0]\n:KUBE-SVC-LEFTOVERLEFTOVER - [0:0]\n-A KUBE-HOSTPORTS -p tcp --dport 8080 -j DNAT --to-destination 10.244.1.9:80\nCOMMIT\n")); err != nil {
		t.Fatal(err)
	}

	web := testService("web", "10.96.0.10", "TCP", 80)
	web.Spec.Type = api.ServiceTypeNodePort
	web.Spec.Ports[0].NodePort = 30080
	web.Spec.SessionAffinity = "ClientIP"
	dns := testService("dns", "10.96.0.53", "UDP", 53)
	empty := testService("empty", "10.96.0.99", "TCP", 80)
	svcs := []*api.Service{web, dns, empty}
	slices := []*api.EndpointSlice{testSlice("web", "TCP", 8080, "10.244.1.2", "10.244.2.2", "10.244.2.3"), testSlice("dns", "UDP", 53, "10.244.1.3", "10.244.2.4")}

	p := newTestProxier(fw, nil)
	if err := p.syncFrom(ctx, svcs, slices, ""); err != nil {
		t.Fatal(err)
	}
	nat, filter := save("nat"), save("filter")
	webSVC := iptables.ServiceChain("default/web:p", "tcp")
	sep := iptables.EndpointChain("default/web:p", "tcp", "10.244.2.3:8080")
	for _, want := range []string{
		`-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`,
		`-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`,
		`-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING`,
		`-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m comment --comment "default/web:p cluster IP" -m tcp --dport 80 -j ` + webSVC,
		`-A KUBE-NODEPORTS -p tcp -m comment --comment "default/web:p" -m tcp --dport 30080 -j ` + iptables.ServiceExternalChain("default/web:p", "tcp"),
		`-m statistic --mode random --probability 0.33333333349 -j `,
		`-m recent --rcheck --seconds 10800 --reap --name ` + sep,
		`-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN`,
		`-j MASQUERADE --random-fully`,
		`-A KUBE-HOSTPORTS -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.244.1.9:80`,
	} {
		if !strings.Contains(nat, want) {
			t.Errorf("nat table lacks %q:\n%s", want, nat)
		}
	}
	if strings.Contains(nat, "LEFTOVER") {
		t.Error("the earlier run's chain survived the full sync")
	}
	for _, want := range []string{
		`-A KUBE-SERVICES -d 10.96.0.99/32 -p tcp -m comment --comment "default/empty:p has no endpoints" -m tcp --dport 80 -j REJECT`,
		`-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD`,
		`-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
	} {
		if !strings.Contains(filter, want) {
			t.Errorf("filter table lacks %q:\n%s", want, filter)
		}
	}

	// Partial: one endpoint goes.
	slices[0] = testSlice("web", "TCP", 8080, "10.244.1.2", "10.244.2.2")
	if err := p.syncFrom(ctx, svcs, slices, ""); err != nil {
		t.Fatal(err)
	}
	if nat := save("nat"); strings.Contains(nat, sep) || !strings.Contains(nat, "--probability 0.50000000000") {
		t.Errorf("after the partial sync, %s is still there or the balance is not 1/2:\n%s", sep, nat)
	}

	// A restarted kube-proxy (fresh state) converges to the same rules,
	// with each jump rule once.
	before := save("nat")
	if err := newTestProxier(fw, nil).syncFrom(ctx, svcs, slices, ""); err != nil {
		t.Fatal(err)
	}
	after := save("nat")
	if strip(before) != strip(after) {
		t.Errorf("a restart changed the rules:\n--- before\n%s\n--- after\n%s", before, after)
	}
	if n := strings.Count(after, "-A PREROUTING -m comment --comment \"kubernetes service portals\""); n != 1 {
		t.Errorf("%d PREROUTING jumps after a restart, want 1", n)
	}

	// Conntrack: a UDP flow to a removed DNS endpoint goes, one to a
	// serving endpoint stays.
	t.Run("conntrack", func(t *testing.T) {
		mk := func(replySrc string, sport uint16) *netlink.ConntrackFlow {
			f := &netlink.ConntrackFlow{FamilyType: unix.AF_INET, TimeOut: 100}
			f.Forward = netlink.IPTuple{SrcIP: net.ParseIP("10.244.1.5").To4(), DstIP: net.ParseIP("10.96.0.53").To4(), Protocol: unix.IPPROTO_UDP, SrcPort: sport, DstPort: 53}
			f.Reverse = netlink.IPTuple{SrcIP: net.ParseIP(replySrc).To4(), DstIP: net.ParseIP("10.244.1.5").To4(), Protocol: unix.IPPROTO_UDP, SrcPort: 53, DstPort: sport}
			return f
		}
		for _, f := range []*netlink.ConntrackFlow{mk("10.244.9.9", 40000), mk("10.244.1.3", 40001)} {
			if err := netlink.ConntrackCreate(netlink.ConntrackTable, unix.AF_INET, f); err != nil {
				t.Skipf("conntrack create: %v", err)
			}
		}
		ports, eps := buildForTest(svcs, slices, "node1")
		n, err := conntrack.Netlink{}.CleanStale(ctx, ports, eps)
		if err != nil || n != 1 {
			t.Fatalf("CleanStale = %d, %v; want 1 deleted", n, err)
		}
		flows, err := netlink.ConntrackTableList(netlink.ConntrackTable, unix.AF_INET)
		if err != nil {
			t.Fatal(err)
		}
		var left []string
		for _, f := range flows {
			if f.Forward.Protocol == unix.IPPROTO_UDP {
				left = append(left, f.Reverse.SrcIP.String())
			}
		}
		if strings.Join(left, ",") != "10.244.1.3" {
			t.Errorf("UDP flows left answered by %v, want [10.244.1.3]", left)
		}
	})
}

// strip drops iptables-save's comment and counter lines.
func strip(save string) string {
	var out []string
	for _, l := range strings.Split(save, "\n") {
		if strings.HasPrefix(l, "#") {
			continue
		}
		if strings.HasPrefix(l, ":") {
			l = strings.Fields(l)[0]
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}
