package daemonset

import (
	"reflect"
	"sort"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	"minik8s/pkg/api"
)

var now = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// dpod is a daemon pod on node of revision hash, created age ago.
func dpod(name, node, hash string, ready bool, age time.Duration, mod ...func(*api.Pod)) *api.Pod {
	p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default",
		Labels:            map[string]string{"app": "d", api.ControllerRevisionHashLabel: hash},
		CreationTimestamp: api.Time{Time: now.Add(-age)}},
		Spec:   api.PodSpec{NodeName: node},
		Status: api.PodStatus{Phase: api.PodRunning}}
	if ready {
		p.Status.Conditions = []api.PodCondition{{Type: api.PodReady, Status: api.ConditionTrue, LastTransitionTime: api.Time{Time: now.Add(-age)}}}
	}
	for _, m := range mod {
		m(p)
	}
	return p
}

func names(pods []*api.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	return out
}

func surge(n int) func(*api.DaemonSet) {
	return func(d *api.DaemonSet) {
		d.Spec.UpdateStrategy.RollingUpdate = &api.RollingUpdateDaemonSet{MaxUnavailable: ptr(intstr.FromInt(0)), MaxSurge: ptr(intstr.FromInt(n))}
	}
}

func TestPlanNode(t *testing.T) {
	deleting := func(p *api.Pod) { p.DeletionTimestamp = &api.Time{Time: now} }
	phase := func(ph string) func(*api.Pod) { return func(p *api.Pod) { p.Status.Phase = ph } }
	tests := []struct {
		name       string
		ds         *api.DaemonSet
		node       *api.Node
		pods       []*api.Pod
		create     bool
		del, fails []string
	}{
		{"no pod: create", testDS(), testNode("n1"), nil, true, nil, nil},
		{"one pod: nothing", testDS(), testNode("n1"), []*api.Pod{dpod("a", "n1", "h2", true, time.Hour)}, false, nil, nil},
		{"two pods: the newer goes", testDS(), testNode("n1"),
			[]*api.Pod{dpod("b", "n1", "h2", true, time.Minute), dpod("a", "n1", "h2", true, time.Hour)}, false, []string{"b"}, nil},
		{"failed pod: deleted with backoff", testDS(), testNode("n1"),
			[]*api.Pod{dpod("a", "n1", "h2", false, time.Hour, phase(api.PodFailed))}, false, nil, []string{"a"}},
		{"succeeded pod: deleted", testDS(), testNode("n1"),
			[]*api.Pod{dpod("a", "n1", "h2", false, time.Hour, phase(api.PodSucceeded))}, false, []string{"a"}, nil},
		{"pod being deleted: wait", testDS(), testNode("n1"),
			[]*api.Pod{dpod("a", "n1", "h2", true, time.Hour, deleting)}, false, nil, nil},
		{"selector mismatch: delete", testDS(func(d *api.DaemonSet) { d.Spec.Template.Spec.NodeSelector = map[string]string{"x": "y"} }), testNode("n1"),
			[]*api.Pod{dpod("a", "n1", "h2", true, time.Hour)}, false, []string{"a"}, nil},
		{"NoSchedule taint: pod stays, none created", testDS(), testNode("n1", taint("k", "NoSchedule")),
			[]*api.Pod{dpod("a", "n1", "h2", true, time.Hour)}, false, nil, nil},
		{"NoSchedule taint, no pod: none created", testDS(), testNode("n1", taint("k", "NoSchedule")), nil, false, nil, nil},
		{"NoExecute taint: delete", testDS(), testNode("n1", taint("k", "NoExecute")),
			[]*api.Pod{dpod("a", "n1", "h2", true, time.Hour)}, false, []string{"a"}, nil},
		{"surge: new not available keeps old", testDS(surge(1)), testNode("n1"),
			[]*api.Pod{dpod("old", "n1", "h1", true, time.Hour), dpod("new", "n1", "h2", false, time.Minute)}, false, nil, nil},
		{"surge: new available removes old", testDS(surge(1)), testNode("n1"),
			[]*api.Pod{dpod("old", "n1", "h1", true, time.Hour), dpod("new", "n1", "h2", true, time.Minute)}, false, []string{"old"}, nil},
		{"surge: old not ready goes", testDS(surge(1)), testNode("n1"),
			[]*api.Pod{dpod("old", "n1", "h1", false, time.Hour), dpod("new", "n1", "h2", false, time.Minute)}, false, []string{"old"}, nil},
		{"surge: extra new pods go", testDS(surge(1)), testNode("n1"),
			[]*api.Pod{dpod("old", "n1", "h1", true, time.Hour), dpod("new", "n1", "h2", false, time.Minute), dpod("new2", "n1", "h2", false, time.Second)},
			false, []string{"new2"}, nil},
		{"surge: only a deleting pod: create", testDS(surge(1)), testNode("n1"),
			[]*api.Pod{dpod("a", "n1", "h1", true, time.Hour, deleting)}, true, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := planNode(tc.node, tc.pods, tc.ds, "h2", now)
			if got.create != tc.create || !reflect.DeepEqual(names(got.delete), tc.del) || !reflect.DeepEqual(names(got.failed), tc.fails) {
				t.Errorf("got create=%v delete=%v failed=%v, want %v %v %v", got.create, names(got.delete), names(got.failed), tc.create, tc.del, tc.fails)
			}
		})
	}
}

