package netinfo

import (
	"os"
	"strings"
	"testing"
)

// hooks are the built-in chain jumps kube-proxy (and our network agent)
// install, as on the lab (testdata/lab-node1.save); kube-proxy's golden
// restore payloads hold only the KUBE-* chains.
const hooks = `*nat
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
COMMIT
`

func golden(t *testing.T, name string) Tables {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	if strings.HasSuffix(name, ".golden") {
		text = hooks + text
	}
	ts, err := ParseSave(text)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return ts
}

func chains(w Walk) string {
	var s []string
	for _, st := range w.Steps {
		s = append(s, st.Chain+"→"+st.Target)
	}
	return strings.Join(s, " ")
}

func TestWalk(t *testing.T) {
	node := []string{"192.168.77.10", "10.244.1.1"}
	for _, tc := range []struct {
		name, file, table, hook string
		p                       Packet
		chains, verdict, dnat   string
		masq                    bool
		mark                    uint32
		shares                  []float64
	}{
		{name: "ClusterIP from a pod (lab kube-dns, first endpoint)", file: "lab-node1.save", table: "nat", hook: "PREROUTING",
			p:       Packet{Src: "10.244.0.5", Dst: "10.96.0.10", Proto: "udp", DPort: 53, In: "veth1"},
			chains:  "PREROUTING→KUBE-SERVICES KUBE-SERVICES→KUBE-SVC-TCOU7JCQXEZGVUNU KUBE-SVC-TCOU7JCQXEZGVUNU→KUBE-SEP-AALXN3QQZ3U27IAI KUBE-SEP-AALXN3QQZ3U27IAI→DNAT",
			verdict: "ACCEPT", dnat: "10.244.0.16:53", shares: []float64{0.5, 0.5}},
		{name: "ClusterIP, the endpoint the probe saw", file: "lab-node1.save", table: "nat", hook: "PREROUTING",
			p:       Packet{Src: "10.244.0.5", Dst: "10.96.0.10", Proto: "tcp", DPort: 53, Prefer: "10.244.1.15"},
			chains:  "PREROUTING→KUBE-SERVICES KUBE-SERVICES→KUBE-SVC-ERIFXISQEP7F7OF4 KUBE-SVC-ERIFXISQEP7F7OF4→KUBE-SEP-U27GJ7HRAVMAXEJO KUBE-SEP-U27GJ7HRAVMAXEJO→DNAT",
			verdict: "ACCEPT", dnat: "10.244.1.15:53"},
		{name: "ClusterIP from the node: KUBE-MARK-MASQ (source outside the cluster CIDR)", file: "lab-node1.save", table: "nat", hook: "OUTPUT",
			p:       Packet{Src: "192.168.77.10", Dst: "10.96.0.1", Proto: "tcp", DPort: 443, Local: node},
			chains:  "OUTPUT→KUBE-SERVICES KUBE-SERVICES→KUBE-SVC-NPX46M4PTMTKRN6Y KUBE-SVC-NPX46M4PTMTKRN6Y→KUBE-MARK-MASQ KUBE-MARK-MASQ→MARK KUBE-SVC-NPX46M4PTMTKRN6Y→KUBE-SEP-PTMZZQCON32GO54E KUBE-SEP-PTMZZQCON32GO54E→DNAT",
			verdict: "ACCEPT", dnat: "192.168.77.1:6443", mark: 0x4000, shares: []float64{1}},
		{name: "masquerade after the mark", file: "lab-node1.save", table: "nat", hook: "POSTROUTING",
			p:       Packet{Src: "192.168.77.10", Dst: "192.168.77.1", Proto: "tcp", DPort: 6443, Mark: 0x4000, Out: "eth0"},
			chains:  "POSTROUTING→MINIK8S-POSTRTG MINIK8S-POSTRTG→RETURN POSTROUTING→MINIK8S-HOSTPORT-MASQ POSTROUTING→KUBE-POSTROUTING KUBE-POSTROUTING→MARK KUBE-POSTROUTING→MASQUERADE",
			verdict: "ACCEPT", masq: true},
		{name: "pod to pod: nothing in nat", file: "lab-node1.save", table: "nat", hook: "PREROUTING",
			p:      Packet{Src: "10.244.0.5", Dst: "10.244.1.7", Proto: "tcp", DPort: 80},
			chains: "PREROUTING→KUBE-SERVICES PREROUTING→ACCEPT", verdict: "ACCEPT"},
		{name: "NodePort from outside: KUBE-NODEPORTS → KUBE-EXT → mark → SVC", file: "nodeport.golden", table: "nat", hook: "PREROUTING",
			p:       Packet{Src: "192.168.77.1", Dst: "192.168.77.10", Proto: "tcp", DPort: 30001, Local: node, In: "eth0"},
			verdict: "ACCEPT", dnat: "10.244.1.2:8080", mark: 0x4000},
		{name: "NodePort, Local policy, from outside: KUBE-SVL local endpoints only", file: "nodeport-local.golden", table: "nat", hook: "PREROUTING",
			p:       Packet{Src: "192.168.77.1", Dst: "192.168.77.10", Proto: "tcp", DPort: 30002, Local: node, In: "eth0"},
			chains:  "PREROUTING→KUBE-SERVICES KUBE-SERVICES→KUBE-NODEPORTS KUBE-NODEPORTS→KUBE-EXT-V7ZMVOA2AOW6ATRL KUBE-EXT-V7ZMVOA2AOW6ATRL→KUBE-SVL-V7ZMVOA2AOW6ATRL KUBE-SVL-V7ZMVOA2AOW6ATRL→KUBE-SEP-FEMFP27ZXWECPQLF KUBE-SEP-FEMFP27ZXWECPQLF→DNAT",
			verdict: "ACCEPT", dnat: "10.244.1.2:8080", shares: []float64{1}},
		{name: "NodePort, Local policy, from a pod: the whole service", file: "nodeport-local.golden", table: "nat", hook: "PREROUTING",
			p:       Packet{Src: "10.244.1.9", Dst: "192.168.77.10", Proto: "tcp", DPort: 30002, Local: node, Prefer: "10.244.2.3:8080"},
			chains:  "PREROUTING→KUBE-SERVICES KUBE-SERVICES→KUBE-NODEPORTS KUBE-NODEPORTS→KUBE-EXT-V7ZMVOA2AOW6ATRL KUBE-EXT-V7ZMVOA2AOW6ATRL→KUBE-SVC-V7ZMVOA2AOW6ATRL KUBE-SVC-V7ZMVOA2AOW6ATRL→KUBE-SEP-NKQXCFAOZVB6IA7L KUBE-SEP-NKQXCFAOZVB6IA7L→DNAT",
			verdict: "ACCEPT", dnat: "10.244.2.3:8080", shares: []float64{0.5, 0.5}},
		{name: "affinity, no earlier connection: random choice among 3", file: "affinity.golden", table: "nat", hook: "OUTPUT",
			p:       Packet{Src: "10.244.1.9", Dst: "10.96.0.101", Proto: "tcp", DPort: 80, Prefer: "10.244.2.4"},
			verdict: "ACCEPT", dnat: "10.244.2.4:8080", shares: []float64{0, 0, 0, 1.0 / 3, 1.0 / 3, 1.0 / 3}},
		{name: "affinity, source on the second endpoint's list", file: "affinity.golden", table: "nat", hook: "OUTPUT",
			p:       Packet{Src: "10.244.1.9", Dst: "10.96.0.101", Proto: "tcp", DPort: 80, Recent: map[string]bool{"KUBE-SEP-JFWKHOX5RLVOK7M7": true}},
			chains:  "OUTPUT→KUBE-SERVICES KUBE-SERVICES→KUBE-SVC-BJWR5DPVIKTHVKZU KUBE-SVC-BJWR5DPVIKTHVKZU→KUBE-SEP-JFWKHOX5RLVOK7M7 KUBE-SEP-JFWKHOX5RLVOK7M7→DNAT",
			verdict: "ACCEPT", dnat: "10.244.2.3:8080"},
		{name: "no endpoints: REJECT in filter KUBE-SERVICES", file: "no-endpoints.golden", table: "filter", hook: "FORWARD",
			p:       Packet{Src: "10.244.1.9", Dst: "10.96.0.105", Proto: "tcp", DPort: 80},
			chains:  "FORWARD→KUBE-FORWARD FORWARD→KUBE-SERVICES KUBE-SERVICES→REJECT",
			verdict: "REJECT"},
		{name: "no endpoints: NodePort REJECT in KUBE-EXTERNAL-SERVICES", file: "no-endpoints.golden", table: "filter", hook: "INPUT",
			p:      Packet{Src: "192.168.77.1", Dst: "192.168.77.10", Proto: "tcp", DPort: 30003, Local: node},
			chains: "INPUT→KUBE-EXTERNAL-SERVICES KUBE-EXTERNAL-SERVICES→REJECT", verdict: "REJECT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, err := golden(t, tc.file).Walk(tc.table, tc.hook, tc.p)
			if err != nil {
				t.Fatal(err)
			}
			if tc.chains != "" && chains(w) != tc.chains {
				t.Errorf("steps:\n got %s\nwant %s", chains(w), tc.chains)
			}
			if w.Verdict != tc.verdict || w.DNAT != tc.dnat || w.Masquerade != tc.masq {
				t.Errorf("verdict %s dnat %q masq %v, want %s %q %v (steps %s)", w.Verdict, w.DNAT, w.Masquerade, tc.verdict, tc.dnat, tc.masq, chains(w))
			}
			if tc.mark != 0 && w.Mark != tc.mark {
				t.Errorf("mark %#x, want %#x", w.Mark, tc.mark)
			}
			if tc.shares != nil {
				var eps []Endpoint
				for _, st := range w.Steps {
					if st.Endpoints != nil {
						eps = st.Endpoints
					}
				}
				if len(eps) != len(tc.shares) {
					t.Fatalf("endpoints %+v, want %d", eps, len(tc.shares))
				}
				for i, e := range eps {
					if d := e.Share - tc.shares[i]; d > 1e-6 || d < -1e-6 {
						t.Errorf("endpoint %d %s share %v, want %v", i, e.Address, e.Share, tc.shares[i])
					}
				}
			}
		})
	}
}

