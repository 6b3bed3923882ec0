package validation

import (
	"reflect"
	"testing"

	"minik8s/pkg/api"
)

func baseRC() *api.ReplicationController {
	rs := baseReplicaSet()
	t := rs.Spec.Template
	return &api.ReplicationController{ObjectMeta: api.ObjectMeta{Name: "rc"},
		Spec: api.ReplicationControllerSpec{Replicas: rs.Spec.Replicas, Selector: map[string]string{"app": "web"}, Template: &t}}
}

func TestValidateReplicationController(t *testing.T) {
	tests := []struct {
		name string
		rc   func() *api.ReplicationController
		want []string
	}{
		{"valid", baseRC, nil},
		{"selector mismatch", func() *api.ReplicationController {
			rc := baseRC()
			rc.Spec.Selector = map[string]string{"app": "db"}
			return rc
		},
			[]string{"spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`"}},
		{"negative replicas", func() *api.ReplicationController { rc := baseRC(); rc.Spec.Replicas = ptr(int32(-1)); return rc },
			[]string{"spec.replicas: Invalid value: -1: must be greater than or equal to 0"}},
		{"no selector", func() *api.ReplicationController { rc := baseRC(); rc.Spec.Selector = nil; return rc },
			[]string{"spec.selector: Required value"}},
		{"no template", func() *api.ReplicationController { rc := baseRC(); rc.Spec.Template = nil; return rc },
			[]string{"spec.template: Required value"}},
		{"restartPolicy", func() *api.ReplicationController {
			rc := baseRC()
			rc.Spec.Template.Spec.RestartPolicy = "OnFailure"
			return rc
		}, []string{`spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, e := range Validate(tc.rc()) {
				got = append(got, e.Error())
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDefaultReplicationController(t *testing.T) {
	rc := baseRC()
	rc.Spec.Selector, rc.Spec.Replicas = nil, nil
	Default(rc)
	want := map[string]string{"app": "web"}
	if !reflect.DeepEqual(rc.Spec.Selector, want) || !reflect.DeepEqual(rc.Labels, want) {
		t.Errorf("selector %v labels %v, want both %v", rc.Spec.Selector, rc.Labels, want)
	}
	if rc.Spec.Replicas == nil || *rc.Spec.Replicas != 1 {
		t.Errorf("replicas %v, want 1", rc.Spec.Replicas)
	}
	// An explicit selector is kept.
	rc = baseRC()
	rc.Spec.Selector = map[string]string{"app": "web", "tier": "x"}
	Default(rc)
	if len(rc.Spec.Selector) != 2 {
		t.Errorf("selector overwritten: %v", rc.Spec.Selector)
	}
}
