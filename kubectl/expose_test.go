package kubectl

import (
	"encoding/json"
	"testing"

	"minik8s/pkg/api"
)

func TestExposedService(t *testing.T) {
	dep := &api.Deployment{
		TypeMeta:   api.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: api.ObjectMeta{Name: "web", Labels: map[string]string{"team": "a"}},
		Spec: api.DeploymentSpec{
			Selector: &api.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: api.PodTemplateSpec{Spec: api.PodSpec{Containers: []api.Container{
				{Name: "a", Ports: []api.ContainerPort{{ContainerPort: 8080}, {ContainerPort: 53, Protocol: "UDP"}}},
			}}},
		},
	}
	for _, tc := range []struct {
		name string
		obj  api.Object
		f    exposeFlags
		want string // the service's spec and labels as JSON
	}{
		{"ports from the template, named when several", dep, exposeFlags{},
			`{"labels":{"team":"a"},"name":"web","spec":{"ports":[{"name":"port-1","protocol":"TCP","port":8080,"targetPort":8080},{"name":"port-2","protocol":"UDP","port":53,"targetPort":53}],"selector":{"app":"web"}}}`},
		{"--port and --target-port", dep, exposeFlags{port: "80", targetPort: "http", typ: "NodePort", name: "front"},
			`{"labels":{"team":"a"},"name":"front","spec":{"ports":[{"protocol":"TCP","port":80,"targetPort":"http"}],"selector":{"app":"web"},"type":"NodePort"}}`},
		{"a pod's labels select", &api.Pod{TypeMeta: api.TypeMeta{Kind: "Pod"}, ObjectMeta: api.ObjectMeta{Name: "p", Labels: map[string]string{"run": "p"}}},
			exposeFlags{port: "80", labels: "x=y"},
			`{"labels":{"x":"y"},"name":"p","spec":{"ports":[{"protocol":"TCP","port":80,"targetPort":80}],"selector":{"run":"p"}}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc, err := exposedService(tc.obj, &tc.f)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(map[string]any{"name": svc.Name, "labels": svc.Labels, "spec": svc.Spec})
			var got, want any
			_ = json.Unmarshal(b, &got)
			if err := json.Unmarshal([]byte(tc.want), &want); err != nil {
				t.Fatal(err)
			}
			gb, _ := json.Marshal(got)
			wb, _ := json.Marshal(want)
			if string(gb) != string(wb) {
				t.Fatalf("got  %s\nwant %s", gb, wb)
			}
		})
	}
	noPorts := &api.Pod{TypeMeta: api.TypeMeta{Kind: "Pod"}, ObjectMeta: api.ObjectMeta{Name: "p", Labels: map[string]string{"run": "p"}}}
	if _, err := exposedService(noPorts, &exposeFlags{}); err == nil || err.Error() != "couldn't find port via --port flag or introspection" {
		t.Fatalf("no port: %v", err)
	}
}
