package iptables

import (
	"strconv"
	"strings"
	"testing"

	"minik8s/pkg/api"
)

// TestGoldenPayloads writes the full-sync payload of every kind of Service
// and compares it with testdata/<name>.golden (go test -update rewrites
// them; review the diff).
func TestGoldenPayloads(t *testing.T) {
	web := sport("http", "TCP", 8080)
	webTLS := sport("https", "TCP", 8443)
	three := []ep{{ip: "10.244.1.2", node: testNode}, {ip: "10.244.2.3", node: "node2"}, {ip: "10.244.2.4", node: "node2"}}
	for _, tc := range []struct {
		name     string
		services []*api.Service
		slices   []*api.EndpointSlice
	}{{
		// The seeds' multi-port Service: two named ports, three ready
		// backends and one that is not ready (left out).
		name: "clusterip-multiport",
		services: []*api.Service{svc("default", "hello", "10.96.0.100", func(s *api.Service) {
			s.Spec.Ports = []api.ServicePort{port("http", "TCP", 80, 0), port("https", "TCP", 443, 0)}
		})},
		slices: []*api.EndpointSlice{slice("default", "hello", "hello-abc",
			append(three, ep{ip: "10.244.1.9", node: testNode, notReady: true}), web, webTLS)},
	}, {
		name: "affinity",
		services: []*api.Service{
			svc("default", "sticky", "10.96.0.101", func(s *api.Service) {
				s.Spec.SessionAffinity = "ClientIP"
				s.Spec.Ports = []api.ServicePort{port("", "TCP", 80, 0)}
			}),
			svc("default", "sticky-short", "10.96.0.102", func(s *api.Service) {
				s.Spec.SessionAffinity = "ClientIP"
				s.Spec.SessionAffinityConfig = &api.SessionAffinityConfig{ClientIP: &api.ClientIPConfig{TimeoutSeconds: ptr(int32(60))}}
				s.Spec.Ports = []api.ServicePort{port("", "TCP", 80, 0)}
			}),
		},
		slices: []*api.EndpointSlice{
			slice("default", "sticky", "sticky-1", three, sport("", "TCP", 8080)),
			slice("default", "sticky-short", "sticky-short-1", three[:2], sport("", "TCP", 8080)),
		},
	}, {
		name: "nodeport",
		services: []*api.Service{svc("default", "web", "10.96.0.103", func(s *api.Service) {
			s.Spec.Type = api.ServiceTypeNodePort
			s.Spec.Ports = []api.ServicePort{port("http", "TCP", 80, 30001)}
		})},
		slices: []*api.EndpointSlice{slice("default", "web", "web-1", three[:2], web)},
	}, {
		// externalTrafficPolicy Local: the NodePort goes to the local
		// endpoint only (KUBE-SVL), the cluster IP to both.
		name: "nodeport-local",
		services: []*api.Service{svc("default", "web-local", "10.96.0.104", func(s *api.Service) {
			s.Spec.Type = api.ServiceTypeNodePort
			s.Spec.ExternalTrafficPolicy = "Local"
			s.Spec.Ports = []api.ServicePort{port("http", "TCP", 80, 30002)}
		})},
		slices: []*api.EndpointSlice{slice("default", "web-local", "web-local-1", three[:2], web)},
	}, {
		// No endpoints: REJECT in filter for the cluster IP, the
		// external IP and the NodePort; nothing in nat but the top
		// chains.
		name: "no-endpoints",
		services: []*api.Service{svc("default", "empty", "10.96.0.105", func(s *api.Service) {
			s.Spec.Type = api.ServiceTypeNodePort
			s.Spec.ExternalIPs = []string{"192.168.50.10"}
			s.Spec.Ports = []api.ServicePort{port("http", "TCP", 80, 30003)}
		})},
	}, {
		name: "externalips",
		services: []*api.Service{svc("default", "ext", "10.96.0.106", func(s *api.Service) {
			s.Spec.ExternalIPs = []string{"192.168.50.10", "192.168.50.11"}
			s.Spec.Ports = []api.ServicePort{port("http", "TCP", 80, 0)}
		})},
		slices: []*api.EndpointSlice{slice("default", "ext", "ext-1", three[1:], web)},
	}, {
		// internalTrafficPolicy Local: the cluster IP reaches the local
		// endpoint only; without one it is DROPped (not REJECTed: the
		// Service has endpoints elsewhere).
		name: "internal-local",
		services: []*api.Service{
			svc("default", "itp", "10.96.0.107", func(s *api.Service) {
				s.Spec.InternalTrafficPolicy = ptr("Local")
				s.Spec.Ports = []api.ServicePort{port("http", "TCP", 80, 0)}
			}),
			svc("default", "itp-remote", "10.96.0.108", func(s *api.Service) {
				s.Spec.InternalTrafficPolicy = ptr("Local")
				s.Spec.Ports = []api.ServicePort{port("http", "TCP", 80, 0)}
			}),
		},
		slices: []*api.EndpointSlice{
			slice("default", "itp", "itp-1", three, web),
			slice("default", "itp-remote", "itp-remote-1", three[1:], web),
		},
	}, {
		// UDP and TCP on the same port number, unnamed ports would
		// clash, so they are named as kube-dns's are.
		name: "udp-dns",
		services: []*api.Service{svc("kube-system", "kube-dns", "10.96.0.10", func(s *api.Service) {
			s.Spec.Ports = []api.ServicePort{port("dns", "UDP", 53, 0), port("dns-tcp", "TCP", 53, 0)}
		})},
		slices: []*api.EndpointSlice{slice("kube-system", "kube-dns", "kube-dns-1", three[:2],
			sport("dns", "UDP", 53), sport("dns-tcp", "TCP", 53))},
	}, {
		// Only terminating endpoints: the serving ones are used (no
		// ready endpoint anywhere), the not-serving one is not.
		name: "terminating",
		services: []*api.Service{svc("default", "draining", "10.96.0.109", func(s *api.Service) {
			s.Spec.Ports = []api.ServicePort{port("http", "TCP", 80, 0)}
		})},
		slices: []*api.EndpointSlice{slice("default", "draining", "draining-1", []ep{
			{ip: "10.244.1.2", node: testNode, notReady: true, serving: true, terminat: true},
			{ip: "10.244.2.3", node: "node2", notReady: true, serving: false, terminat: true},
		}, web)},
	}, {
		// Headless and ExternalName Services get no rules at all.
		name: "headless",
		services: []*api.Service{
			svc("default", "headless", "None", func(s *api.Service) { s.Spec.Ports = []api.ServicePort{port("http", "TCP", 80, 0)} }),
			svc("default", "extname", "", func(s *api.Service) {
				s.Spec.Type = api.ServiceTypeExternalName
				s.Spec.ExternalName = "example.com"
			}),
		},
		slices: []*api.EndpointSlice{slice("default", "headless", "headless-1", three, web)},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			golden(t, tc.name+".golden", Payload(Generate(testConfig(), input(tc.services, tc.slices)), nil, nil))
		})
	}
}

