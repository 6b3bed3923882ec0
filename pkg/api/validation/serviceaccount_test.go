package validation

import (
	"strings"
	"testing"

	"minik8s/pkg/api"
)

func TestValidateServiceAccountTokenProjection(t *testing.T) {
	i64 := func(v int64) *int64 { return &v }
	pod := func(srcs ...api.VolumeProjection) *api.Pod {
		return &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p"}, Spec: api.PodSpec{
			Volumes:    []api.Volume{{Name: "v", VolumeSource: api.VolumeSource{Projected: &api.ProjectedVolumeSource{Sources: srcs}}}},
			Containers: []api.Container{{Name: "c", Image: "busybox"}},
		}}
	}
	tok := func(exp *int64, path string) api.VolumeProjection {
		return api.VolumeProjection{ServiceAccountToken: &api.ServiceAccountTokenProjection{ExpirationSeconds: exp, Path: path}}
	}
	for _, c := range []struct {
		name string
		pod  *api.Pod
		want []string
	}{
		{"Kubernetes' kube-api-access volume", pod(tok(i64(3607), "token"),
			api.VolumeProjection{ConfigMap: &api.ConfigMapProjection{LocalObjectReference: api.LocalObjectReference{Name: "kube-root-ca.crt"}, Items: []api.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
			api.VolumeProjection{DownwardAPI: &api.DownwardAPIProjection{Items: []api.DownwardAPIVolumeFile{{Path: "namespace", FieldRef: &api.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"}}}}}), nil},
		{"expiration defaulted later", pod(tok(nil, "token")), nil},
		{"too short", pod(tok(i64(599), "token")), []string{`spec.volumes[0].projected.sources[0].serviceAccountToken.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes`}},
		{"too long", pod(tok(i64(1<<32+1), "token")), []string{`spec.volumes[0].projected.sources[0].serviceAccountToken.expirationSeconds: Invalid value: 4294967297: may not specify a duration larger than 2^32 seconds`}},
		{"no path", pod(tok(nil, "")), []string{`spec.volumes[0].projected.path: Required value`}},
		{"absolute path", pod(tok(nil, "/t")), []string{`spec.volumes[0].projected.path: Invalid value: "/t": must be a relative path`}},
		{"duplicate path", pod(tok(nil, "token"), api.VolumeProjection{ConfigMap: &api.ConfigMapProjection{LocalObjectReference: api.LocalObjectReference{Name: "cm"}, Items: []api.KeyToPath{{Key: "k", Path: "token"}}}}),
			[]string{`spec.volumes[0].projected.sources[1].configMap.items[0].path: Invalid value: "token": conflicting duplicate paths`}},
		{"two kinds in one source", pod(api.VolumeProjection{ServiceAccountToken: &api.ServiceAccountTokenProjection{Path: "t"}, ConfigMap: &api.ConfigMapProjection{LocalObjectReference: api.LocalObjectReference{Name: "cm"}}}),
			[]string{`spec.volumes[0].projected.sources[0]: Forbidden: may not specify more than 1 volume type per source`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := errorStrings(Validate(c.pod))
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

func TestDefaultTokenProjectionExpiration(t *testing.T) {
	p := &api.Pod{Spec: api.PodSpec{Volumes: []api.Volume{{Name: "v", VolumeSource: api.VolumeSource{Projected: &api.ProjectedVolumeSource{
		Sources: []api.VolumeProjection{{ServiceAccountToken: &api.ServiceAccountTokenProjection{Path: "token"}}}}}}}}}
	Default(p)
	if e := p.Spec.Volumes[0].Projected.Sources[0].ServiceAccountToken.ExpirationSeconds; e == nil || *e != 3600 {
		t.Errorf("expirationSeconds defaulted to %v, want 3600 (Kubernetes' SetDefaults_ServiceAccountTokenProjection)", e)
	}
}

func TestValidateServiceAccount(t *testing.T) {
	for _, c := range []struct {
		name string
		want []string
	}{
		{"default", nil},
		{"build-robot.ci", nil},
		{"Robot", []string{`metadata.name: Invalid value: "Robot": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`}},
	} {
		got := errorStrings(Validate(&api.ServiceAccount{ObjectMeta: api.ObjectMeta{Name: c.name, Namespace: "default"}}))
		if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("%s: got:\n%s\nwant:\n%s", c.name, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
	}
}
