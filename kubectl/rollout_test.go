package kubectl

import (
	"encoding/json"
	"strings"
	"testing"

	"minik8s/pkg/api"
)

func TestDeploymentStatusMessages(t *testing.T) {
	three := int32(3)
	for _, tc := range []struct {
		name    string
		gen     int64
		status  api.DeploymentStatus
		want    string
		done    bool
		wantErr string
	}{
		{"spec not observed", 2, api.DeploymentStatus{ObservedGeneration: 1}, "Waiting for deployment spec update to be observed...\n", false, ""},
		{"updating", 1, api.DeploymentStatus{ObservedGeneration: 1, Replicas: 4, UpdatedReplicas: 1},
			"Waiting for deployment \"web\" rollout to finish: 1 out of 3 new replicas have been updated...\n", false, ""},
		{"old pending", 1, api.DeploymentStatus{ObservedGeneration: 1, Replicas: 4, UpdatedReplicas: 3},
			"Waiting for deployment \"web\" rollout to finish: 1 old replicas are pending termination...\n", false, ""},
		{"available pending", 1, api.DeploymentStatus{ObservedGeneration: 1, Replicas: 3, UpdatedReplicas: 3, AvailableReplicas: 2},
			"Waiting for deployment \"web\" rollout to finish: 2 of 3 updated replicas are available...\n", false, ""},
		{"done", 1, api.DeploymentStatus{ObservedGeneration: 1, Replicas: 3, UpdatedReplicas: 3, AvailableReplicas: 3},
			"deployment \"web\" successfully rolled out\n", true, ""},
		{"deadline", 1, api.DeploymentStatus{ObservedGeneration: 1, Conditions: []api.DeploymentCondition{{Type: "Progressing", Status: "False", Reason: "ProgressDeadlineExceeded"}}},
			"", false, `deployment "web" exceeded its progress deadline`},
	} {
		d := &api.Deployment{ObjectMeta: api.ObjectMeta{Name: "web", Generation: tc.gen}, Spec: api.DeploymentSpec{Replicas: &three}, Status: tc.status}
		msg, done, err := deploymentStatus(d, 0)
		if tc.wantErr != "" {
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("%s: err %v, want %q", tc.name, err, tc.wantErr)
			}
			continue
		}
		if err != nil || msg != tc.want || done != tc.done {
			t.Errorf("%s: %q %v %v, want %q %v", tc.name, msg, done, err, tc.want, tc.done)
		}
	}
}

func rsOf(name, rev, image, cause string) *api.ReplicaSet {
	rs := &api.ReplicaSet{ObjectMeta: api.ObjectMeta{Name: name, Annotations: map[string]string{revisionAnnotation: rev}}}
	if cause != "" {
		rs.Annotations[changeCauseAnnotation] = cause
	}
	rs.Spec.Template = api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: map[string]string{"app": "web", podTemplateHashLabel: name}},
		Spec: api.PodSpec{Containers: []api.Container{{Name: "web", Image: image}}}}
	return rs
}

