package validation

import (
	"encoding/json"
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/util/intstr"

	"minik8s/pkg/api"
)

func TestDefaultImagePullPolicy(t *testing.T) {
	for image, want := range map[string]string{
		"busybox":                      "Always",
		"busybox:latest":               "Always",
		"minik8s/pause:3.9":            "IfNotPresent",
		"localhost:5000/app":           "Always",
		"localhost:5000/app:v1":        "IfNotPresent",
		"busybox@sha256:0123456789abc": "IfNotPresent",
	} {
		if got := DefaultImagePullPolicy(image); got != want {
			t.Errorf("DefaultImagePullPolicy(%q) = %q, want %q", image, got, want)
		}
	}
}

func TestDefaultPod(t *testing.T) {
	p := basePod()
	p.Spec.Containers[0].ImagePullPolicy = "Never" // set values are kept
	Default(p)
	s := p.Spec
	if s.RestartPolicy != "Always" || s.DNSPolicy != "ClusterFirst" || *s.TerminationGracePeriodSeconds != 30 || s.SchedulerName != "default-scheduler" {
		t.Errorf("pod spec defaults = %+v", s)
	}
	c0, c1 := s.Containers[0], s.Containers[1]
	if c0.ImagePullPolicy != "Never" || c1.ImagePullPolicy != "Always" {
		t.Errorf("pull policies = %q %q", c0.ImagePullPolicy, c1.ImagePullPolicy)
	}
	if c1.TerminationMessagePath != "/dev/termination-log" || c1.TerminationMessagePolicy != "File" || c1.Ports[0].Protocol != "TCP" {
		t.Errorf("container defaults = %+v", c1)
	}

	hn := basePod()
	hn.Spec.HostNetwork = true
	Default(hn)
	if hn.Spec.Containers[0].Ports[0].HostPort != 8080 {
		t.Errorf("hostNetwork hostPort = %d, want containerPort", hn.Spec.Containers[0].Ports[0].HostPort)
	}
}

func TestDefaultService(t *testing.T) {
	s := baseService()
	s.Spec.Ports = append(s.Spec.Ports, api.ServicePort{Name: "b", Port: 6800})
	s.Spec.SessionAffinity = "ClientIP"
	Default(s)
	if s.Spec.Type != "ClusterIP" || s.Spec.Ports[0].Protocol != "TCP" || s.Spec.Ports[0].TargetPort.IntValue() != 8080 {
		t.Errorf("service defaults = %+v", s.Spec)
	}
	if s.Spec.Ports[1].TargetPort != intstr.FromInt32(6800) {
		t.Errorf("targetPort defaults to port: got %v", s.Spec.Ports[1].TargetPort)
	}
	if *s.Spec.SessionAffinityConfig.ClientIP.TimeoutSeconds != 10800 {
		t.Error("ClientIP timeout not defaulted")
	}
	s2 := baseService()
	Default(s2)
	if s2.Spec.SessionAffinity != "None" || s2.Spec.SessionAffinityConfig != nil {
		t.Errorf("sessionAffinity = %q, config %v", s2.Spec.SessionAffinity, s2.Spec.SessionAffinityConfig)
	}
}

func TestDefaultDeploymentAndReplicaSet(t *testing.T) {
	d := baseDeployment()
	d.Spec.Replicas = nil
	d.Spec.Selector = nil
	Default(d)
	s := d.Spec
	if *s.Replicas != 1 || s.Strategy.Type != "RollingUpdate" || s.Strategy.RollingUpdate.MaxSurge.StrVal != "25%" ||
		s.Strategy.RollingUpdate.MaxUnavailable.StrVal != "25%" || *s.RevisionHistoryLimit != 10 || *s.ProgressDeadlineSeconds != 600 {
		t.Errorf("deployment defaults = %+v", s)
	}
	if s.Selector != nil {
		t.Error("selector must not be defaulted from the template labels")
	}
	if s.Template.Spec.RestartPolicy != "Always" {
		t.Error("template pod spec not defaulted")
	}
	rc := baseDeployment()
	rc.Spec.Strategy = api.DeploymentStrategy{Type: "Recreate"}
	Default(rc)
	if rc.Spec.Strategy.RollingUpdate != nil {
		t.Error("Recreate got rollingUpdate")
	}

	rs := baseReplicaSet()
	rs.Spec.Replicas = nil
	Default(rs)
	if *rs.Spec.Replicas != 1 {
		t.Errorf("replicaset replicas = %d", *rs.Spec.Replicas)
	}
}

