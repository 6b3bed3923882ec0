package apiserver

import (
	"reflect"
	"testing"

	"minik8s/pkg/api"
	"minik8s/pkg/podsecurity"
)

func TestNamespaceLabelDecision(t *testing.T) {
	const enf, ver = podsecurity.EnforceLevelLabel, podsecurity.EnforceVersionLabel
	baseline := podsecurity.LevelVersion{Level: podsecurity.LevelBaseline, Version: podsecurity.Latest()}
	tests := []struct {
		name        string
		labels, old map[string]string
		create      bool
		errs        int
		check       bool
	}{
		{"create valid", map[string]string{enf: "baseline"}, nil, true, 0, false},
		{"create invalid", map[string]string{enf: "x"}, nil, true, 1, false},
		{"update to stricter", map[string]string{enf: "baseline"}, nil, false, 0, true},
		{"update unchanged", map[string]string{enf: "baseline"}, map[string]string{enf: "baseline"}, false, 0, false},
		{"update relaxed", map[string]string{enf: "baseline"}, map[string]string{enf: "restricted"}, false, 0, false},
		{"update to privileged", map[string]string{enf: "privileged"}, map[string]string{enf: "restricted"}, false, 0, false},
		{"update version changed, level relaxed", map[string]string{enf: "baseline"},
			map[string]string{enf: "restricted", ver: "v1.30"}, false, 0, true},
		{"update invalid, new error", map[string]string{enf: "y"}, map[string]string{enf: "baseline"}, false, 1, false},
		{"update keeps the same invalid label", map[string]string{enf: "x", "a": "b"}, map[string]string{enf: "x"}, false, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			errs, lv, check := namespaceLabelDecision(tc.labels, tc.old, tc.create)
			if len(errs) != tc.errs || check != tc.check {
				t.Errorf("got %v errors, check %v; want %d, %v", errs, check, tc.errs, tc.check)
			}
			if check && lv != baseline {
				t.Errorf("check at %s, want %s", lv, baseline)
			}
		})
	}
}

func psaPod(name, controller string, privileged bool) *api.Pod {
	p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: name}}
	p.Spec.Containers = []api.Container{{Name: "c", Image: "busybox", SecurityContext: &api.SecurityContext{Privileged: &privileged}}}
	if controller != "" {
		yes := true
		p.OwnerReferences = []api.OwnerReference{{Kind: "ReplicaSet", Name: controller, UID: controller, Controller: &yes}}
	}
	return p
}

