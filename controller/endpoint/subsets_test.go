package endpoint

import (
	"encoding/json"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	"minik8s/pkg/api"
)

type podOpt func(*api.Pod)

func pod(name, ip string, opts ...podOpt) *api.Pod {
	p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, Namespace: "ns", UID: "uid-" + name, Labels: map[string]string{"app": "a"}},
		Spec:   api.PodSpec{NodeName: "n1", Containers: []api.Container{{Name: "c", Ports: []api.ContainerPort{{Name: "http", ContainerPort: 8080}}}}},
		Status: api.PodStatus{PodIP: ip, Phase: api.PodRunning, Conditions: []api.PodCondition{{Type: api.PodReady, Status: api.ConditionTrue}}}}
	for _, o := range opts {
		o(p)
	}
	return p
}

func notReady(p *api.Pod) { p.Status.Conditions[0].Status = api.ConditionFalse }
func terminating(p *api.Pod) {
	t := api.Now()
	p.DeletionTimestamp = &t
}
func ports(ps ...api.ContainerPort) podOpt {
	return func(p *api.Pod) { p.Spec.Containers[0].Ports = ps }
}
func hostname(h, sub string) podOpt {
	return func(p *api.Pod) { p.Spec.Hostname, p.Spec.Subdomain = h, sub }
}

func svc(opts ...func(*api.Service)) *api.Service {
	s := &api.Service{ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "ns"},
		Spec: api.ServiceSpec{Selector: map[string]string{"app": "a"}, ClusterIP: "10.96.0.5",
			Ports: []api.ServicePort{{Name: "http", Port: 80, Protocol: "TCP", TargetPort: intstr.FromString("http")}}}}
	for _, o := range opts {
		o(s)
	}
	return s
}

// short renders subsets compactly: "[ready: ips | notready: ips | ports]".
func short(ss []api.EndpointSubset) string {
	out := ""
	for _, s := range ss {
		out += "["
		for _, a := range s.Addresses {
			out += a.IP + " "
		}
		out += "| "
		for _, a := range s.NotReadyAddresses {
			out += a.IP + " "
		}
		out += "|"
		for _, p := range s.Ports {
			out += " " + p.Name + ":" + itoa(p.Port) + "/" + p.Protocol
		}
		out += "]"
	}
	return out
}

func itoa(i int32) string { b, _ := json.Marshal(i); return string(b) }

