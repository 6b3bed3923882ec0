package validation

import (
	"strings"
	"testing"
	"time"

	"minik8s/pkg/api"
)

func TestValidateUpdate(t *testing.T) {
	tests := []struct {
		name     string
		old, new func() api.Object
		want     []string
	}{
		{"pod image change allowed", func() api.Object { return basePod() },
			func() api.Object { p := basePod(); p.Spec.Containers[0].Image = "minik8s/testserver:v2"; return p }, nil},
		{"pod labels change allowed", func() api.Object { return basePod() },
			func() api.Object { p := basePod(); p.Labels["x"] = "y"; return p }, nil},
		{"pod activeDeadlineSeconds may be set", func() api.Object { return basePod() },
			func() api.Object { p := basePod(); p.Spec.ActiveDeadlineSeconds = ptr(int64(60)); return p }, nil},
		{"pod activeDeadlineSeconds may not grow", func() api.Object { p := basePod(); p.Spec.ActiveDeadlineSeconds = ptr(int64(60)); return p },
			func() api.Object { p := basePod(); p.Spec.ActiveDeadlineSeconds = ptr(int64(61)); return p },
			[]string{"spec.activeDeadlineSeconds: Invalid value: 61: must be less than or equal to previous value"}},
		{"pod port change forbidden", func() api.Object { return basePod() },
			func() api.Object { p := basePod(); p.Spec.Containers[0].Ports[0].ContainerPort = 9090; return p },
			[]string{"spec: Forbidden: " + podUpdatableFields}},
		{"pod nil vs empty is no change", func() api.Object { p := basePod(); p.Spec.NodeSelector = map[string]string{}; return p },
			func() api.Object { return basePod() }, nil},
		{"name immutable", func() api.Object { return basePod() },
			func() api.Object { p := basePod(); p.Name = "other"; return p },
			[]string{`metadata.name: Invalid value: "other": field is immutable`}},
		{"namespace and uid immutable", func() api.Object { p := basePod(); p.UID = "u1"; return p },
			func() api.Object { p := basePod(); p.Namespace = "x"; p.UID = "u2"; return p },
			[]string{`metadata.namespace: Invalid value: "x": field is immutable`, `metadata.uid: Invalid value: "u2": field is immutable`}},
		{"deletionGracePeriodSeconds immutable", func() api.Object { return basePod() },
			func() api.Object { p := basePod(); p.DeletionGracePeriodSeconds = ptr(int64(5)); return p },
			[]string{`metadata.deletionGracePeriodSeconds: Invalid value: 5: field is immutable`}},
		{"deletionTimestamp immutable", func() api.Object { return basePod() },
			func() api.Object {
				p := basePod()
				t := api.NewTime(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
				p.DeletionTimestamp = &t
				return p
			},
			[]string{`metadata.deletionTimestamp: Invalid value: "2030-01-01 00:00:00 +0000 UTC": field is immutable`}},
		{"deletion fields kept are no change", func() api.Object {
			p := basePod()
			t := api.Now()
			p.DeletionTimestamp, p.DeletionGracePeriodSeconds = &t, ptr(int64(30))
			return p
		}, func() api.Object {
			p := basePod()
			t := api.Now()
			p.DeletionTimestamp, p.DeletionGracePeriodSeconds = &t, ptr(int64(30))
			return p
		}, nil},
		{"deployment selector immutable", func() api.Object { return baseDeployment() },
			func() api.Object {
				d := baseDeployment()
				d.Spec.Selector.MatchLabels["tier"] = "x"
				return d
			}, []string{`spec.selector: Invalid value: {"matchLabels":{"app":"web","tier":"x"}}: field is immutable`}},
		{"deployment replicas and template may change", func() api.Object { return baseDeployment() },
			func() api.Object {
				d := baseDeployment()
				d.Spec.Replicas = ptr(int32(5))
				d.Spec.Template.Spec.Containers[0].Ports[0].ContainerPort = 9090
				return d
			}, nil},
		{"replicaset selector immutable", func() api.Object { return baseReplicaSet() },
			func() api.Object {
				rs := baseReplicaSet()
				rs.Spec.Selector = &api.LabelSelector{MatchLabels: map[string]string{"app": "db"}}
				return rs
			},
			[]string{`spec.selector: Invalid value: {"matchLabels":{"app":"db"}}: field is immutable`}},
		{"service clusterIP may not change", func() api.Object { s := baseService(); s.Spec.ClusterIP = "10.96.0.5"; return s },
			func() api.Object { s := baseService(); s.Spec.ClusterIP = "10.96.0.6"; return s },
			[]string{`spec.clusterIPs[0]: Invalid value: []string{"10.96.0.6"}: may not change once set`}},
		{"service clusterIP unset (the apiserver carries it over first)", func() api.Object { s := baseService(); s.Spec.ClusterIP = "10.96.0.5"; return s },
			func() api.Object { return baseService() }, []string{`spec.clusterIPs[0]: Invalid value: []string{}: primary clusterIP can not be unset`}},
		{"service to headless", func() api.Object { s := baseService(); s.Spec.ClusterIP = "10.96.0.5"; return s },
			func() api.Object {
				s := baseService()
				s.Spec.ClusterIP = "None"
				s.Spec.ClusterIPs = []string{"None"}
				return s
			},
			[]string{`spec.clusterIPs[0]: Invalid value: []string{"None"}: may not change once set`}},
		{"service to ExternalName", func() api.Object { s := baseService(); s.Spec.ClusterIP = "10.96.0.5"; return s },
			func() api.Object {
				s := baseService()
				s.Spec.Type, s.Spec.ExternalName = api.ServiceTypeExternalName, "db.example.com"
				return s
			}, nil},
		{"headless stays headless", func() api.Object { s := baseService(); s.Spec.ClusterIP = "None"; return s },
			func() api.Object { s := baseService(); s.Spec.ClusterIP = "None"; return s }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, e := range ValidateUpdate(tc.new(), tc.old()) {
				got = append(got, e.Error())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}
