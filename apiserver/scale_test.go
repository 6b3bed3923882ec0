package apiserver

import (
	"testing"

	"minik8s/pkg/api"
)

// TestScaleHooks: the strategies of deployments, replicasets and
// replicationcontrollers read and write spec.replicas (defaulted to 1),
// status.replicas and the selector; other resources have no scale.
func TestScaleHooks(t *testing.T) {
	three := func() *int32 { n := int32(3); return &n }
	sel := &api.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	for _, tc := range []struct {
		group, resource string
		obj             api.Object
		replicas        func(api.Object) *int32 // nil: the object's field is unset
		wantSpec        int32
	}{
		{"apps", "deployments", &api.Deployment{Spec: api.DeploymentSpec{Replicas: three(), Selector: sel}, Status: api.DeploymentStatus{Replicas: 2}},
			func(o api.Object) *int32 { return o.(*api.Deployment).Spec.Replicas }, 3},
		{"apps", "deployments", &api.Deployment{Spec: api.DeploymentSpec{Selector: sel}, Status: api.DeploymentStatus{Replicas: 2}},
			func(o api.Object) *int32 { return o.(*api.Deployment).Spec.Replicas }, 1},
		{"apps", "replicasets", &api.ReplicaSet{Spec: api.ReplicaSetSpec{Replicas: three(), Selector: sel}, Status: api.ReplicaSetStatus{Replicas: 2}},
			func(o api.Object) *int32 { return o.(*api.ReplicaSet).Spec.Replicas }, 3},
		{"", "replicationcontrollers", &api.ReplicationController{Spec: api.ReplicationControllerSpec{Selector: sel.MatchLabels}, Status: api.ReplicationControllerStatus{Replicas: 2}},
			func(o api.Object) *int32 { return o.(*api.ReplicationController).Spec.Replicas }, 1},
	} {
		info := infoOf(t, tc.group, tc.resource)
		if _, ok := subresourcesOf(info)["scale"]; !ok {
			t.Errorf("%s: no scale subresource", tc.resource)
			continue
		}
		replicas := strategyFor(info).Scale()
		sc := scaleFor(replicas, tc.obj)
		if sc.Spec.Replicas != tc.wantSpec || sc.Status.Replicas != 2 || sc.Status.Selector != "app=web" || sc.Kind != "Scale" || sc.APIVersion != "autoscaling/v1" {
			t.Errorf("%s: scale %+v", tc.resource, sc)
		}
		spec, _, _ := replicas(tc.obj)
		*spec = 7
		if got := tc.replicas(tc.obj); got == nil || *got != 7 {
			t.Errorf("%s: writing through the hook left spec.replicas %v", tc.resource, got)
		}
	}
	for _, r := range []struct{ group, resource string }{{"", "pods"}, {"", "services"}, {"", "namespaces"}} {
		info := infoOf(t, r.group, r.resource)
		if _, ok := subresourcesOf(info)["scale"]; ok || strategyFor(info).Scale() != nil {
			t.Errorf("%s has a scale subresource", r.resource)
		}
	}
}