func TestSubsets(t *testing.T) {
	multi := func(s *api.Service) {
		s.Spec.Ports = []api.ServicePort{
			{Name: "http", Port: 80, Protocol: "TCP", TargetPort: intstr.FromString("http")},
			{Name: "metrics", Port: 9100, Protocol: "TCP", TargetPort: intstr.FromInt32(9100)},
		}
	}
	cases := []struct {
		name string
		svc  *api.Service
		pods []*api.Pod
		want string
	}{
		{"ready and not ready", svc(), []*api.Pod{pod("a", "10.244.1.2"), pod("b", "10.244.1.3", notReady)},
			"[10.244.1.2 | 10.244.1.3 | http:8080/TCP]"},
		{"publishNotReadyAddresses", svc(func(s *api.Service) { s.Spec.PublishNotReadyAddresses = true }),
			[]*api.Pod{pod("a", "10.244.1.2"), pod("b", "10.244.1.3", notReady)},
			"[10.244.1.2 10.244.1.3 | | http:8080/TCP]"},
		{"no IP, terminating and finished pods left out", svc(), []*api.Pod{pod("a", ""), pod("b", "10.244.1.3", terminating),
			pod("c", "10.244.1.4", func(p *api.Pod) { p.Spec.RestartPolicy = "Never"; p.Status.Phase = api.PodSucceeded }),
			pod("d", "10.244.1.5")},
			"[10.244.1.5 | | http:8080/TCP]"},
		{"terminating kept with publishNotReadyAddresses", svc(func(s *api.Service) { s.Spec.PublishNotReadyAddresses = true }),
			[]*api.Pod{pod("b", "10.244.1.3", terminating)}, "[10.244.1.3 | | http:8080/TCP]"},
		{"named targetPort resolves per pod", svc(), []*api.Pod{pod("a", "10.244.1.2"),
			pod("b", "10.244.1.3", ports(api.ContainerPort{Name: "http", ContainerPort: 9090}))},
			"[10.244.1.2 | | http:8080/TCP][10.244.1.3 | | http:9090/TCP]"},
		{"pod without the named port left out", svc(), []*api.Pod{pod("a", "10.244.1.2", ports(api.ContainerPort{Name: "other", ContainerPort: 1}))}, ""},
		{"protocol must match the named port", svc(func(s *api.Service) { s.Spec.Ports[0].Protocol = "UDP" }),
			[]*api.Pod{pod("a", "10.244.1.2")}, ""},
		{"multi-port: ports grouped by the addresses serving them", svc(multi), []*api.Pod{pod("a", "10.244.1.2"), pod("b", "10.244.1.3", notReady),
			pod("c", "10.244.1.4", ports())},
			"[10.244.1.2 | 10.244.1.3 | http:8080/TCP][10.244.1.2 10.244.1.4 | 10.244.1.3 | metrics:9100/TCP]"},
		{"multi-port: one subset when every pod serves every port", svc(multi), []*api.Pod{pod("a", "10.244.1.2"), pod("b", "10.244.1.3", notReady)},
			"[10.244.1.2 | 10.244.1.3 | http:8080/TCP metrics:9100/TCP]"},
		{"targetPort 0 is the port", svc(func(s *api.Service) { s.Spec.Ports[0].TargetPort = intstr.FromInt32(0) }),
			[]*api.Pod{pod("a", "10.244.1.2")}, "[10.244.1.2 | | http:80/TCP]"},
		{"headless without ports lists pods without ports", svc(func(s *api.Service) { s.Spec.ClusterIP = "None"; s.Spec.Ports = nil }),
			[]*api.Pod{pod("a", "10.244.1.2")}, "[10.244.1.2 | |]"},
		{"non-headless without ports lists nothing", svc(func(s *api.Service) { s.Spec.Ports = nil }), []*api.Pod{pod("a", "10.244.1.2")}, ""},
		{"addresses sorted numerically", svc(), []*api.Pod{pod("a", "10.244.1.10"), pod("b", "10.244.1.9"), pod("c", "10.244.0.200")},
			"[10.244.0.200 10.244.1.9 10.244.1.10 | | http:8080/TCP]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Subsets(tc.svc, tc.pods)
			if s := short(got); s != tc.want {
				t.Errorf("got %s\nwant %s", s, tc.want)
			}
			// Any input order gives the same output.
			rev := append([]*api.Pod(nil), tc.pods...)
			for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
				rev[i], rev[j] = rev[j], rev[i]
			}
			if !jsonEqual(got, Subsets(tc.svc, rev)) {
				t.Errorf("order-dependent: %s vs %s", short(got), short(Subsets(tc.svc, rev)))
			}
		})
	}
}

func TestAddressFields(t *testing.T) {
	got := Subsets(svc(), []*api.Pod{pod("a", "10.244.1.2", hostname("h", "web")), pod("b", "10.244.1.3", hostname("h2", "other"))})
	if len(got) != 1 || len(got[0].Addresses) != 2 {
		t.Fatalf("got %s", short(got))
	}
	a, b := got[0].Addresses[0], got[0].Addresses[1]
	if a.Hostname != "h" || b.Hostname != "" {
		t.Errorf("hostname only when subdomain is the service: %q %q", a.Hostname, b.Hostname)
	}
	if a.NodeName == nil || *a.NodeName != "n1" {
		t.Errorf("nodeName: %v", a.NodeName)
	}
	if r := a.TargetRef; r == nil || r.Kind != "Pod" || r.Name != "a" || r.Namespace != "ns" || r.UID != "uid-a" {
		t.Errorf("targetRef: %+v", r)
	}
}

