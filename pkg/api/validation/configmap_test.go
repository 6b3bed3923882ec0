package validation

import (
	"strings"
	"testing"

	"minik8s/pkg/api"
)

func errorStrings(errs ErrorList) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = e.Error()
	}
	return out
}

func TestValidateConfigMapAndSecret(t *testing.T) {
	meta := api.ObjectMeta{Name: "c", Namespace: "default"}
	yes := true
	big := strings.Repeat("x", api.MaxSecretSize)
	cases := []struct {
		name string
		obj  api.Object
		want []string
	}{
		{"valid configmap", &api.ConfigMap{ObjectMeta: meta, Data: map[string]string{"a.conf": "x", "B_2-c": "y"}, BinaryData: map[string][]byte{"bin": {0}}}, nil},
		{"bad keys", &api.ConfigMap{ObjectMeta: meta, Data: map[string]string{"a b": "x", "..": "y", "..x": "z"}}, []string{
			`data[..]: Invalid value: "..": must not be '..'`,
			`data[..x]: Invalid value: "..x": must not start with '..'`,
			`data[a b]: Invalid value: "a b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
		}},
		{"dot key", &api.ConfigMap{ObjectMeta: meta, BinaryData: map[string][]byte{".": nil}}, []string{`binaryData[.]: Invalid value: ".": must not be '.'`}},
		{"key in both", &api.ConfigMap{ObjectMeta: meta, Data: map[string]string{"k": "x"}, BinaryData: map[string][]byte{"k": {1}}}, []string{
			`data[k]: Invalid value: "k": duplicate of key present in binaryData`,
		}},
		{"configmap too big", &api.ConfigMap{ObjectMeta: meta, Data: map[string]string{"a": big, "b": "1"}}, []string{
			`: Too long: may not be more than 1048576 bytes`,
		}},
		{"configmap at the limit", &api.ConfigMap{ObjectMeta: meta, Data: map[string]string{"a": big}}, nil},
		{"valid secret", &api.Secret{ObjectMeta: meta, Type: "Opaque", Data: map[string][]byte{"k": []byte("v")}}, nil},
		{"secret too big", &api.Secret{ObjectMeta: meta, Data: map[string][]byte{"a": []byte(big), "b": {1}}}, []string{
			`data: Too long: may not be more than 1048576 bytes`,
		}},
		{"tls without keys", &api.Secret{ObjectMeta: meta, Type: api.SecretTypeTLS}, []string{
			`data[tls.crt]: Required value`, `data[tls.key]: Required value`,
		}},
		{"basic-auth without either", &api.Secret{ObjectMeta: meta, Type: api.SecretTypeBasicAuth}, []string{
			`data[username]: Required value`, `data[password]: Required value`,
		}},
		{"dockerconfigjson not json", &api.Secret{ObjectMeta: meta, Type: api.SecretTypeDockerConfigJSON, Data: map[string][]byte{".dockerconfigjson": []byte("x")}}, []string{
			`data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": invalid character 'x' looking for beginning of value`,
		}},
		{"bad name", &api.Secret{ObjectMeta: api.ObjectMeta{Name: "Bad"}, Immutable: &yes}, []string{
			`metadata.name: Invalid value: "Bad": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := errorStrings(Validate(c.obj))
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

func TestValidateConfigMapSecretUpdate(t *testing.T) {
	meta := api.ObjectMeta{Name: "c", Namespace: "default", UID: "u"}
	yes, no := true, false
	cm := func(imm *bool, data map[string]string) *api.ConfigMap {
		return &api.ConfigMap{ObjectMeta: meta, Immutable: imm, Data: data}
	}
	sec := func(imm *bool, typ string, data map[string][]byte) *api.Secret {
		return &api.Secret{ObjectMeta: meta, Immutable: imm, Type: typ, Data: data}
	}
	cases := []struct {
		name     string
		new, old api.Object
		want     []string
	}{
		{"mutable change", cm(nil, map[string]string{"a": "2"}), cm(nil, map[string]string{"a": "1"}), nil},
		{"make immutable", cm(&yes, map[string]string{"a": "1"}), cm(nil, map[string]string{"a": "1"}), nil},
		{"immutable data change", cm(&yes, map[string]string{"a": "2"}), cm(&yes, map[string]string{"a": "1"}), []string{
			"data: Forbidden: field is immutable when `immutable` is set",
		}},
		{"unset immutable", cm(&no, map[string]string{"a": "1"}), cm(&yes, map[string]string{"a": "1"}), []string{
			"immutable: Forbidden: field is immutable when `immutable` is set",
		}},
		{"immutable labels change", &api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: "c", Namespace: "default", UID: "u", Labels: map[string]string{"x": "y"}}, Immutable: &yes}, cm(&yes, nil), nil},
		{"secret type change", sec(nil, "kubernetes.io/basic-auth", map[string][]byte{"username": nil}), sec(nil, "Opaque", nil), []string{
			`type: Invalid value: "kubernetes.io/basic-auth": field is immutable`,
		}},
		{"immutable secret data", sec(nil, "Opaque", map[string][]byte{"a": {2}}), sec(&yes, "Opaque", map[string][]byte{"a": {1}}), []string{
			"immutable: Forbidden: field is immutable when `immutable` is set",
			"data: Forbidden: field is immutable when `immutable` is set",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := errorStrings(ValidateUpdate(c.new, c.old))
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

func TestDefaultSecretMergesStringData(t *testing.T) {
	s := &api.Secret{Data: map[string][]byte{"a": []byte("1"), "b": []byte("2")}, StringData: map[string]string{"b": "two", "c": "3"}}
	Default(s)
	if s.Type != "Opaque" || s.StringData != nil {
		t.Fatalf("type %q stringData %v", s.Type, s.StringData)
	}
	want := map[string]string{"a": "1", "b": "two", "c": "3"}
	if len(s.Data) != len(want) {
		t.Fatalf("data %v", s.Data)
	}
	for k, v := range want {
		if string(s.Data[k]) != v {
			t.Errorf("data[%s] = %q, want %q", k, s.Data[k], v)
		}
	}
}

func TestValidateConfigVolumesAndEnv(t *testing.T) {
	i32 := func(v int32) *int32 { return &v }
	pod := func(vols []api.Volume, c api.Container) *api.Pod {
		c.Name, c.Image = "c", "busybox"
		return &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p"}, Spec: api.PodSpec{Volumes: vols, Containers: []api.Container{c}}}
	}
	cases := []struct {
		name string
		pod  *api.Pod
		want []string
	}{
		{"valid", pod([]api.Volume{
			{Name: "a", VolumeSource: api.VolumeSource{ConfigMap: &api.ConfigMapVolumeSource{LocalObjectReference: api.LocalObjectReference{Name: "cm"}, Items: []api.KeyToPath{{Key: "k", Path: "dir/k", Mode: i32(0o400)}}}}},
			{Name: "b", VolumeSource: api.VolumeSource{Secret: &api.SecretVolumeSource{SecretName: "s", DefaultMode: i32(0o600)}}},
			{Name: "d", VolumeSource: api.VolumeSource{DownwardAPI: &api.DownwardAPIVolumeSource{Items: []api.DownwardAPIVolumeFile{{Path: "labels", FieldRef: &api.ObjectFieldSelector{FieldPath: "metadata.labels"}}}}}},
			{Name: "p", VolumeSource: api.VolumeSource{Projected: &api.ProjectedVolumeSource{Sources: []api.VolumeProjection{
				{ConfigMap: &api.ConfigMapProjection{LocalObjectReference: api.LocalObjectReference{Name: "cm"}}},
				{Secret: &api.SecretProjection{LocalObjectReference: api.LocalObjectReference{Name: "s"}}},
			}}}},
		}, api.Container{
			EnvFrom: []api.EnvFromSource{{Prefix: "CM_", ConfigMapRef: &api.ConfigMapEnvSource{LocalObjectReference: api.LocalObjectReference{Name: "cm"}}}},
			Env:     []api.EnvVar{{Name: "X", ValueFrom: &api.EnvVarSource{SecretKeyRef: &api.SecretKeySelector{LocalObjectReference: api.LocalObjectReference{Name: "s"}, Key: "k"}}}},
		}), nil},
		{"missing names, bad paths and modes", pod([]api.Volume{
			{Name: "a", VolumeSource: api.VolumeSource{ConfigMap: &api.ConfigMapVolumeSource{DefaultMode: i32(0o1000), Items: []api.KeyToPath{{Key: "k", Path: "../x"}, {Path: "/abs"}}}}},
			{Name: "b", VolumeSource: api.VolumeSource{Secret: &api.SecretVolumeSource{}, EmptyDir: &api.EmptyDirVolumeSource{}}},
		}, api.Container{}), []string{
			`spec.volumes[0].configMap.name: Required value`,
			`spec.volumes[0].configMap.defaultMode: Invalid value: 512: must be a number between 0 and 0777 (octal), both inclusive`,
			`spec.volumes[0].configMap.items[0].path: Invalid value: "../x": must not contain '..'`,
			`spec.volumes[0].configMap.items[0].path: Invalid value: "../x": must not start with '..'`,
			`spec.volumes[0].configMap.items[1].key: Required value`,
			`spec.volumes[0].configMap.items[1].path: Invalid value: "/abs": must be a relative path`,
			`spec.volumes[1].secret: Forbidden: may not specify more than 1 volume type`,
			`spec.volumes[1].secret.secretName: Required value`,
		}},
		{"bad env refs", pod(nil, api.Container{
			EnvFrom: []api.EnvFromSource{{Prefix: "1X"}},
			Env:     []api.EnvVar{{Name: "X", ValueFrom: &api.EnvVarSource{ConfigMapKeyRef: &api.ConfigMapKeySelector{Key: "a b"}}}},
		}), []string{
			`spec.containers[0].env[0].valueFrom.configMapKeyRef.name: Required value`,
			`spec.containers[0].env[0].valueFrom.configMapKeyRef.key: Invalid value: "a b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
			`spec.containers[0].envFrom[0].prefix: Invalid value: "1X": a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')`,
			"spec.containers[0].envFrom[0]: Invalid value: \"\": must specify one of: `configMapRef` or `secretRef`",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := errorStrings(Validate(c.pod))
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

func TestDefaultConfigVolumeMode(t *testing.T) {
	p := &api.Pod{Spec: api.PodSpec{Volumes: []api.Volume{
		{Name: "a", VolumeSource: api.VolumeSource{ConfigMap: &api.ConfigMapVolumeSource{}}},
		{Name: "b", VolumeSource: api.VolumeSource{Projected: &api.ProjectedVolumeSource{}}},
	}}}
	Default(p)
	if v := p.Spec.Volumes[0]; v.EmptyDir != nil || v.ConfigMap.DefaultMode == nil || *v.ConfigMap.DefaultMode != 0o644 {
		t.Errorf("configMap volume defaulted to %+v", v.VolumeSource)
	}
	if v := p.Spec.Volumes[1]; v.EmptyDir != nil || *v.Projected.DefaultMode != 0o644 {
		t.Errorf("projected volume defaulted to %+v", v.VolumeSource)
	}
}
