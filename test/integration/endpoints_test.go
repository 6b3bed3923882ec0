package integration

// The Endpoints and EndpointSlice controllers (controller/endpoint,
// controller/endpointslice, run by the controller-manager) against a real
// apiserver. No kubelet runs: pods get their IP and Ready condition
// through the status subresource, as a kubelet would write them.

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
)

type epEnv struct {
	t   *testing.T
	c   *mkclient.Client
	ctx context.Context
	ns  string
}

func startEndpointsEnv(t *testing.T) *epEnv {
	t.Helper()
	ts := testserver.Start(t)
	c, err := mkclient.New(&mkclient.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	startControllerManager(t, ts.URL)
	return &epEnv{t: t, c: c, ctx: context.Background(), ns: "default"}
}

// pod creates a pod labelled app=web with the given named container ports.
func (e *epEnv) pod(name, node string, ports map[string]int32) {
	e.t.Helper()
	p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, Labels: map[string]string{"app": "web"}},
		Spec: api.PodSpec{NodeName: node, Containers: []api.Container{{Name: "c", Image: "busybox"}}}}
	for n, port := range ports {
		p.Spec.Containers[0].Ports = append(p.Spec.Containers[0].Ports, api.ContainerPort{Name: n, ContainerPort: port, Protocol: "TCP"})
	}
	if _, err := e.c.Pods(e.ns).Create(e.ctx, p); err != nil {
		e.t.Fatal(err)
	}
}

// setStatus writes a pod's IP and Ready condition as a kubelet would.
func (e *epEnv) setStatus(name, ip string, ready bool) {
	e.t.Helper()
	for attempt := 0; ; attempt++ {
		p, err := e.c.Pods(e.ns).Get(e.ctx, name)
		if err != nil {
			e.t.Fatal(err)
		}
		st := api.ConditionFalse
		if ready {
			st = api.ConditionTrue
		}
		p.Status.Phase, p.Status.PodIP, p.Status.PodIPs = api.PodRunning, ip, []api.PodIP{{IP: ip}}
		p.Status.Conditions = []api.PodCondition{{Type: api.PodReady, Status: st, LastTransitionTime: api.NewTime(time.Now())}}
		_, err = e.c.Pods(e.ns).UpdateStatus(e.ctx, p)
		if err == nil {
			return
		}
		if !mkclient.IsConflict(err) || attempt > 5 {
			e.t.Fatal(err)
		}
	}
}

func (e *epEnv) service(name string, publish bool, ports ...api.ServicePort) {
	e.t.Helper()
	s := &api.Service{ObjectMeta: api.ObjectMeta{Name: name, Labels: map[string]string{"team": "t"}},
		Spec: api.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: ports, PublishNotReadyAddresses: publish}}
	if _, err := e.c.Services(e.ns).Create(e.ctx, s); err != nil {
		e.t.Fatal(err)
	}
}

// endpoints renders the Endpoints "name" as "[ready | notready | ports]"
// per subset ("<none>" when there is none).
func (e *epEnv) endpoints(name string) string {
	ep, err := e.c.Endpoints(e.ns).Get(e.ctx, name)
	if mkclient.IsNotFound(err) {
		return "<none>"
	}
	if err != nil {
		e.t.Fatal(err)
	}
	var b strings.Builder
	for _, s := range ep.Subsets {
		b.WriteString("[")
		for _, a := range s.Addresses {
			b.WriteString(a.IP + " ")
		}
		b.WriteString("|")
		for _, a := range s.NotReadyAddresses {
			b.WriteString(" " + a.IP)
		}
		b.WriteString(" |")
		for _, p := range s.Ports {
			fmt.Fprintf(&b, " %s:%d", p.Name, p.Port)
		}
		b.WriteString("]")
	}
	return b.String()
}