func TestRepackSubsets(t *testing.T) {
	p := func(name string, port int32) []api.EndpointPort {
		return []api.EndpointPort{{Name: name, Port: port, Protocol: "TCP"}}
	}
	ad := func(ip string) []api.EndpointAddress { return []api.EndpointAddress{{IP: ip}} }
	cases := []struct {
		name string
		in   []api.EndpointSubset
		want string
	}{
		{"empty", nil, ""},
		{"merge same port", []api.EndpointSubset{{Addresses: ad("1.1.1.2"), Ports: p("a", 1)}, {Addresses: ad("1.1.1.1"), Ports: p("a", 1)}},
			"[1.1.1.1 1.1.1.2 | | a:1/TCP]"},
		{"ready wins over not ready for one address", []api.EndpointSubset{{NotReadyAddresses: ad("1.1.1.1"), Ports: p("a", 1)}, {Addresses: ad("1.1.1.1"), Ports: p("a", 1)}},
			"[1.1.1.1 | | a:1/TCP]"},
		{"same addresses on two ports share a subset", []api.EndpointSubset{{Addresses: ad("1.1.1.1"), Ports: p("b", 2)}, {Addresses: ad("1.1.1.1"), Ports: p("a", 1)}},
			"[1.1.1.1 | | a:1/TCP b:2/TCP]"},
		{"different addresses split", []api.EndpointSubset{{Addresses: ad("1.1.1.1"), Ports: p("a", 1)}, {Addresses: ad("1.1.1.2"), Ports: p("b", 2)}},
			"[1.1.1.1 | | a:1/TCP][1.1.1.2 | | b:2/TCP]"},
		{"readiness differs per port", []api.EndpointSubset{{Addresses: ad("1.1.1.1"), Ports: p("a", 1)}, {NotReadyAddresses: ad("1.1.1.1"), Ports: p("b", 2)}},
			"[1.1.1.1 | | a:1/TCP][| 1.1.1.1 | b:2/TCP]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := short(RepackSubsets(tc.in)); got != tc.want {
				t.Errorf("got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestDesired(t *testing.T) {
	s := svc(func(s *api.Service) { s.Labels = map[string]string{"team": "x"} })
	subsets := Subsets(s, []*api.Pod{pod("a", "10.244.1.2")})
	trig := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	want, changed := Desired(s, nil, subsets, trig)
	if !changed || want.Name != "web" || want.Namespace != "ns" || want.Labels["team"] != "x" {
		t.Fatalf("new: %v %+v", changed, want.ObjectMeta)
	}
	if a := want.Annotations["endpoints.kubernetes.io/last-change-trigger-time"]; a != "2026-01-02T03:04:05.000000006Z" {
		t.Errorf("trigger annotation %q", a)
	}
	cur := want
	cur.ResourceVersion = "7"
	if _, changed := Desired(s, cur, Subsets(s, []*api.Pod{pod("a", "10.244.1.2")}), time.Time{}); changed {
		t.Error("no change must not be written")
	}
	next, changed := Desired(s, cur, nil, time.Time{})
	if !changed || next.ResourceVersion != "7" || len(next.Subsets) != 0 {
		t.Errorf("emptied: %v %+v", changed, next)
	}
	if _, ok := next.Annotations["endpoints.kubernetes.io/last-change-trigger-time"]; ok {
		t.Error("a zero trigger time removes the annotation")
	}
	h := svc(func(s *api.Service) { s.Spec.ClusterIP = "None" })
	hw, _ := Desired(h, nil, nil, time.Time{})
	if _, ok := hw.Labels[LabelHeadless]; !ok {
		t.Errorf("headless label missing: %v", hw.Labels)
	}
	if _, changed := Desired(s, cur, subsets, time.Time{}); changed {
		t.Error("labels equal, subsets equal: unchanged")
	}
	s.Labels["team"] = "y"
	if _, changed := Desired(s, cur, subsets, time.Time{}); !changed {
		t.Error("a service label change must be copied")
	}
}
