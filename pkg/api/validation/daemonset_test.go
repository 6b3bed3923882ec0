package validation

import (
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/util/intstr"

	"minik8s/pkg/api"
)

func baseDaemonSet() *api.DaemonSet {
	rs := baseReplicaSet()
	return &api.DaemonSet{ObjectMeta: api.ObjectMeta{Name: "ds"},
		Spec: api.DaemonSetSpec{Selector: rs.Spec.Selector, Template: rs.Spec.Template}}
}

func rollingDS(maxUnavailable, maxSurge *intstr.IntOrString) func() *api.DaemonSet {
	return func() *api.DaemonSet {
		ds := baseDaemonSet()
		ds.Spec.UpdateStrategy = api.DaemonSetUpdateStrategy{Type: "RollingUpdate",
			RollingUpdate: &api.RollingUpdateDaemonSet{MaxUnavailable: maxUnavailable, MaxSurge: maxSurge}}
		return ds
	}
}

func TestValidateDaemonSet(t *testing.T) {
	i := func(v int) *intstr.IntOrString { return ptr(intstr.FromInt(v)) }
	s := func(v string) *intstr.IntOrString { return ptr(intstr.FromString(v)) }
	tests := []struct {
		name string
		ds   func() *api.DaemonSet
		want []string
	}{
		{"valid", baseDaemonSet, nil},
		{"OnDelete", func() *api.DaemonSet {
			ds := baseDaemonSet()
			ds.Spec.UpdateStrategy.Type = "OnDelete"
			return ds
		}, nil},
		{"maxUnavailable 1", rollingDS(i(1), nil), nil},
		{"maxUnavailable 20%", rollingDS(s("20%"), i(0)), nil},
		{"maxSurge only", rollingDS(i(0), i(1)), nil},
		{"both non-zero", rollingDS(i(1), s("10%")),
			[]string{`spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: "10%": may not be set when maxUnavailable is non-zero`}},
		{"surge with default unavailable", rollingDS(nil, i(1)),
			[]string{`spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero`}},
		{"both zero", rollingDS(i(0), s("0%")),
			[]string{`spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0`}},
		{"over 100%", rollingDS(s("101%"), nil),
			[]string{`spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: "101%": must not be greater than 100%`}},
		{"negative", rollingDS(i(-1), i(1)),
			[]string{`spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: -1: must be greater than or equal to 0`,
				`spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero`}},
		{"bad type", func() *api.DaemonSet {
			ds := baseDaemonSet()
			ds.Spec.UpdateStrategy.Type = "Recreate"
			return ds
		}, []string{`spec.updateStrategy.type: Unsupported value: "Recreate": supported values: "OnDelete", "RollingUpdate"`}},
		{"selector mismatch", func() *api.DaemonSet {
			ds := baseDaemonSet()
			ds.Spec.Selector = &api.LabelSelector{MatchLabels: map[string]string{"app": "db"}}
			return ds
		}, []string{"spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`"}},
		{"empty selector", func() *api.DaemonSet {
			ds := baseDaemonSet()
			ds.Spec.Selector = &api.LabelSelector{}
			return ds
		}, []string{`spec.selector: Invalid value: {}: empty selector is invalid for daemonset`}},
		{"restartPolicy", func() *api.DaemonSet {
			ds := baseDaemonSet()
			ds.Spec.Template.Spec.RestartPolicy = "Never"
			return ds
		}, []string{`spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"`}},
		{"negative history and minReadySeconds", func() *api.DaemonSet {
			ds := baseDaemonSet()
			ds.Spec.RevisionHistoryLimit = ptr(int32(-1))
			ds.Spec.MinReadySeconds = -2
			return ds
		}, []string{"spec.minReadySeconds: Invalid value: -2: must be greater than or equal to 0",
			"spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, e := range Validate(tc.ds()) {
				got = append(got, e.Error())
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDefaultDaemonSet(t *testing.T) {
	ds := baseDaemonSet()
	Default(ds)
	want := api.DaemonSetUpdateStrategy{Type: "RollingUpdate", RollingUpdate: &api.RollingUpdateDaemonSet{
		MaxUnavailable: ptr(intstr.FromInt(1)), MaxSurge: ptr(intstr.FromInt(0))}}
	if !reflect.DeepEqual(ds.Spec.UpdateStrategy, want) {
		t.Errorf("updateStrategy %+v", ds.Spec.UpdateStrategy)
	}
	if *ds.Spec.RevisionHistoryLimit != 10 || ds.Spec.Template.Spec.DNSPolicy != "ClusterFirst" {
		t.Errorf("revisionHistoryLimit %d dnsPolicy %q", *ds.Spec.RevisionHistoryLimit, ds.Spec.Template.Spec.DNSPolicy)
	}
	if errs := Validate(ds); len(errs) != 0 {
		t.Errorf("defaulted daemon set invalid: %v", errs)
	}
	od := baseDaemonSet()
	od.Spec.UpdateStrategy.Type = "OnDelete"
	Default(od)
	if od.Spec.UpdateStrategy.RollingUpdate != nil {
		t.Errorf("OnDelete got a rollingUpdate: %+v", od.Spec.UpdateStrategy.RollingUpdate)
	}
}

func TestDaemonSetAndRevisionUpdate(t *testing.T) {
	old := baseDaemonSet()
	cur := baseDaemonSet()
	cur.Spec.Selector = &api.LabelSelector{MatchLabels: map[string]string{"app": "web", "x": "y"}}
	if errs := ValidateUpdate(cur, old); len(errs) != 1 || errs[0].Error() != `spec.selector: Invalid value: {"matchLabels":{"app":"web","x":"y"}}: field is immutable` {
		t.Errorf("selector change: %v", errs)
	}
	r := &api.ControllerRevision{ObjectMeta: api.ObjectMeta{Name: "ds-abc"}, Data: []byte(`{"a": 1}`), Revision: 1}
	if errs := Validate(r); len(errs) != 0 {
		t.Errorf("valid revision: %v", errs)
	}
	r2 := *r
	r2.Data, r2.Revision = []byte(`{"a":1}`), 3 // same data, new revision number: allowed
	if errs := ValidateUpdate(&r2, r); len(errs) != 0 {
		t.Errorf("revision bump: %v", errs)
	}
	r2.Data = []byte(`{"a":2}`)
	if errs := ValidateUpdate(&r2, r); len(errs) != 1 {
		t.Errorf("data change allowed: %v", errs)
	}
	if errs := Validate(&api.ControllerRevision{ObjectMeta: api.ObjectMeta{Name: "x"}, Revision: -1}); len(errs) != 2 {
		t.Errorf("no data, negative revision: %v", errs)
	}
}