func nodes(n int) []*api.Node {
	var out []*api.Node
	for i := 0; i < n; i++ {
		out = append(out, testNode(string(rune('a'+i))))
	}
	return out
}

func byNode(pods ...*api.Pod) map[string][]*api.Pod { return nodeToDaemonPods(pods) }

func TestPlanRollingUpdate(t *testing.T) {
	unavailable := func(v intstr.IntOrString) func(*api.DaemonSet) {
		return func(d *api.DaemonSet) {
			d.Spec.UpdateStrategy.RollingUpdate = &api.RollingUpdateDaemonSet{MaxUnavailable: &v, MaxSurge: ptr(intstr.FromInt(0))}
		}
	}
	tests := []struct {
		name   string
		ds     *api.DaemonSet
		nodes  []*api.Node
		pods   map[string][]*api.Pod
		del    []string
		create []string
	}{
		{"maxUnavailable 1: one old pod at a time", testDS(unavailable(intstr.FromInt(1))), nodes(3),
			byNode(dpod("pa", "a", "h1", true, time.Hour), dpod("pb", "b", "h1", true, time.Hour), dpod("pc", "c", "h1", true, time.Hour)),
			[]string{"pa"}, nil},
		{"maxUnavailable 2", testDS(unavailable(intstr.FromInt(2))), nodes(3),
			byNode(dpod("pa", "a", "h1", true, time.Hour), dpod("pb", "b", "h1", true, time.Hour), dpod("pc", "c", "h1", true, time.Hour)),
			[]string{"pa", "pb"}, nil},
		{"maxUnavailable 50% of 3 rounds up to 2", testDS(unavailable(intstr.FromString("50%"))), nodes(3),
			byNode(dpod("pa", "a", "h1", true, time.Hour), dpod("pb", "b", "h1", true, time.Hour), dpod("pc", "c", "h1", true, time.Hour)),
			[]string{"pa", "pb"}, nil},
		{"an unavailable new pod uses the budget", testDS(unavailable(intstr.FromInt(1))), nodes(3),
			byNode(dpod("pa", "a", "h2", false, time.Minute), dpod("pb", "b", "h1", true, time.Hour), dpod("pc", "c", "h1", true, time.Hour)),
			nil, nil},
		{"an available new pod frees it", testDS(unavailable(intstr.FromInt(1))), nodes(3),
			byNode(dpod("pa", "a", "h2", true, time.Minute), dpod("pb", "b", "h1", true, time.Hour), dpod("pc", "c", "h1", true, time.Hour)),
			[]string{"pb"}, nil},
		{"unavailable old pods are replaced regardless", testDS(unavailable(intstr.FromInt(1))), nodes(3),
			byNode(dpod("pa", "a", "h1", false, time.Hour), dpod("pb", "b", "h1", false, time.Hour), dpod("pc", "c", "h1", true, time.Hour)),
			[]string{"pa", "pb"}, nil},
		{"a node without a pod counts as unavailable", testDS(unavailable(intstr.FromInt(1))), nodes(3),
			byNode(dpod("pb", "b", "h1", true, time.Hour), dpod("pc", "c", "h1", true, time.Hour)),
			nil, nil},
		{"minReadySeconds: a just-ready new pod is not available", testDS(unavailable(intstr.FromInt(1)), func(d *api.DaemonSet) { d.Spec.MinReadySeconds = 60 }), nodes(2),
			byNode(dpod("pa", "a", "h2", true, time.Second), dpod("pb", "b", "h1", true, time.Hour)),
			nil, nil},
		{"all updated: nothing", testDS(unavailable(intstr.FromInt(1))), nodes(2),
			byNode(dpod("pa", "a", "h2", true, time.Hour), dpod("pb", "b", "h2", true, time.Hour)), nil, nil},
		{"surge 1: one new pod beside an old one", testDS(surge(1)), nodes(3),
			byNode(dpod("pa", "a", "h1", true, time.Hour), dpod("pb", "b", "h1", true, time.Hour), dpod("pc", "c", "h1", true, time.Hour)),
			nil, []string{"a"}},
		{"surge: waiting for the new pod", testDS(surge(1)), nodes(2),
			byNode(dpod("pa", "a", "h1", true, time.Hour), dpod("na", "a", "h2", false, time.Minute), dpod("pb", "b", "h1", true, time.Hour)),
			nil, nil},
		{"surge: new available, old goes, next node starts", testDS(surge(1)), nodes(2),
			byNode(dpod("pa", "a", "h1", true, time.Hour), dpod("na", "a", "h2", true, time.Minute), dpod("pb", "b", "h1", true, time.Hour)),
			[]string{"pa"}, []string{"b"}},
		{"surge: unavailable old pods get a new one at once", testDS(surge(1)), nodes(3),
			byNode(dpod("pa", "a", "h1", false, time.Hour), dpod("pb", "b", "h1", false, time.Hour), dpod("pc", "c", "h1", true, time.Hour)),
			nil, []string{"a", "b", "c"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := planRollingUpdate(tc.ds, tc.nodes, tc.pods, "h2", now)
			if err != nil {
				t.Fatal(err)
			}
			sort.Strings(got.delete)
			if !reflect.DeepEqual(got.delete, tc.del) || !reflect.DeepEqual(got.createNodes, tc.create) {
				t.Errorf("got delete=%v create=%v, want %v %v", got.delete, got.createNodes, tc.del, tc.create)
			}
		})
	}
}