func TestDefaultHPA(t *testing.T) {
	h := &api.HorizontalPodAutoscaler{Spec: api.HorizontalPodAutoscalerSpec{MaxReplicas: 5}}
	Default(h)
	m := h.Spec.Metrics
	if *h.Spec.MinReplicas != 1 || len(m) != 1 || m[0].Resource.Name != "cpu" || *m[0].Resource.Target.AverageUtilization != 80 {
		t.Errorf("hpa defaults = %+v", h.Spec)
	}
	if h.Spec.Behavior != nil {
		t.Error("unset behavior must stay unset, as in autoscaling/v2")
	}

	h = baseHPA()
	Default(h)
	b := h.Spec.Behavior
	// scaleDown keeps the given policy and gets the default select policy;
	// its window stays unset, as Kubernetes leaves it to the controller.
	if len(b.ScaleDown.Policies) != 1 || b.ScaleDown.Policies[0].Value != 10 || b.ScaleDown.StabilizationWindowSeconds != nil || *b.ScaleDown.SelectPolicy != "Max" {
		t.Errorf("scaleDown = %s", js(b.ScaleDown))
	}
	want := `{"stabilizationWindowSeconds":0,"selectPolicy":"Max","policies":[{"type":"Pods","value":4,"periodSeconds":15},{"type":"Percent","value":100,"periodSeconds":15}]}`
	if got := js(b.ScaleUp); got != want {
		t.Errorf("scaleUp = %s, want %s", got, want)
	}

	eff := EffectiveBehavior(&api.HorizontalPodAutoscalerSpec{})
	if got := js(eff.ScaleDown); got != `{"stabilizationWindowSeconds":300,"selectPolicy":"Max","policies":[{"type":"Percent","value":100,"periodSeconds":15}]}` {
		t.Errorf("effective scaleDown = %s", got)
	}
}

func TestDefaultNamespace(t *testing.T) {
	ns := &api.Namespace{ObjectMeta: api.ObjectMeta{Name: "a"}}
	Default(ns)
	if ns.Status.Phase != "Active" {
		t.Errorf("phase = %q", ns.Status.Phase)
	}
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   map[string]string
	}{
		{"a", nil, map[string]string{"kubernetes.io/metadata.name": "a"}},
		{"b", map[string]string{"kubernetes.io/metadata.name": "x", "k": "v"}, map[string]string{"kubernetes.io/metadata.name": "b", "k": "v"}},
		{"", nil, nil}, // generateName: labelled once named
	} {
		ns := &api.Namespace{ObjectMeta: api.ObjectMeta{Name: tc.name, Labels: tc.labels}}
		Default(ns)
		if !reflect.DeepEqual(ns.Labels, tc.want) {
			t.Errorf("namespace %q labels %v: got %v, want %v", tc.name, tc.labels, ns.Labels, tc.want)
		}
	}
}

func TestDefaultPodServiceAccountAndSecurityContext(t *testing.T) {
	for _, tc := range []struct{ name, deprecated, wantName string }{
		{"", "", ""},
		{"", "old", "old"},
		{"new", "", "new"},
		{"new", "old", "new"},
	} {
		s := api.PodSpec{ServiceAccountName: tc.name, DeprecatedServiceAccount: tc.deprecated}
		DefaultPodSpec(&s)
		if s.ServiceAccountName != tc.wantName || s.DeprecatedServiceAccount != tc.wantName {
			t.Errorf("%q/%q: serviceAccountName %q serviceAccount %q, want %q", tc.name, tc.deprecated, s.ServiceAccountName, s.DeprecatedServiceAccount, tc.wantName)
		}
		if got := js(s.SecurityContext); got != "{}" {
			t.Errorf("securityContext = %s", got)
		}
	}
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
