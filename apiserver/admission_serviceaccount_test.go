package apiserver

import (
	"encoding/json"
	"testing"

	"sigs.k8s.io/yaml"

	"minik8s/pkg/api"
)

func TestShouldAutomount(t *testing.T) {
	yes, no := true, false
	for _, c := range []struct {
		name        string
		pod, sa     *bool
		wantMounted bool
	}{
		{"neither says: mount", nil, nil, true},
		{"account says no", nil, &no, false},
		{"account says yes", nil, &yes, true},
		{"pod says no, account yes", &no, &yes, false},
		{"pod says yes, account no", &yes, &no, true},
	} {
		pod := &api.Pod{Spec: api.PodSpec{AutomountServiceAccountToken: c.pod}}
		if got := shouldAutomount(&api.ServiceAccount{AutomountServiceAccountToken: c.sa}, pod); got != c.wantMounted {
			t.Errorf("%s: %v, want %v", c.name, got, c.wantMounted)
		}
	}
}

// kubeAPIAccessVolume is the volume Kubernetes v1.32 adds, as
// `kubectl get pod -o yaml` shows it.
const kubeAPIAccessVolume = `
name: kube-api-access-abcde
projected:
  defaultMode: 420
  sources:
  - serviceAccountToken:
      expirationSeconds: 3607
      path: token
  - configMap:
      items:
      - key: ca.crt
        path: ca.crt
      name: kube-root-ca.crt
  - downwardAPI:
      items:
      - fieldRef:
          apiVersion: v1
          fieldPath: metadata.namespace
        path: namespace
`

func TestMountServiceAccountToken(t *testing.T) {
	mount := api.VolumeMount{Name: "kube-api-access-abcde", ReadOnly: true, MountPath: ServiceAccountTokenMountPath}
	own := api.VolumeMount{Name: "mine", MountPath: ServiceAccountTokenMountPath}
	for _, c := range []struct {
		name        string
		spec        api.PodSpec
		wantMounts  [][]api.VolumeMount // init containers, then containers
		wantVolumes []string
	}{
		{"every container and init container",
			api.PodSpec{InitContainers: []api.Container{{Name: "i"}}, Containers: []api.Container{{Name: "a"}, {Name: "b", VolumeMounts: []api.VolumeMount{{Name: "data", MountPath: "/data"}}}},
				Volumes: []api.Volume{{Name: "data"}}},
			[][]api.VolumeMount{{mount}, {mount}, {{Name: "data", MountPath: "/data"}, mount}},
			[]string{"data", "kube-api-access-abcde"}},
		{"a container with its own mount at the path keeps it",
			api.PodSpec{Containers: []api.Container{{Name: "a", VolumeMounts: []api.VolumeMount{own}}, {Name: "b"}}, Volumes: []api.Volume{{Name: "mine"}}},
			[][]api.VolumeMount{{own}, {mount}},
			[]string{"mine", "kube-api-access-abcde"}},
		{"no container needs it: no volume",
			api.PodSpec{Containers: []api.Container{{Name: "a", VolumeMounts: []api.VolumeMount{own}}}, Volumes: []api.Volume{{Name: "mine"}}},
			[][]api.VolumeMount{{own}},
			[]string{"mine"}},
		{"an existing kube-api-access volume is reused",
			api.PodSpec{Containers: []api.Container{{Name: "a"}}, Volumes: []api.Volume{{Name: "kube-api-access-zzzzz"}}},
			[][]api.VolumeMount{{{Name: "kube-api-access-zzzzz", ReadOnly: true, MountPath: ServiceAccountTokenMountPath}}},
			[]string{"kube-api-access-zzzzz"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			pod := &api.Pod{Spec: c.spec}
			mountServiceAccountToken(pod, "kube-api-access-abcde")
			var got [][]api.VolumeMount
			for _, cs := range [][]api.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
				for _, ctr := range cs {
					got = append(got, ctr.VolumeMounts)
				}
			}
			if g, w := saJSON(t, got), saJSON(t, c.wantMounts); g != w {
				t.Errorf("mounts %s, want %s", g, w)
			}
			var names []string
			for _, v := range pod.Spec.Volumes {
				names = append(names, v.Name)
			}
			if g, w := saJSON(t, names), saJSON(t, c.wantVolumes); g != w {
				t.Errorf("volumes %s, want %s", g, w)
			}
		})
	}
	pod := &api.Pod{Spec: api.PodSpec{Containers: []api.Container{{Name: "a"}}}}
	mountServiceAccountToken(pod, "kube-api-access-abcde")
	var want api.Volume
	if err := yaml.UnmarshalStrict([]byte(kubeAPIAccessVolume), &want); err != nil {
		t.Fatal(err)
	}
	if g, w := saJSON(t, pod.Spec.Volumes[0]), saJSON(t, want); g != w {
		t.Errorf("volume\n%s\nwant Kubernetes'\n%s", g, w)
	}
}

func TestAdmissionName(t *testing.T) {
	for _, c := range []struct{ name, generate, want string }{
		{"web", "", "web"},
		{"web-7d4b9-x2x4q", "web-7d4b9-", "web-7d4b9-"},
		{"web", "web-", "web"},
	} {
		if got := admissionName(&api.Pod{ObjectMeta: api.ObjectMeta{Name: c.name, GenerateName: c.generate}}); got != c.want {
			t.Errorf("%q/%q: %q, want %q", c.name, c.generate, got, c.want)
		}
	}
}

func saJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