func TestCalculateStatus(t *testing.T) {
	ds := testDS(func(d *api.DaemonSet) {
		d.Spec.Template.Spec.NodeSelector = map[string]string{"kubernetes.io/hostname": "a"}
	})
	ds.Spec.Template.Spec.NodeSelector = nil
	ns := append(nodes(3), testNode("tainted", taint("k", "NoExecute")))
	pods := byNode(
		dpod("pa", "a", "h2", true, time.Hour),
		dpod("pb", "b", "h1", true, time.Hour),
		dpod("pc", "c", "h2", false, time.Minute),
		dpod("pt", "tainted", "h2", true, time.Hour),
	)
	got := calculateStatus(ds, ns, pods, "h2", now)
	want := api.DaemonSetStatus{DesiredNumberScheduled: 3, CurrentNumberScheduled: 3, NumberMisscheduled: 1,
		NumberReady: 2, NumberAvailable: 2, UpdatedNumberScheduled: 2, NumberUnavailable: 1}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("status\n got %+v\nwant %+v", got, want)
	}
	ds.Spec.MinReadySeconds = 7200 // ready for an hour: not yet available
	if got := calculateStatus(ds, ns, pods, "h2", now); got.NumberAvailable != 0 || got.NumberUnavailable != 3 || got.NumberReady != 2 {
		t.Errorf("minReadySeconds: %+v", got)
	}
}

