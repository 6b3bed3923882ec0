package endpointslice

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	"minik8s/pkg/api"
	"minik8s/pkg/controller"
)

func testSvc(opts ...func(*api.Service)) *api.Service {
	s := &api.Service{ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "ns", UID: "svc-uid", Labels: map[string]string{"team": "x"}},
		Spec: api.ServiceSpec{Selector: map[string]string{"app": "a"}, ClusterIP: "10.96.0.5",
			Ports: []api.ServicePort{{Name: "http", Port: 80, Protocol: "TCP", TargetPort: intstr.FromString("http")}}}}
	for _, o := range opts {
		o(s)
	}
	return s
}

func testPod(i int, opts ...func(*api.Pod)) *api.Pod {
	p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: fmt.Sprintf("p%03d", i), Namespace: "ns", UID: fmt.Sprintf("uid-%d", i)},
		Spec: api.PodSpec{NodeName: "n1", Containers: []api.Container{{Name: "c", Ports: []api.ContainerPort{{Name: "http", ContainerPort: 8080}}}}},
		Status: api.PodStatus{PodIP: fmt.Sprintf("10.244.%d.%d", i/250, i%250+2), Phase: api.PodRunning,
			Conditions: []api.PodCondition{{Type: api.PodReady, Status: api.ConditionTrue}}}}
	for _, o := range opts {
		o(p)
	}
	return p
}

func pods(from, to int, opts ...func(*api.Pod)) []*api.Pod {
	var out []*api.Pod
	for i := from; i < to; i++ {
		out = append(out, testPod(i, opts...))
	}
	return out
}

// apply plays a plan as the apiserver would: creates get names.
func apply(existing []*api.EndpointSlice, plan Plan, nextName *int) []*api.EndpointSlice {
	byName := map[string]*api.EndpointSlice{}
	var order []string
	for _, s := range existing {
		byName[s.Name] = s
		order = append(order, s.Name)
	}
	for _, s := range plan.Delete {
		delete(byName, s.Name)
	}
	for _, s := range plan.Update {
		byName[s.Name] = s
	}
	for _, s := range plan.Create {
		*nextName++
		s.Name = fmt.Sprintf("%s%05d", s.GenerateName, *nextName)
		byName[s.Name] = s
		order = append(order, s.Name)
	}
	var out []*api.EndpointSlice
	for _, n := range order {
		if s, ok := byName[n]; ok {
			out = append(out, s)
		}
	}
	return out
}

func sizes(ss []*api.EndpointSlice) string {
	var out []string
	for _, s := range ss {
		out = append(out, fmt.Sprint(len(s.Endpoints)))
	}
	return strings.Join(out, ",")
}

func counts(p Plan) string {
	return fmt.Sprintf("create %d update %d delete %d", len(p.Create), len(p.Update), len(p.Delete))
}

func TestReconcileSequence(t *testing.T) {
	svc := testSvc()
	name := 0
	var slices []*api.EndpointSlice
	fixed := func(ps []*api.Pod) func() []*api.Pod { return func() []*api.Pod { return ps } }
	// notIn is the 150 pods less those in the slice of 100.
	notInFull := func() []*api.Pod {
		in := map[string]bool{}
		for _, s := range slices {
			if len(s.Endpoints) == 100 {
				for _, ep := range s.Endpoints {
					in[ep.TargetRef.Name] = true
				}
			}
		}
		var out []*api.Pod
		for _, p := range pods(0, 150) {
			if !in[p.Name] {
				out = append(out, p)
			}
		}
		return out
	}
	steps := []struct {
		name      string
		pods      func() []*api.Pod
		wantPlan  string
		wantSizes string
	}{
		{"no pods: one placeholder", fixed(nil), "create 1 update 0 delete 0", "0"},
		{"still none: placeholder kept, nothing written", fixed(nil), "create 0 update 0 delete 0", "0"},
		{"3 pods: the placeholder is recycled", fixed(pods(0, 3)), "create 0 update 1 delete 0", "3"},
		{"unchanged: nothing written", fixed(pods(0, 3)), "create 0 update 0 delete 0", "3"},
		{"150 pods: a new slice of 100, the rest fills the unchanged one", fixed(pods(0, 150)), "create 1 update 1 delete 0", "50,100"},
		{"one not ready: one update in place", fixed(append(pods(0, 149), testPod(149, func(p *api.Pod) { p.Status.Conditions[0].Status = api.ConditionFalse }))),
			"create 0 update 1 delete 0", "50,100"},
		{"the pods of the full slice gone: that slice deleted", notInFull, "create 0 update 0 delete 1", "50"},
		{"all gone: the last slice becomes the placeholder", fixed(nil), "create 0 update 1 delete 0", "0"},
	}
	for _, st := range steps {
		plan := Reconcile(svc, slices, Desired(svc, st.pods(), nil), time.Time{}, MaxEndpointsPerSlice)
		if got := counts(plan); got != st.wantPlan {
			t.Fatalf("%s: plan %s, want %s", st.name, got, st.wantPlan)
		}
		slices = apply(slices, plan, &name)
		if got := sizes(slices); got != st.wantSizes {
			t.Fatalf("%s: slice sizes %s, want %s", st.name, got, st.wantSizes)
		}
	}
}