// TestPartialSync: after one Service's endpoint changes, the partial
// payload rewrites the top-level chains and that Service's chains only,
// and deletes the chain of the endpoint that went away.
func TestPartialSync(t *testing.T) {
	web := sport("http", "TCP", 8080)
	services := []*api.Service{
		svc("default", "a", "10.96.0.110", func(s *api.Service) { s.Spec.Ports = []api.ServicePort{port("http", "TCP", 80, 0)} }),
		svc("default", "b", "10.96.0.111", func(s *api.Service) { s.Spec.Ports = []api.ServicePort{port("http", "TCP", 80, 0)} }),
	}
	before := Generate(testConfig(), input(services, []*api.EndpointSlice{
		slice("default", "a", "a-1", []ep{{ip: "10.244.1.2"}}, web),
		slice("default", "b", "b-1", []ep{{ip: "10.244.1.3"}, {ip: "10.244.2.3"}}, web),
	}))
	after := Generate(testConfig(), input(services, []*api.EndpointSlice{
		slice("default", "a", "a-1", []ep{{ip: "10.244.1.2"}}, web),
		slice("default", "b", "b-1", []ep{{ip: "10.244.1.3"}}, web),
	}))
	var existing []string
	for c := range before.Active {
		existing = append(existing, c)
	}
	stale := Stale(append(existing, "KUBE-SERVICES", "KUBE-HP-SOMETHING"), after.Active)
	gone := EndpointChain("default/b:http", "tcp", "10.244.2.3:8080")
	if len(stale) != 1 || stale[0] != gone {
		t.Fatalf("stale = %v, want [%s]", stale, gone)
	}
	changed := map[string]bool{}
	old := map[string]string{}
	for i := range before.Services {
		old[before.Services[i].Service] = before.Services[i].Text()
	}
	for i := range after.Services {
		if s := &after.Services[i]; old[s.Service] != s.Text() {
			changed[s.Service] = true
		}
	}
	if len(changed) != 1 || !changed["default/b"] {
		t.Fatalf("changed = %v, want default/b only", changed)
	}
	got := Payload(after, func(s string) bool { return changed[s] }, stale)
	golden(t, "partial.golden", got)
	if strings.Contains(string(got), ServiceChain("default/a:http", "tcp")+" - [0:0]") {
		t.Error("the partial payload rewrites the unchanged Service's chain")
	}
}