func TestHistory(t *testing.T) {
	ds := testDS()
	patch, err := revisionPatch(ds)
	if err != nil {
		t.Fatal(err)
	}
	rev := func(name string, data []byte, n int64) *api.ControllerRevision {
		return &api.ControllerRevision{ObjectMeta: api.ObjectMeta{Name: name, Labels: map[string]string{api.ControllerRevisionHashLabel: name}}, Data: data, Revision: n}
	}
	other := []byte(`{"spec":{"template":{"$patch":"replace","spec":{}}}}`)

	p := planHistory(ds, nil, patch, "h1")
	if p.cur != nil || p.newName != "ds-h1" || p.next != 1 {
		t.Errorf("no revisions: %+v", p)
	}
	p = planHistory(ds, []*api.ControllerRevision{rev("r1", other, 1), rev("r2", other, 2)}, patch, "h3")
	if p.cur != nil || p.next != 3 || len(p.old) != 2 {
		t.Errorf("new template: %+v", p)
	}
	// A rollback to r1's template: r1 is renumbered after r2.
	p = planHistory(ds, []*api.ControllerRevision{rev("r1", patch, 1), rev("r2", other, 2)}, patch, "h1")
	if p.cur == nil || p.cur.Name != "r1" || !p.bump || p.next != 3 {
		t.Errorf("rollback: %+v", p)
	}
	// Spacing differences are the same data; duplicates keep the highest.
	spaced := append([]byte(" "), patch...)
	p = planHistory(ds, []*api.ControllerRevision{rev("r1", spaced, 1), rev("r4", patch, 4), rev("r2", other, 2)}, patch, "h1")
	if p.cur == nil || p.cur.Name != "r4" || p.bump || len(p.dups) != 1 || p.dups[0].Name != "r1" {
		t.Errorf("duplicates: %+v", p)
	}

	old := []*api.ControllerRevision{rev("r3", other, 3), rev("r1", other, 1), rev("r2", other, 2)}
	live := []*api.Pod{dpod("p", "a", "r1", true, time.Hour)}
	if got := revisionsToDelete(old, 1, live); !reflect.DeepEqual(revNames(got), []string{"r2", "r3"}) {
		t.Errorf("limit 1 with r1 live: %v", revNames(got))
	}
	if got := revisionsToDelete(old, 0, nil); !reflect.DeepEqual(revNames(got), []string{"r1", "r2", "r3"}) {
		t.Errorf("limit 0: %v", revNames(got))
	}
	if got := revisionsToDelete(old, 10, nil); got != nil {
		t.Errorf("under the limit: %v", revNames(got))
	}
}

func revNames(rs []*api.ControllerRevision) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return out
}

func TestPodTemplate(t *testing.T) {
	ds := testDS()
	ds.Generation = 4
	tmpl := podTemplate(ds, "h9")
	if tmpl.Labels[api.ControllerRevisionHashLabel] != "h9" || tmpl.Labels[api.DaemonSetTemplateGenerationLabel] != "4" || tmpl.Labels["app"] != "d" {
		t.Errorf("labels %v", tmpl.Labels)
	}
	if len(tmpl.Spec.Tolerations) != 6 {
		t.Errorf("tolerations %v", tmpl.Spec.Tolerations)
	}
	if _, ok := ds.Spec.Template.Labels[api.ControllerRevisionHashLabel]; ok || len(ds.Spec.Template.Spec.Tolerations) != 0 {
		t.Error("the daemon set's template was modified")
	}
}

func TestFailedBackoff(t *testing.T) {
	b := newFailedBackoff(time.Second, 8*time.Second)
	if b.wait("k", now) != 0 {
		t.Fatal("new key in backoff")
	}
	b.next("k", now)
	if w := b.wait("k", now); w != time.Second {
		t.Errorf("after one: %v", w)
	}
	b.next("k", now.Add(time.Second))
	if w := b.wait("k", now.Add(time.Second)); w != 2*time.Second {
		t.Errorf("after two: %v", w)
	}
	if w := b.wait("k", now.Add(time.Minute)); w != 0 {
		t.Errorf("forgotten after 2*max: %v", w)
	}
}
