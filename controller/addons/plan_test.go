package addons

import (
	"encoding/json"
	"testing"
	"time"

	"minik8s/pkg/addons"
	"minik8s/pkg/api"
	"minik8s/pkg/api/validation"
)

func loadDNS(t *testing.T) (svc *api.Service, dep *api.Deployment) {
	t.Helper()
	objs, err := addons.Load([]string{"dns"})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		switch o := o.(type) {
		case *api.Service:
			svc = o
		case *api.Deployment:
			dep = o
		}
	}
	if svc == nil || dep == nil {
		t.Fatalf("the dns add-on has no Service or Deployment: %v", objs)
	}
	return svc, dep
}

func TestDecide(t *testing.T) {
	_, dep := loadDNS(t)
	// What the apiserver stores: the manifest with defaults and metadata filled in.
	stored := func() *api.Deployment {
		_, d := loadDNS(t)
		validation.Default(d)
		d.UID, d.ResourceVersion, d.Generation = "u1", "7", 1
		d.CreationTimestamp = api.Time{Time: time.Now()}
		d.Labels["extra"] = "kept"
		d.Status.Replicas = 2
		return d
	}
	changedImage := stored()
	changedImage.Spec.Template.Spec.Containers[0].Image = "other:1"
	scaled := stored()
	scaled.Spec.Replicas = ptr(int32(5))
	noLabel := stored()
	delete(noLabel.Labels, addons.ModeLabel)
	ensure := func() *api.Deployment {
		_, d := loadDNS(t)
		d.Labels[addons.ModeLabel] = addons.ModeEnsureExists
		return d
	}
	unmanaged := func() *api.Deployment {
		_, d := loadDNS(t)
		delete(d.Labels, addons.ModeLabel)
		return d
	}
	tests := []struct {
		name          string
		desired, live api.Object
		want          action
	}{
		{"missing: create", dep, nil, actionCreate},
		{"defaulted and labelled: nothing", dep, stored(), actionNone},
		{"image changed: restore", dep, changedImage, actionRestore},
		{"scaled: restore", dep, scaled, actionRestore},
		{"mode label removed: restore", dep, noLabel, actionRestore},
		{"EnsureExists missing: create", ensure(), nil, actionCreate},
		{"EnsureExists changed: nothing", ensure(), changedImage, actionNone},
		{"no mode: skip", unmanaged(), nil, actionSkip},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decide(tc.desired, tc.live)
			if err != nil || got != tc.want {
				t.Errorf("decide = %v %v, want %v", got, err, tc.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestRestorePatch(t *testing.T) {
	svc, _ := loadDNS(t)
	b, err := restorePatch(svc)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m["kind"]; ok {
		t.Errorf("patch has kind: %s", b)
	}
	meta := m["metadata"].(map[string]any)
	if _, ok := meta["name"]; ok || meta["labels"].(map[string]any)[addons.ModeLabel] != addons.ModeReconcile {
		t.Errorf("patch metadata %v", meta)
	}
	if spec := m["spec"].(map[string]any); spec["clusterIP"] != "10.96.0.10" || len(spec["ports"].([]any)) != 3 {
		t.Errorf("patch spec %v", spec)
	}
}

func TestSubset(t *testing.T) {
	for _, tc := range []struct {
		d, l string
		want bool
	}{
		{`{"a":1}`, `{"a":1,"b":2}`, true},
		{`{"a":1}`, `{"a":2}`, false},
		{`{"a":[{"x":1}]}`, `{"a":[{"x":1,"y":2}]}`, true},
		{`{"a":[{"x":1}]}`, `{"a":[{"x":1},{"x":2}]}`, false},
		{`{"a":{"b":"c"}}`, `{}`, false},
		{`{"a":{}}`, `{}`, true},
	} {
		var d, l any
		_ = json.Unmarshal([]byte(tc.d), &d)
		_ = json.Unmarshal([]byte(tc.l), &l)
		if got := subset(d, l); got != tc.want {
			t.Errorf("subset(%s, %s) = %v", tc.d, tc.l, got)
		}
	}
}
