package network

import (
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"minik8s/pkg/api"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func pod(name string, age int, podIP string, ports ...api.ContainerPort) *api.Pod {
	return &api.Pod{
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", UID: "uid-" + name, CreationTimestamp: api.Time{Time: t0.Add(time.Duration(age) * time.Second)}},
		Spec:       api.PodSpec{NodeName: "n1", Containers: []api.Container{{Name: "c", Image: "nginx", Ports: ports}}},
		Status:     api.PodStatus{Phase: api.PodRunning, PodIP: podIP},
	}
}

func hp(host, container int32, proto, hostIP string) api.ContainerPort {
	return api.ContainerPort{HostPort: host, ContainerPort: container, Protocol: proto, HostIP: hostIP}
}

func TestHostPortConflicts(t *testing.T) {
	older := pod("older", 1, "10.244.0.5", hp(8080, 80, "", ""))
	younger := pod("younger", 2, "10.244.0.6", hp(8080, 8080, "TCP", ""))
	udp := pod("udp", 3, "10.244.0.7", hp(8080, 80, "UDP", ""))
	specific := pod("specific", 4, "10.244.0.8", hp(9090, 80, "TCP", "192.168.77.11"))
	otherIP := pod("otherip", 5, "10.244.0.9", hp(9090, 80, "TCP", "192.168.77.99"))
	wildcard := pod("wildcard", 6, "10.244.0.10", hp(9090, 80, "TCP", "0.0.0.0"))
	hostNet := pod("hostnet", 7, "192.168.77.11", api.ContainerPort{ContainerPort: 9191})
	hostNet.Spec.HostNetwork = true
	hostNet2 := pod("hostnet2", 8, "192.168.77.11", api.ContainerPort{ContainerPort: 9191})
	hostNet2.Spec.HostNetwork = true
	done := pod("done", 0, "10.244.0.11", hp(7070, 80, "", ""))
	done.Status.Phase = api.PodSucceeded
	after := pod("after", 9, "10.244.0.12", hp(7070, 80, "", ""))
	self := pod("self", 10, "10.244.0.13", hp(6060, 80, "", ""), hp(6060, 81, "", ""))

	got := HostPortConflicts([]*api.Pod{self, after, done, hostNet2, hostNet, wildcard, otherIP, specific, udp, younger, older})
	want := map[string]string{
		"uid-younger":  "node didn't have free ports for the requested pod ports: hostPort 0.0.0.0:8080/TCP is already used by pod default/older",
		"uid-wildcard": "node didn't have free ports for the requested pod ports: hostPort 0.0.0.0:9090/TCP is already used by pod default/specific",
		"uid-hostnet2": "node didn't have free ports for the requested pod ports: hostPort 0.0.0.0:9191/TCP is already used by pod default/hostnet",
		"uid-self":     "node didn't have free ports for the requested pod ports: hostPort 0.0.0.0:6060/TCP is already used by pod default/self",
	}
	if len(got) != len(want) {
		t.Errorf("refused %d pods, want %d: %v", len(got), len(want), got)
	}
	for uid, msg := range want {
		err := got[uid]
		var ce *HostPortConflictError
		if err == nil || err.Error() != msg || !errors.As(err, &ce) {
			t.Errorf("%s: %v, want %q", uid, err, msg)
		}
	}
}

func TestHostPortMappings(t *testing.T) {
	older := pod("nginx", 1, "10.244.0.47", hp(8081, 80, "", ""))
	younger := pod("clash", 2, "10.244.0.48", hp(8081, 80, "", ""))
	noIP := pod("pending", 3, "", hp(8082, 80, "", ""))
	udp := pod("dns", 4, "10.244.0.49", hp(5353, 53, "UDP", "192.168.77.11"), api.ContainerPort{ContainerPort: 9999})
	hostNet := pod("hostnet", 5, "192.168.77.11", hp(9191, 9191, "", ""))
	hostNet.Spec.HostNetwork = true
	failed := pod("failed", 6, "10.244.0.50", hp(8083, 80, "", ""))
	failed.Status.Phase = api.PodFailed

	got := HostPortMappings([]*api.Pod{younger, noIP, udp, hostNet, failed, older})
	want := []HostPortMapping{
		{Pod: "dns_default", PodIP: netip.MustParseAddr("10.244.0.49"), HostIP: "192.168.77.11", HostPort: 5353, ContainerPort: 53, Protocol: "UDP"},
		{Pod: "nginx_default", PodIP: netip.MustParseAddr("10.244.0.47"), HostPort: 8081, ContainerPort: 80, Protocol: "TCP"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("mappings\n got %+v\nwant %+v", got, want)
	}
	// Chain names are stable hashes, distinct per pod and port.
	if c := want[1].Chain(); !strings.HasPrefix(c, "KUBE-HP-") || len(c) != 24 || c != want[1].Chain() {
		t.Errorf("chain %q", c)
	}
	other := want[1]
	other.HostPort = 8082
	if other.Chain() == want[1].Chain() {
		t.Error("two ports share a chain")
	}
}

func TestRulesPayload(t *testing.T) {
	cfg := RulesConfig{ClusterCIDR: netip.MustParsePrefix("10.244.0.0/16"), PodCIDR: netip.MustParsePrefix("10.244.1.0/24")}
	m := []HostPortMapping{
		{Pod: "dns_default", PodIP: netip.MustParseAddr("10.244.1.49"), HostIP: "192.168.77.11", HostPort: 5353, ContainerPort: 53, Protocol: "UDP"},
		{Pod: "nginx_default", PodIP: netip.MustParseAddr("10.244.1.47"), HostPort: 8081, ContainerPort: 80, Protocol: "TCP"},
	}
	c0, c1 := m[0].Chain(), m[1].Chain()
	existing := []string{"PREROUTING", "KUBE-HOSTPORTS", c1, "KUBE-HP-STALESTALESTALE1", "KUBE-SERVICES"}
	got := string(RulesPayload(cfg, m, existing))
	want := `*mangle
:KUBE-IPTABLES-HINT - [0:0]
COMMIT
*filter
:MINIK8S-FORWARD - [0:0]
-A MINIK8S-FORWARD -s 10.244.0.0/16 -m comment --comment "minik8s pod network forward" -j ACCEPT
-A MINIK8S-FORWARD -d 10.244.0.0/16 -m comment --comment "minik8s pod network forward" -j ACCEPT
COMMIT
*nat
:MINIK8S-POSTRTG - [0:0]
:MINIK8S-HOSTPORT-SETMARK - [0:0]
:MINIK8S-HOSTPORT-MASQ - [0:0]
:KUBE-HOSTPORTS - [0:0]
:` + c0 + ` - [0:0]
:` + c1 + ` - [0:0]
:KUBE-HP-STALESTALESTALE1 - [0:0]
-A MINIK8S-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "minik8s pod network masq" -j RETURN
-A MINIK8S-POSTRTG -s 10.244.1.0/24 -d 10.244.0.0/16 -m comment --comment "minik8s pod network masq" -j RETURN
-A MINIK8S-POSTRTG -s 10.244.0.0/16 -d 10.244.1.0/24 -m comment --comment "minik8s pod network masq" -j RETURN
-A MINIK8S-POSTRTG ! -s 10.244.0.0/16 -d 10.244.1.0/24 -m comment --comment "minik8s pod network masq" -j RETURN
-A MINIK8S-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "minik8s pod network masq" -j MASQUERADE --random-fully
-A MINIK8S-POSTRTG ! -s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment "minik8s pod network masq" -j MASQUERADE --random-fully
-A MINIK8S-HOSTPORT-SETMARK -j MARK --set-xmark 0x2000/0x2000
-A MINIK8S-HOSTPORT-MASQ -m mark --mark 0x2000/0x2000 -m comment --comment "minik8s hostport hairpin masq" -j MASQUERADE --random-fully
-A KUBE-HOSTPORTS -d 192.168.77.11/32 -m comment --comment "dns_default hostport 5353" -m udp -p udp --dport 5353 -j ` + c0 + `
-A KUBE-HOSTPORTS -m comment --comment "nginx_default hostport 8081" -m tcp -p tcp --dport 8081 -j ` + c1 + `
-A ` + c0 + ` -s 10.244.1.49/32 -m comment --comment "dns_default hostport 5353" -j MINIK8S-HOSTPORT-SETMARK
-A ` + c0 + ` -m comment --comment "dns_default hostport 5353" -m udp -p udp -j DNAT --to-destination 10.244.1.49:53
-A ` + c1 + ` -s 10.244.1.47/32 -m comment --comment "nginx_default hostport 8081" -j MINIK8S-HOSTPORT-SETMARK
-A ` + c1 + ` -m comment --comment "nginx_default hostport 8081" -m tcp -p tcp -j DNAT --to-destination 10.244.1.47:80
-X KUBE-HP-STALESTALESTALE1
COMMIT
`
	if got != want {
		t.Errorf("payload\n got:\n%s\nwant:\n%s", got, want)
	}
	// The service masquerade pair is kube-proxy's alone (one owner).
	for _, c := range []string{"KUBE-MARK-MASQ", "KUBE-POSTROUTING"} {
		if strings.Contains(got, c) {
			t.Errorf("the agent writes %s, which kube-proxy owns", c)
		}
	}
	for _, j := range Jumps() {
		if strings.Contains(strings.Join(j.Rule, " "), "KUBE-POSTROUTING") {
			t.Errorf("the agent jumps to KUBE-POSTROUTING: %v", j)
		}
		// FORWARD: after kube-proxy's jumps (its REJECTs come first).
		if j.Chain == "FORWARD" && !j.Append {
			t.Errorf("the FORWARD jump is inserted first: %v", j)
		}
	}
}

func TestParseChains(t *testing.T) {
	save := "# Generated by iptables-save\n*nat\n:PREROUTING ACCEPT [0:0]\n:KUBE-HP-ABC - [0:0]\n-A PREROUTING -j KUBE-HOSTPORTS\nCOMMIT\n"
	if got := ParseChains([]byte(save)); !reflect.DeepEqual(got, []string{"PREROUTING", "KUBE-HP-ABC"}) {
		t.Errorf("ParseChains = %q", got)
	}
}