func TestNamespacePodWarnings(t *testing.T) {
	baseline := podsecurity.LevelVersion{Level: podsecurity.LevelBaseline, Version: podsecurity.Latest()}
	hp := psaPod("h", "", false)
	hp.Spec.Volumes = []api.Volume{{Name: "root", VolumeSource: api.VolumeSource{HostPath: &api.HostPathVolumeSource{Path: "/"}}}}
	tests := []struct {
		name string
		pods []*api.Pod
		max  int
		want []string
	}{
		{"none violate", []*api.Pod{psaPod("a", "", false)}, 10, nil},
		{"grouped by reasons, first name, sorted", []*api.Pod{psaPod("z", "", true), psaPod("b", "", true), psaPod("c", "", true), hp}, 10, []string{
			`existing pods in namespace "n" violate the new PodSecurity enforce level "baseline:latest"`,
			`b (and 2 other pods): privileged`,
			`h: hostPath volumes`,
		}},
		// one pod per controller first: rs1's second replica is not checked
		{"capped, one per controller first", []*api.Pod{psaPod("r1", "rs1", true), psaPod("r2", "rs1", true), psaPod("x", "", false)}, 2, []string{
			`new PodSecurity enforce level only checked against the first 2 of 3 existing pods`,
			`existing pods in namespace "n" violate the new PodSecurity enforce level "baseline:latest"`,
			`r1: privileged`,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := namespacePodWarnings("n", baseline, tc.pods, tc.max); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestPodSecurityVerdict(t *testing.T) {
	lv := func(l podsecurity.Level) podsecurity.LevelVersion {
		return podsecurity.LevelVersion{Level: l, Version: podsecurity.Latest()}
	}
	priv, base, restr := lv(podsecurity.LevelPrivileged), lv(podsecurity.LevelBaseline), lv(podsecurity.LevelRestricted)
	pod := psaPod("p", "", true)
	const baseViolation = `privileged (container "c" must not set securityContext.privileged=true)`
	tests := []struct {
		name      string
		policy    podsecurity.Policy
		enforce   bool
		forbidden string
		warnings  []string
		annots    map[string]string
	}{
		{"enforce rejects, no warning", podsecurity.Policy{Enforce: base, Audit: base, Warn: base}, true,
			`violates PodSecurity "baseline:latest": ` + baseViolation, nil,
			map[string]string{"enforce-policy": "baseline:latest", "audit-violations": `would violate PodSecurity "baseline:latest": ` + baseViolation}},
		{"warn only", podsecurity.Policy{Enforce: priv, Audit: priv, Warn: base}, true, "",
			[]string{`would violate PodSecurity "baseline:latest": ` + baseViolation}, map[string]string{"enforce-policy": "privileged:latest"}},
		{"workload: enforce not applied", podsecurity.Policy{Enforce: restr, Audit: priv, Warn: base}, false, "",
			[]string{`would violate PodSecurity "baseline:latest": ` + baseViolation}, map[string]string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := podSecurityVerdict(tc.policy, nil, &pod.ObjectMeta, &pod.Spec, tc.enforce)
			if v.forbidden != tc.forbidden || !reflect.DeepEqual(v.warnings, tc.warnings) || !reflect.DeepEqual(v.annotations, tc.annots) {
				t.Errorf("got %+v\nwant forbidden %q warnings %q annotations %v", v, tc.forbidden, tc.warnings, tc.annots)
			}
		})
	}
}

func TestPodTemplateOf(t *testing.T) {
	spec := api.PodSpec{HostPID: true}
	tmpl := api.PodTemplateSpec{Spec: spec}
	objs := []api.Object{
		&api.Deployment{Spec: api.DeploymentSpec{Template: tmpl}},
		&api.ReplicaSet{Spec: api.ReplicaSetSpec{Template: tmpl}},
		&api.DaemonSet{Spec: api.DaemonSetSpec{Template: tmpl}},
		&api.Job{Spec: api.JobSpec{Template: tmpl}},
		&api.CronJob{Spec: api.CronJobSpec{JobTemplate: api.JobTemplateSpec{Spec: api.JobSpec{Template: tmpl}}}},
		&api.ReplicationController{Spec: api.ReplicationControllerSpec{Template: &tmpl}},
	}
	for _, o := range objs {
		if _, s, ok := podTemplateOf(o); !ok || !s.HostPID {
			t.Errorf("%T: no template", o)
		}
	}
	for _, o := range []api.Object{&api.ReplicationController{}, &api.Service{}, &api.ConfigMap{}} {
		if _, _, ok := podTemplateOf(o); ok {
			t.Errorf("%T: template found", o)
		}
	}
}

func TestSignificantPodUpdate(t *testing.T) {
	old := psaPod("p", "", false)
	same := psaPod("p", "", true) // securityContext is immutable; only images and counts matter
	image := psaPod("p", "", false)
	image.Spec.Containers[0].Image = "busybox:2"
	more := psaPod("p", "", false)
	more.Spec.Containers = append(more.Spec.Containers, api.Container{Name: "d"})
	seccomp := psaPod("p", "", false)
	seccomp.Annotations = map[string]string{"container.seccomp.security.alpha.kubernetes.io/c": "unconfined"}
	for i, tc := range []struct {
		pod  *api.Pod
		want bool
	}{{same, false}, {image, true}, {more, true}, {seccomp, true}} {
		if got := significantPodUpdate(tc.pod, old); got != tc.want {
			t.Errorf("case %d: got %v, want %v", i, got, tc.want)
		}
	}
}
