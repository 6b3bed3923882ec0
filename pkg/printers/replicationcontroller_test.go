package printers

import (
	"testing"
	"time"

	"minik8s/pkg/api"
)

func TestPrintReplicationController(t *testing.T) {
	tmpl := &api.PodTemplateSpec{Spec: api.PodSpec{Containers: []api.Container{{Name: "nginx", Image: "nginx:1.25"}}}}
	rc := &api.ReplicationController{ObjectMeta: api.ObjectMeta{Name: "web", CreationTimestamp: ago(90 * time.Second)},
		Spec:   api.ReplicationControllerSpec{Replicas: i32(3), Selector: map[string]string{"app": "web"}, Template: tmpl},
		Status: api.ReplicationControllerStatus{Replicas: 2, ReadyReplicas: 1}}
	got := printed(t, "ReplicationController", []api.Object{rc}, PrintOptions{Wide: true})
	want := lines(
		"NAME   DESIRED   CURRENT   READY   AGE   CONTAINERS   IMAGES       SELECTOR",
		"web    3         2         1       90s   nginx        nginx:1.25   app=web",
	)
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	// A template-less object (rejected by validation) still prints.
	rc.Spec.Template = nil
	printed(t, "ReplicationController", []api.Object{rc}, PrintOptions{})
}