func TestHistoryText(t *testing.T) {
	rss := []*api.ReplicaSet{rsOf("b", "2", "v2", "set image v2"), rsOf("a", "1", "v1", "")}
	got, err := historyText(rss, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := "REVISION  CHANGE-CAUSE\n1         <none>\n2         set image v2\n"
	if got != want {
		t.Errorf("history:\n%s\nwant:\n%s", got, want)
	}
	one, err := historyText(rss, 2)
	wantOne := "Pod Template:\n  Labels:\tapp=web\n\tpod-template-hash=b\n  Containers:\n   web:\n    Image:\tv2\n" +
		"    Port:\t<none>\n    Host Port:\t<none>\n    Environment:\t<none>\n    Mounts:\t<none>\n" +
		"  Volumes:\t<none>\n  Node-Selectors:\t<none>\n  Tolerations:\t<none>\n"
	if err != nil || one != wantOne {
		t.Errorf("revision 2: %q %v", one, err)
	}
	if _, err := historyText(rss, 7); err == nil {
		t.Errorf("revision 7: want an error")
	}
}

func TestUndoPatch(t *testing.T) {
	d := &api.Deployment{ObjectMeta: api.ObjectMeta{Name: "web", Annotations: map[string]string{revisionAnnotation: "3"}}}
	d.Spec.Template = api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: map[string]string{"app": "web"}},
		Spec: api.PodSpec{Containers: []api.Container{{Name: "web", Image: "v3"}}}}
	rss := []*api.ReplicaSet{rsOf("a", "1", "v1", "first"), rsOf("b", "2", "v2", ""), rsOf("c", "3", "v3", "")}

	patch, skipped, err := undoPatch(d, rss, 0)
	if err != nil || skipped != "" {
		t.Fatalf("undo: %v %q", err, skipped)
	}
	var ops []struct {
		Op, Path string
		Value    json.RawMessage
	}
	if err := json.Unmarshal(patch, &ops); err != nil || len(ops) != 2 {
		t.Fatalf("patch %s: %v", patch, err)
	}
	var tmpl api.PodTemplateSpec
	_ = json.Unmarshal(ops[0].Value, &tmpl)
	if ops[0].Op != "replace" || ops[0].Path != "/spec/template" || tmpl.Spec.Containers[0].Image != "v2" || tmpl.Labels[podTemplateHashLabel] != "" {
		t.Errorf("undo to the previous revision: %s", patch)
	}
	var ann map[string]string
	_ = json.Unmarshal(ops[1].Value, &ann)
	if ops[1].Path != "/metadata/annotations" || ann[revisionAnnotation] != "3" {
		t.Errorf("annotations %v: want the deployment's revision kept", ann)
	}

	patch, _, err = undoPatch(d, rss, 1)
	if err != nil || !strings.Contains(string(patch), `"image":"v1"`) || !strings.Contains(string(patch), `"kubernetes.io/change-cause":"first"`) {
		t.Errorf("undo --to-revision=1: %s %v", patch, err)
	}
	if _, skipped, _ := undoPatch(d, rss, 3); skipped != "skipped rollback (current template already matches revision 3)" {
		t.Errorf("undo to the current revision: %q", skipped)
	}
	if _, _, err := undoPatch(d, rss, 9); err == nil || err.Error() != "unable to find specified revision 9 in history" {
		t.Errorf("undo to a missing revision: %v", err)
	}
	if _, _, err := undoPatch(d, rss[2:], 0); err == nil || err.Error() != `no rollout history found for deployment "web"` {
		t.Errorf("undo without history: %v", err)
	}
	d.Spec.Paused = true
	if _, _, err := undoPatch(d, rss, 0); err == nil || !strings.Contains(err.Error(), "paused") {
		t.Errorf("undo paused: %v", err)
	}
}

func TestSetImages(t *testing.T) {
	spec := api.PodSpec{Containers: []api.Container{{Name: "a", Image: "a:1"}, {Name: "b", Image: "b:1"}}}
	if err := setImages(&spec, map[string]string{"b": "b:2"}); err != nil || spec.Containers[1].Image != "b:2" || spec.Containers[0].Image != "a:1" {
		t.Errorf("set b: %v %+v", err, spec.Containers)
	}
	if err := setImages(&spec, map[string]string{"*": "x"}); err != nil || spec.Containers[0].Image != "x" || spec.Containers[1].Image != "x" {
		t.Errorf("set *: %v %+v", err, spec.Containers)
	}
	if err := setImages(&spec, map[string]string{"c": "x"}); err == nil || err.Error() != `unable to find container named "c"` {
		t.Errorf("set c: %v", err)
	}
	res, imgs, err := splitImageArgs([]string{"deployment/web", "web=nginx:1.2"})
	if err != nil || len(res) != 1 || imgs["web"] != "nginx:1.2" {
		t.Errorf("splitImageArgs: %v %v %v", res, imgs, err)
	}
	if _, _, err := splitImageArgs([]string{"deployment/web"}); err == nil {
		t.Errorf("no image: want an error")
	}
}