// slices renders the managed EndpointSlices of a service, one line per
// endpoint sorted: "ip ports ready/serving/terminating node zone".
func (e *epEnv) slices(svc string) string {
	list, _, err := mkclient.Typed[*api.EndpointSlice](e.c, e.ns).List(e.ctx, mkclient.ListOptions{LabelSelector: api.LabelServiceName + "=" + svc})
	if err != nil {
		e.t.Fatal(err)
	}
	var lines []string
	for _, s := range list {
		if s.Labels[api.LabelManagedBy] != api.EndpointSliceControllerID {
			continue
		}
		var ports []string
		for _, p := range s.Ports {
			ports = append(ports, fmt.Sprintf("%s:%d", *p.Name, *p.Port))
		}
		sort.Strings(ports)
		for _, ep := range s.Endpoints {
			c := ep.Conditions
			line := fmt.Sprintf("%s %s %t/%t/%t", ep.Addresses[0], strings.Join(ports, ","), *c.Ready, *c.Serving, *c.Terminating)
			if ep.NodeName != nil {
				line += " " + *ep.NodeName
			}
			if ep.Zone != nil {
				line += " " + *ep.Zone
			}
			lines = append(lines, line)
		}
		if len(s.Endpoints) == 0 {
			lines = append(lines, "placeholder")
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "; ")
}

// await polls until render() == want, generously; it returns how long it took.
func (e *epEnv) await(what string, render func() string, want string) time.Duration {
	e.t.Helper()
	start := time.Now()
	deadline := start.Add(20 * time.Second)
	for {
		got := render()
		if got == want {
			return time.Since(start)
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%s:\n got %s\nwant %s", what, got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestEndpointsFollowPods: Endpoints and EndpointSlices of a multi-port
// service with a named targetPort follow pod readiness (ready and
// not-ready addresses, slice conditions, node and zone), a pod's
// deletion (terminating: out of Endpoints, kept in slices), and the
// service's deletion (both gone); publishNotReadyAddresses lists
// not-ready pods as ready; a deleted Endpoints comes back; the Endpoints
// of a service without selector are left alone.
func TestEndpointsFollowPods(t *testing.T) {
	e := startEndpointsEnv(t)
	node := &api.Node{ObjectMeta: api.ObjectMeta{Name: "n1", Labels: map[string]string{"topology.kubernetes.io/zone": "zone-a"}}}
	if _, err := e.c.Nodes().Create(e.ctx, node); err != nil {
		t.Fatal(err)
	}
	e.service("web", false,
		api.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromString("http")},
		api.ServicePort{Name: "metrics", Port: 9100, TargetPort: intstr.FromInt32(9100)})
	e.service("web-all", true, api.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromString("http")})

	// No pods yet: empty Endpoints and a placeholder slice.
	e.await("endpoints of web without pods", func() string { return e.endpoints("web") }, "")
	e.await("slices of web without pods", func() string { return e.slices("web") }, "placeholder")
	// The first sync's trigger time is the service's creation.
	svc, err := e.c.Services(e.ns).Get(e.ctx, "web")
	if err != nil {
		t.Fatal(err)
	}
	ep, err := e.c.Endpoints(e.ns).Get(e.ctx, "web")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ep.Annotations["endpoints.kubernetes.io/last-change-trigger-time"], svc.CreationTimestamp.UTC().Format(time.RFC3339Nano); got != want {
		t.Errorf("last-change-trigger-time %q, want %q", got, want)
	}

	e.pod("a", "n1", map[string]int32{"http": 8080})
	e.pod("b", "", map[string]int32{"http": 8081})
	e.pod("c", "", nil)
	e.setStatus("a", "10.244.1.2", true)
	e.setStatus("b", "10.244.1.3", false)
	e.setStatus("c", "10.244.1.4", true)
	// The named port resolves per pod (a: 8080, b: 8081, c: none), so the
	// subsets are repacked by the addresses each port has.
	e.await("endpoints of web", func() string { return e.endpoints("web") },
		"[10.244.1.2 | | http:8080][| 10.244.1.3 | http:8081][10.244.1.2 10.244.1.4 | 10.244.1.3 | metrics:9100]")
	e.await("slices of web", func() string { return e.slices("web") },
		"10.244.1.2 http:8080,metrics:9100 true/true/false n1 zone-a; 10.244.1.3 http:8081,metrics:9100 false/false/false; 10.244.1.4 metrics:9100 true/true/false")
	e.await("endpoints of web-all (publishNotReadyAddresses)", func() string { return e.endpoints("web-all") },
		"[10.244.1.2 | | http:8080][10.244.1.3 | | http:8081]")

	// b becomes ready: both objects follow.
	e.setStatus("b", "10.244.1.3", true)
	d1 := e.await("endpoints after b is ready", func() string { return e.endpoints("web") },
		"[10.244.1.2 | | http:8080][10.244.1.3 | | http:8081][10.244.1.2 10.244.1.3 10.244.1.4 | | metrics:9100]")
	d2 := e.await("slices after b is ready", func() string { return e.slices("web") },
		"10.244.1.2 http:8080,metrics:9100 true/true/false n1 zone-a; 10.244.1.3 http:8081,metrics:9100 true/true/false; 10.244.1.4 metrics:9100 true/true/false")
	t.Logf("readiness change visible after %v (Endpoints) and %v (EndpointSlices)", d1, d1+d2)
	if ep, err = e.c.Endpoints(e.ns).Get(e.ctx, "web"); err != nil {
		t.Fatal(err)
	}
	if ep.Labels["team"] != "t" {
		t.Errorf("endpoints labels %v, want the service's", ep.Labels)
	}
	for _, s := range ep.Subsets {
		for _, a := range s.Addresses {
			if a.TargetRef == nil || a.TargetRef.Kind != "Pod" || a.TargetRef.UID == "" {
				t.Errorf("address %s: targetRef %+v", a.IP, a.TargetRef)
			}
			if a.IP == "10.244.1.2" && (a.NodeName == nil || *a.NodeName != "n1") {
				t.Errorf("address of a: nodeName %v", a.NodeName)
			}
		}
	}

	// a becomes not ready, then is deleted: on a node, its deletion waits
	// for the kubelet, so it is terminating.
	e.setStatus("a", "10.244.1.2", false)
	e.await("endpoints after a is not ready", func() string { return e.endpoints("web") },
		"[| 10.244.1.2 | http:8080][10.244.1.3 | | http:8081][10.244.1.3 10.244.1.4 | 10.244.1.2 | metrics:9100]")
	e.setStatus("a", "10.244.1.2", true)
	if err := e.c.Pods(e.ns).Delete(e.ctx, "a", nil); err != nil {
		t.Fatal(err)
	}
	e.await("endpoints without terminating a", func() string { return e.endpoints("web") },
		"[10.244.1.3 | | http:8081][10.244.1.3 10.244.1.4 | | metrics:9100]")
	e.await("slices keep terminating a (serving, not ready)", func() string { return e.slices("web") },
		"10.244.1.2 http:8080,metrics:9100 false/true/true n1 zone-a; 10.244.1.3 http:8081,metrics:9100 true/true/false; 10.244.1.4 metrics:9100 true/true/false")
	e.await("web-all keeps terminating a (publishNotReadyAddresses)", func() string { return e.endpoints("web-all") },
		"[10.244.1.2 | | http:8080][10.244.1.3 | | http:8081]")

	// A deleted Endpoints of a selector service comes back.
	if err := e.c.Endpoints(e.ns).Delete(e.ctx, "web-all", nil); err != nil {
		t.Fatal(err)
	}
	e.await("web-all endpoints recreated", func() string { return e.endpoints("web-all") },
		"[10.244.1.2 | | http:8080][10.244.1.3 | | http:8081]")

	// A service without selector: its Endpoints are the user's.
	manual := &api.Service{ObjectMeta: api.ObjectMeta{Name: "manual"}, Spec: api.ServiceSpec{Ports: []api.ServicePort{{Port: 80}}}}
	if _, err := e.c.Services(e.ns).Create(e.ctx, manual); err != nil {
		t.Fatal(err)
	}
	mep := &api.Endpoints{ObjectMeta: api.ObjectMeta{Name: "manual"}, Subsets: []api.EndpointSubset{{
		Addresses: []api.EndpointAddress{{IP: "192.0.2.7"}}, Ports: []api.EndpointPort{{Port: 8080}}}}}
	if _, err := e.c.Endpoints(e.ns).Create(e.ctx, mep); err != nil {
		t.Fatal(err)
	}

	// Deleting the service removes its Endpoints and (garbage collector)
	// its slices.
	if err := e.c.Services(e.ns).Delete(e.ctx, "web", nil); err != nil {
		t.Fatal(err)
	}
	e.await("endpoints of deleted web", func() string { return e.endpoints("web") }, "<none>")
	e.await("slices of deleted web", func() string { return e.slices("web") }, "")
	if got := e.endpoints("manual"); got != "[192.0.2.7 | | :8080]" {
		t.Errorf("user's Endpoints changed: %s", got)
	}
	if got := e.slices("manual"); got != "" {
		t.Errorf("slices made for a service without selector: %s", got)
	}
}

// TestEndpointSlicesManyPods: 230 pods fill slices of at most 100
// endpoints, updated in place (not recreated) when readiness changes.
func TestEndpointSlicesManyPods(t *testing.T) {
	e := startEndpointsEnv(t)
	e.service("big", false, api.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080)})
	const n = 230
	for i := 0; i < n; i++ {
		e.pod(fmt.Sprintf("p%03d", i), "", nil)
		e.setStatus(fmt.Sprintf("p%03d", i), fmt.Sprintf("10.244.%d.%d", i/200, i%200+2), true)
	}
	sizes := func() string {
		list, _, err := mkclient.Typed[*api.EndpointSlice](e.c, e.ns).List(e.ctx, mkclient.ListOptions{LabelSelector: api.LabelServiceName + "=big"})
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, sl := range list {
			s = append(s, fmt.Sprint(len(sl.Endpoints)))
		}
		sort.Strings(s)
		return strings.Join(s, ",")
	}
	names := func() string {
		list, _, _ := mkclient.Typed[*api.EndpointSlice](e.c, e.ns).List(e.ctx, mkclient.ListOptions{LabelSelector: api.LabelServiceName + "=big"})
		var s []string
		for _, sl := range list {
			s = append(s, sl.Name)
		}
		sort.Strings(s)
		return strings.Join(s, ",")
	}
	total := func() int {
		list, _, _ := mkclient.Typed[*api.EndpointSlice](e.c, e.ns).List(e.ctx, mkclient.ListOptions{LabelSelector: api.LabelServiceName + "=big"})
		sum := 0
		for _, sl := range list {
			sum += len(sl.Endpoints)
			if len(sl.Endpoints) > 100 {
				t.Errorf("slice %s has %d endpoints", sl.Name, len(sl.Endpoints))
			}
		}
		return sum
	}
	e.await("all 230 endpoints in slices", func() string { return fmt.Sprint(total()) }, fmt.Sprint(n))
	before := names()
	if got := sizes(); got != "100,100,30" && got != "100,30,100" {
		t.Logf("slice sizes %s", got) // the packing depends on the order pods arrive
	}
	e.setStatus("p007", "10.244.0.9", false)
	e.await("p007 not ready", func() string {
		list, _, _ := mkclient.Typed[*api.EndpointSlice](e.c, e.ns).List(e.ctx, mkclient.ListOptions{LabelSelector: api.LabelServiceName + "=big"})
		for _, sl := range list {
			for _, ep := range sl.Endpoints {
				if ep.TargetRef.Name == "p007" {
					return fmt.Sprint(*ep.Conditions.Ready)
				}
			}
		}
		return "missing"
	}, "false")
	if after := names(); after != before {
		t.Errorf("slices recreated on a readiness change: %s -> %s", before, after)
	}
}

// TestEndpointsLeftoverDeleted: the Endpoints of a service deleted while
// the controller-manager was down are deleted when it starts again.
func TestEndpointsLeftoverDeleted(t *testing.T) {
	ts := testserver.Start(t)
	c, err := mkclient.New(&mkclient.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	e := &epEnv{t: t, c: c, ctx: context.Background(), ns: "default"}
	stop := startControllerManager(t, ts.URL)
	e.service("gone", false, api.ServicePort{Port: 80})
	e.await("endpoints of gone", func() string { return e.endpoints("gone") }, "")
	stop()
	if err := c.Services("default").Delete(e.ctx, "gone", nil); err != nil {
		t.Fatal(err)
	}
	if got := e.endpoints("gone"); got != "" {
		t.Fatalf("endpoints deleted with the controller-manager down: %q", got)
	}
	startControllerManager(t, ts.URL)
	e.await("leftover endpoints deleted", func() string { return e.endpoints("gone") }, "<none>")
}