func TestParseSaveCounters(t *testing.T) {
	ts := golden(t, "lab-node1.save")
	r := ts["nat"].Chains["KUBE-SEP-PTMZZQCON32GO54E"].Rules[1]
	if r.Packets != 13 || r.Bytes != 780 || r.Index != 2 || r.Target != "DNAT" || r.Comment() != "default/kubernetes:https" {
		t.Errorf("rule = %+v", r)
	}
	if p := ts["nat"].Chains["PREROUTING"].Policy; p != "ACCEPT" {
		t.Errorf("PREROUTING policy %q", p)
	}
	for _, bad := range []string{"-A X -j", "*nat\n-A X \"open", "-A X -j ACCEPT", "*nat\n[1:x] -A X -j ACCEPT", "*nat\n-I X -j ACCEPT"} {
		if _, err := ParseSave(bad); err == nil {
			t.Errorf("ParseSave(%q) accepted", bad)
		}
	}
	odd, err := ParseSave("*filter\n:FORWARD ACCEPT [0:0]\n-A FORWARD -m physdev --physdev-is-bridged -j DROP\n-A FORWARD -j ACCEPT\nCOMMIT\n")
	if err != nil {
		t.Fatal(err)
	}
	if w, err := odd.Walk("filter", "FORWARD", Packet{}); err != nil || w.Verdict != "ACCEPT" || len(w.Notes) != 1 || w.Notes[0] != "FORWARD rule 1: --physdev-is-bridged is not understood by the trace; taken as not matching" {
		t.Errorf("unknown match: %+v %v", w, err)
	}
	if _, err := ts.Walk("raw", "PREROUTING", Packet{}); err == nil || err.Error() != "no raw table" {
		t.Errorf("raw: %v", err)
	}
}
