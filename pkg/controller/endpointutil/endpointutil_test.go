package endpointutil

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	"minik8s/pkg/api"
)

func testPod(opts ...func(*api.Pod)) *api.Pod {
	p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p", Namespace: "ns", Labels: map[string]string{"app": "a"}},
		Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Ports: []api.ContainerPort{
			{Name: "http", ContainerPort: 8080}, {Name: "dns", ContainerPort: 5353, Protocol: "UDP"}}}}},
		Status: api.PodStatus{PodIP: "10.244.1.2", Phase: api.PodRunning,
			Conditions: []api.PodCondition{{Type: api.PodReady, Status: api.ConditionTrue}}}}
	for _, o := range opts {
		o(p)
	}
	return p
}

func TestFindPort(t *testing.T) {
	for _, tc := range []struct {
		name string
		sp   api.ServicePort
		want int32 // 0: not found
	}{
		{"number", api.ServicePort{Port: 80, TargetPort: intstr.FromInt32(9000)}, 9000},
		{"zero is the port", api.ServicePort{Port: 80}, 80},
		{"name, TCP by default", api.ServicePort{Port: 80, TargetPort: intstr.FromString("http")}, 8080},
		{"name and protocol", api.ServicePort{Port: 53, Protocol: "UDP", TargetPort: intstr.FromString("dns")}, 5353},
		{"name with the wrong protocol", api.ServicePort{Port: 53, Protocol: "TCP", TargetPort: intstr.FromString("dns")}, 0},
		{"unknown name", api.ServicePort{Port: 80, TargetPort: intstr.FromString("web")}, 0},
	} {
		got, err := FindPort(testPod(), &tc.sp)
		if (err != nil) != (tc.want == 0) || got != tc.want {
			t.Errorf("%s: %d %v, want %d", tc.name, got, err, tc.want)
		}
	}
}

func TestShouldPodBeInEndpoints(t *testing.T) {
	now := api.Now()
	for _, tc := range []struct {
		name        string
		edit        func(*api.Pod)
		terminating bool
		want        bool
	}{
		{"running", func(*api.Pod) {}, false, true},
		{"no IP", func(p *api.Pod) { p.Status.PodIP = "" }, false, false},
		{"IP only in podIPs", func(p *api.Pod) { p.Status.PodIP, p.Status.PodIPs = "", []api.PodIP{{IP: "10.244.1.2"}} }, false, true},
		{"terminating", func(p *api.Pod) { p.DeletionTimestamp = &now }, false, false},
		{"terminating, included", func(p *api.Pod) { p.DeletionTimestamp = &now }, true, true},
		{"Never, succeeded", func(p *api.Pod) { p.Spec.RestartPolicy, p.Status.Phase = "Never", api.PodSucceeded }, false, false},
		{"Never, failed", func(p *api.Pod) { p.Spec.RestartPolicy, p.Status.Phase = "Never", api.PodFailed }, false, false},
		{"OnFailure, failed (will restart)", func(p *api.Pod) { p.Spec.RestartPolicy, p.Status.Phase = "OnFailure", api.PodFailed }, false, true},
		{"OnFailure, succeeded", func(p *api.Pod) { p.Spec.RestartPolicy, p.Status.Phase = "OnFailure", api.PodSucceeded }, false, false},
		{"Always, failed", func(p *api.Pod) { p.Status.Phase = api.PodFailed }, false, true},
	} {
		if got := ShouldPodBeInEndpoints(testPod(tc.edit), tc.terminating); got != tc.want {
			t.Errorf("%s: %t, want %t", tc.name, got, tc.want)
		}
	}
}

func TestPodChanged(t *testing.T) {
	now := api.Now()
	for _, tc := range []struct {
		name           string
		edit           func(*api.Pod)
		labels, change bool
	}{
		{"nothing", func(*api.Pod) {}, false, false},
		{"an annotation", func(p *api.Pod) { p.Annotations = map[string]string{"x": "y"} }, false, false},
		{"labels", func(p *api.Pod) { p.Labels = map[string]string{"app": "b"} }, true, false},
		{"ready", func(p *api.Pod) { p.Status.Conditions[0].Status = api.ConditionFalse }, false, true},
		{"IP", func(p *api.Pod) { p.Status.PodIP = "10.244.1.3" }, false, true},
		{"node", func(p *api.Pod) { p.Spec.NodeName = "n2" }, false, true},
		{"hostname", func(p *api.Pod) { p.Spec.Hostname = "h" }, false, true},
		{"deletion", func(p *api.Pod) { p.DeletionTimestamp = &now }, false, true},
	} {
		l, c := PodChanged(testPod(), testPod(tc.edit))
		if l != tc.labels || c != tc.change {
			t.Errorf("%s: labels %t endpoint %t, want %t %t", tc.name, l, c, tc.labels, tc.change)
		}
	}
}

func TestTriggerTimeTracker(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	svc := &api.Service{ObjectMeta: api.ObjectMeta{Name: "s", Namespace: "ns", CreationTimestamp: api.NewTime(t0)}}
	pod := func(name string, ready time.Time) *api.Pod {
		return &api.Pod{ObjectMeta: api.ObjectMeta{Name: name}, Status: api.PodStatus{Conditions: []api.PodCondition{
			{Type: api.PodReady, Status: api.ConditionTrue, LastTransitionTime: api.NewTime(ready)}}}}
	}
	tr := NewTriggerTimeTracker()
	if got := tr.Compute(svc, []*api.Pod{pod("a", t0.Add(time.Minute))}); !got.Equal(t0) {
		t.Errorf("first sync: %v, want the service's creation", got)
	}
	if got := tr.Compute(svc, []*api.Pod{pod("a", t0.Add(time.Minute))}); !got.IsZero() {
		t.Errorf("nothing changed: %v, want zero", got)
	}
	got := tr.Compute(svc, []*api.Pod{pod("a", t0.Add(3*time.Minute)), pod("b", t0.Add(2*time.Minute))})
	if !got.Equal(t0.Add(2 * time.Minute)) {
		t.Errorf("two changes: %v, want the earlier", got)
	}
	tr.Delete("ns", "s")
	if got := tr.Compute(svc, nil); !got.Equal(t0) {
		t.Errorf("after Delete: %v, want the service's creation again", got)
	}
}