// TestLargeClusterDropsComments: above LargeClusterEndpoints endpoints the
// per-endpoint rules have no comments; the KUBE-SERVICES ones keep theirs.
func TestLargeClusterDropsComments(t *testing.T) {
	var eps []ep
	for i := 0; i < LargeClusterEndpoints+1; i++ {
		eps = append(eps, ep{ip: "10.244." + itoa(i/250) + "." + itoa(i%250+1)})
	}
	services := []*api.Service{svc("default", "big", "10.96.0.112", func(s *api.Service) { s.Spec.Ports = []api.ServicePort{port("", "TCP", 80, 0)} })}
	p := string(Payload(Generate(testConfig(), input(services, []*api.EndpointSlice{slice("default", "big", "big-1", eps, sport("", "TCP", 80))})), nil, nil))
	sep := EndpointChain("default/big", "tcp", "10.244.0.1:80")
	if !strings.Contains(p, "-A "+sep+" -s 10.244.0.1 -j KUBE-MARK-MASQ\n") {
		t.Errorf("endpoint rule with a comment in large cluster mode:\n%s", grep(p, sep))
	}
	if !strings.Contains(p, `--comment "default/big cluster IP"`) {
		t.Error("the cluster IP rule lost its comment")
	}
}

func TestProbability(t *testing.T) {
	for n, want := range map[int]string{1: "1.0000000000", 2: "0.5000000000", 3: "0.3333333333", 7: "0.1428571429"} {
		if got := Probability(n); got != want {
			t.Errorf("Probability(%d) = %s, want %s", n, got, want)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestGenerateCached: the cache gives the same rules as Generate, and a
// Service whose input changed is regenerated while the others are reused.
func TestGenerateCached(t *testing.T) {
	web := sport("http", "TCP", 8080)
	services := []*api.Service{
		svc("default", "a", "10.96.0.110", func(s *api.Service) { s.Spec.Ports = []api.ServicePort{port("http", "TCP", 80, 0)} }),
		svc("default", "b", "10.96.0.111", func(s *api.Service) { s.Spec.Ports = []api.ServicePort{port("http", "TCP", 80, 0)} }),
	}
	c := NewCache()
	for _, eps := range [][]ep{{{ip: "10.244.1.2"}}, {{ip: "10.244.1.2"}, {ip: "10.244.1.3"}}, {}} {
		in := input(services, []*api.EndpointSlice{slice("default", "a", "a-1", []ep{{ip: "10.244.9.9"}}, web), slice("default", "b", "b-1", eps, web)})
		before := c.m["default/a"]
		got := Payload(GenerateCached(testConfig(), in, c), nil, nil)
		want := Payload(Generate(testConfig(), in), nil, nil)
		if string(got) != string(want) {
			t.Fatalf("cached payload differs:\n%s\n--- want\n%s", got, want)
		}
		if before != nil && c.m["default/a"] != before {
			t.Error("the unchanged Service a was regenerated")
		}
	}
	GenerateCached(testConfig(), input(services[:1], nil), c)
	if len(c.m) != 1 {
		t.Errorf("the cache keeps %d Services, want 1 (the deleted one dropped)", len(c.m))
	}
}

func TestMissingJumps(t *testing.T) {
	save := map[string][]byte{
		"nat": []byte(`*nat
:PREROUTING ACCEPT [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
COMMIT
`),
		"filter": []byte(`*filter
-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
COMMIT
`),
	}
	var got []string
	for _, j := range MissingJumps(Jumps(), save) {
		got = append(got, j.Table+"/"+j.Chain+"->"+j.Target)
	}
	want := []string{
		"filter/INPUT->KUBE-EXTERNAL-SERVICES", "filter/FORWARD->KUBE-EXTERNAL-SERVICES", "filter/INPUT->KUBE-NODEPORTS",
		"filter/OUTPUT->KUBE-SERVICES", "filter/INPUT->KUBE-PROXY-FIREWALL", "filter/OUTPUT->KUBE-PROXY-FIREWALL",
		"filter/FORWARD->KUBE-PROXY-FIREWALL", "nat/OUTPUT->KUBE-SERVICES",
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("missing = %v\nwant %v", got, want)
	}
}
