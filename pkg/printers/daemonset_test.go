package printers

import (
	"testing"
	"time"

	"minik8s/pkg/api"
)

func TestPrintDaemonSet(t *testing.T) {
	ds := &api.DaemonSet{ObjectMeta: api.ObjectMeta{Name: "agent", CreationTimestamp: ago(90 * time.Second)},
		Spec: api.DaemonSetSpec{Selector: &api.LabelSelector{MatchLabels: map[string]string{"app": "agent"}},
			Template: api.PodTemplateSpec{Spec: api.PodSpec{NodeSelector: map[string]string{"kubernetes.io/os": "linux"},
				Containers: []api.Container{{Name: "a", Image: "agent:1"}}}}},
		Status: api.DaemonSetStatus{DesiredNumberScheduled: 3, CurrentNumberScheduled: 3, NumberReady: 2, UpdatedNumberScheduled: 1, NumberAvailable: 2}}
	got := printed(t, "DaemonSet", []api.Object{ds}, PrintOptions{Wide: true})
	want := lines(
		"NAME    DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR            AGE   CONTAINERS   IMAGES    SELECTOR",
		"agent   3         3         2       1            2           kubernetes.io/os=linux   90s   a            agent:1   app=agent",
	)
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	ds.Spec.Template.Spec.NodeSelector = nil
	got = printed(t, "DaemonSet", []api.Object{ds}, PrintOptions{})
	want = lines(
		"NAME    DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR   AGE",
		"agent   3         3         2       1            2           <none>          90s",
	)
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestPrintControllerRevision(t *testing.T) {
	yes := true
	r := &api.ControllerRevision{ObjectMeta: api.ObjectMeta{Name: "agent-7d9f", CreationTimestamp: ago(90 * time.Second),
		OwnerReferences: []api.OwnerReference{{APIVersion: "apps/v1", Kind: "DaemonSet", Name: "agent", Controller: &yes}}}, Revision: 2}
	got := printed(t, "ControllerRevision", []api.Object{r}, PrintOptions{})
	want := lines(
		"NAME         CONTROLLER             REVISION   AGE",
		"agent-7d9f   daemonset.apps/agent   2          90s",
	)
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}