func TestReconcileSlices(t *testing.T) {
	svc := testSvc()
	multi := testSvc(func(s *api.Service) {
		s.Spec.Ports = append(s.Spec.Ports, api.ServicePort{Name: "metrics", Port: 9100, Protocol: "TCP", TargetPort: intstr.FromInt32(9100)})
	})
	name := 0
	t.Run("metadata", func(t *testing.T) {
		trig := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		plan := Reconcile(svc, nil, Desired(svc, pods(0, 1), nil), trig, 100)
		if len(plan.Create) != 1 {
			t.Fatal(counts(plan))
		}
		s := plan.Create[0]
		if s.GenerateName != "web-" || s.Namespace != "ns" || s.AddressType != "IPv4" {
			t.Errorf("meta %+v", s.ObjectMeta)
		}
		want := map[string]string{"team": "x", "kubernetes.io/service-name": "web", "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}
		if fmt.Sprint(s.Labels) != fmt.Sprint(want) {
			t.Errorf("labels %v, want %v", s.Labels, want)
		}
		ref := controller.ControllerOf(&s.ObjectMeta)
		if ref == nil || ref.Kind != "Service" || ref.APIVersion != "v1" || ref.UID != "svc-uid" || ref.BlockOwnerDeletion == nil || !*ref.BlockOwnerDeletion {
			t.Errorf("owner %+v", ref)
		}
		if a := s.Annotations["endpoints.kubernetes.io/last-change-trigger-time"]; a != "2026-01-02T03:04:05Z" {
			t.Errorf("trigger annotation %q", a)
		}
		if len(s.Ports) != 1 || *s.Ports[0].Name != "http" || *s.Ports[0].Port != 8080 || *s.Ports[0].Protocol != "TCP" {
			t.Errorf("ports %+v", s.Ports)
		}
	})
	t.Run("multi-port: one slice group per distinct port set", func(t *testing.T) {
		ps := append(pods(0, 2), testPod(2, func(p *api.Pod) { p.Spec.Containers[0].Ports = nil }))
		plan := Reconcile(multi, nil, Desired(multi, ps, nil), time.Time{}, 100)
		got := []string{}
		for _, s := range plan.Create {
			got = append(got, fmt.Sprintf("%s=%d", portsKey(s.Ports), len(s.Endpoints)))
		}
		if strings.Join(got, " ") != "metrics/TCP/9100/=1 http/TCP/8080/,metrics/TCP/9100/=2" &&
			strings.Join(got, " ") != "http/TCP/8080/,metrics/TCP/9100/=2 metrics/TCP/9100/=1" {
			t.Errorf("groups %v", got)
		}
	})
	t.Run("labels follow the service", func(t *testing.T) {
		cur := apply(nil, Reconcile(svc, nil, Desired(svc, pods(0, 2), nil), time.Time{}, 100), &name)
		relabelled := testSvc(func(s *api.Service) { s.Labels = map[string]string{"team": "y"} })
		plan := Reconcile(relabelled, cur, Desired(relabelled, pods(0, 2), nil), time.Time{}, 100)
		if counts(plan) != "create 0 update 1 delete 0" || plan.Update[0].Labels["team"] != "y" {
			t.Errorf("%s %v", counts(plan), plan.Update)
		}
	})
	t.Run("slices of another owner or address type are deleted", func(t *testing.T) {
		cur := apply(nil, Reconcile(svc, nil, Desired(svc, pods(0, 2), nil), time.Time{}, 100), &name)
		cur[0].OwnerReferences[0].UID = "old-uid"
		v6 := *cur[0]
		v6.Name, v6.AddressType = "v6", api.AddressTypeIPv6
		v6.OwnerReferences = []api.OwnerReference{controller.NewControllerRef(&svc.ObjectMeta, "v1", "Service")}
		plan := Reconcile(svc, append(cur, &v6), Desired(svc, pods(0, 2), nil), time.Time{}, 100)
		if counts(plan) != "create 1 update 0 delete 2" {
			t.Errorf("%s: neither the IPv6 slice nor the foreign one may be recycled", counts(plan))
		}
	})
	t.Run("new endpoints go into an unchanged slice they fit", func(t *testing.T) {
		cur := apply(nil, Reconcile(svc, nil, Desired(svc, pods(0, 150), nil), time.Time{}, 100), &name)
		plan := Reconcile(svc, cur, Desired(svc, pods(0, 160), nil), time.Time{}, 100)
		if counts(plan) != "create 0 update 1 delete 0" || len(plan.Update[0].Endpoints) != 60 {
			t.Errorf("%s %s", counts(plan), sizes(plan.Update))
		}
	})
}

func TestEndpointConditions(t *testing.T) {
	ready := func(p *api.Pod) {}
	notReady := func(p *api.Pod) { p.Status.Conditions[0].Status = api.ConditionFalse }
	term := func(p *api.Pod) { n := api.Now(); p.DeletionTimestamp = &n }
	publish := testSvc(func(s *api.Service) { s.Spec.PublishNotReadyAddresses = true })
	for _, tc := range []struct {
		name string
		svc  *api.Service
		opts []func(*api.Pod)
		want string // ready serving terminating
	}{
		{"ready", testSvc(), []func(*api.Pod){ready}, "true true false"},
		{"not ready", testSvc(), []func(*api.Pod){notReady}, "false false false"},
		{"terminating, still serving", testSvc(), []func(*api.Pod){term}, "false true true"},
		{"terminating, not serving", testSvc(), []func(*api.Pod){term, notReady}, "false false true"},
		{"publishNotReadyAddresses", publish, []func(*api.Pod){notReady}, "true false false"},
	} {
		g := Desired(tc.svc, []*api.Pod{testPod(1, tc.opts...)}, func(n string) string { return "zone-" + n })
		for _, grp := range g {
			c := grp.endpoints[0].Conditions
			if got := fmt.Sprint(*c.Ready, *c.Serving, *c.Terminating); got != tc.want {
				t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
			}
			ep := grp.endpoints[0]
			if *ep.NodeName != "n1" || ep.Zone == nil || *ep.Zone != "zone-n1" || ep.TargetRef.Name != "p001" || ep.Addresses[0] != "10.244.0.3" {
				t.Errorf("%s: endpoint %+v", tc.name, ep)
			}
		}
	}
}

func TestSliceTracker(t *testing.T) {
	tr := newSliceTracker()
	now := time.Unix(1000, 0)
	tr.now = func() time.Time { return now }
	s := &api.EndpointSlice{ObjectMeta: api.ObjectMeta{Name: "a", ResourceVersion: "10"}}
	tr.wrote("ns/web", s)
	if !tr.stale("ns/web", nil) {
		t.Error("a created slice not yet cached is stale")
	}
	old := &api.EndpointSlice{ObjectMeta: api.ObjectMeta{Name: "a", ResourceVersion: "9"}}
	if !tr.stale("ns/web", []*api.EndpointSlice{old}) {
		t.Error("an older cached version is stale")
	}
	if tr.stale("ns/web", []*api.EndpointSlice{s}) || tr.stale("ns/web", nil) {
		t.Error("once caught up, the write is forgotten")
	}
	tr.deleted("ns/web", "a")
	if !tr.stale("ns/web", []*api.EndpointSlice{s}) {
		t.Error("a deleted slice still cached is stale")
	}
	now = now.Add(6 * time.Second)
	if tr.stale("ns/web", []*api.EndpointSlice{s}) {
		t.Error("writes are forgotten after the timeout")
	}
}
