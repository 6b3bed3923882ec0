package kubectl

import (
	"testing"

	"minik8s/pkg/api"
)

// `kubectl wait --for=condition=complete job/x` matches the Job
// controller's Complete condition (case-insensitively, as kubectl does).
func TestWaitJobComplete(t *testing.T) {
	w, err := parseFor("condition=complete")
	if err != nil {
		t.Fatal(err)
	}
	j := &api.Job{TypeMeta: api.TypeMeta{APIVersion: "batch/v1", Kind: "Job"}, ObjectMeta: api.ObjectMeta{Name: "x"}}
	if ok, err := w.met(j); ok || err != nil {
		t.Errorf("running job: met %v, %v", ok, err)
	}
	j.Status.Conditions = []api.JobCondition{{Type: "SuccessCriteriaMet", Status: "True"}, {Type: "Complete", Status: "True"}}
	if ok, err := w.met(j); !ok || err != nil {
		t.Errorf("complete job: met %v, %v", ok, err)
	}
	failed, _ := parseFor("condition=failed")
	if ok, _ := failed.met(j); ok {
		t.Error("complete job met condition=failed")
	}
}
