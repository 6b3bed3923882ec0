package kubelet

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"minik8s/pkg/api"
)

// fakeObjects is an objectSource over maps.
type fakeObjects struct {
	cms     map[string]*api.ConfigMap
	secrets map[string]*api.Secret
}

func (f fakeObjects) ConfigMap(_ context.Context, _, name string) (*api.ConfigMap, error) {
	if cm, ok := f.cms[name]; ok {
		return cm, nil
	}
	return nil, &notFoundError{"configmap", name}
}

func (f fakeObjects) Secret(_ context.Context, _, name string) (*api.Secret, error) {
	if s, ok := f.secrets[name]; ok {
		return s, nil
	}
	return nil, &notFoundError{"secret", name}
}

func i32p(v int32) *int32 { return &v }
func boolp(v bool) *bool  { return &v }

func testObjects() fakeObjects {
	return fakeObjects{
		cms:     map[string]*api.ConfigMap{"cfg": {Data: map[string]string{"a": "1", "b": "2"}, BinaryData: map[string][]byte{"bin": {0, 1}}}},
		secrets: map[string]*api.Secret{"sec": {Data: map[string][]byte{"user": []byte("admin"), "pw": []byte("s3cret")}}},
	}
}

// payloadString prints a payload as sorted "path mode data" lines.
func payloadString(p map[string]fileProjection) string {
	var lines []string
	for k, v := range p {
		lines = append(lines, k+" "+strings.TrimPrefix(os.FileMode(v.Mode).String(), "-")+" "+string(v.Data))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func TestVolumePayload(t *testing.T) {
	pod := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "ns", UID: "u1",
		Labels: map[string]string{"app": "web", "tier": "fe"}, Annotations: map[string]string{"note": `say "hi"`}},
		Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Resources: api.ResourceRequirements{Limits: api.ResourceList{"memory": q("64Mi")}}}}}}
	cmRef := api.LocalObjectReference{Name: "cfg"}
	cases := []struct {
		name    string
		vol     api.VolumeSource
		want    string
		wantErr string
	}{
		{"configMap all keys", api.VolumeSource{ConfigMap: &api.ConfigMapVolumeSource{LocalObjectReference: cmRef}},
			"a rw-r--r-- 1\nb rw-r--r-- 2\nbin rw-r--r-- \x00\x01", ""},
		{"configMap items and modes", api.VolumeSource{ConfigMap: &api.ConfigMapVolumeSource{LocalObjectReference: cmRef, DefaultMode: i32p(0o600),
			Items: []api.KeyToPath{{Key: "a", Path: "dir/x.conf"}, {Key: "b", Path: "y", Mode: i32p(0o444)}}}},
			"dir/x.conf rw------- 1\ny r--r--r-- 2", ""},
		{"configMap missing", api.VolumeSource{ConfigMap: &api.ConfigMapVolumeSource{LocalObjectReference: api.LocalObjectReference{Name: "nope"}}},
			"", `configmap "nope" not found`},
		{"configMap missing optional", api.VolumeSource{ConfigMap: &api.ConfigMapVolumeSource{LocalObjectReference: api.LocalObjectReference{Name: "nope"}, Optional: boolp(true)}},
			"", ""},
		{"configMap missing key", api.VolumeSource{ConfigMap: &api.ConfigMapVolumeSource{LocalObjectReference: cmRef, Items: []api.KeyToPath{{Key: "zz", Path: "z"}}}},
			"", "configmap references non-existent config key: zz"},
		{"secret", api.VolumeSource{Secret: &api.SecretVolumeSource{SecretName: "sec", Items: []api.KeyToPath{{Key: "pw", Path: "password"}}}},
			"password rw-r--r-- s3cret", ""},
		{"secret missing", api.VolumeSource{Secret: &api.SecretVolumeSource{SecretName: "nope"}}, "", `secret "nope" not found`},
		{"secret missing key", api.VolumeSource{Secret: &api.SecretVolumeSource{SecretName: "sec", Items: []api.KeyToPath{{Key: "zz", Path: "z"}}}},
			"", "references non-existent secret key: zz"},
		{"downwardAPI", api.VolumeSource{DownwardAPI: &api.DownwardAPIVolumeSource{Items: []api.DownwardAPIVolumeFile{
			{Path: "labels", FieldRef: &api.ObjectFieldSelector{FieldPath: "metadata.labels"}},
			{Path: "annotations", FieldRef: &api.ObjectFieldSelector{FieldPath: "metadata.annotations"}},
			{Path: "name", FieldRef: &api.ObjectFieldSelector{FieldPath: "metadata.name"}, Mode: i32p(0o400)},
			{Path: "app", FieldRef: &api.ObjectFieldSelector{FieldPath: "metadata.labels['app']"}},
			{Path: "mem", ResourceFieldRef: &api.ResourceFieldSelector{ContainerName: "c", Resource: "limits.memory", Divisor: ptrQ(q("1Mi"))}},
		}}},
			"annotations rw-r--r-- note=\"say \\\"hi\\\"\"\napp rw-r--r-- web\nlabels rw-r--r-- app=\"web\"\ntier=\"fe\"\nmem rw-r--r-- 64\nname r-------- web", ""},
		{"projected", api.VolumeSource{Projected: &api.ProjectedVolumeSource{DefaultMode: i32p(0o640), Sources: []api.VolumeProjection{
			{ConfigMap: &api.ConfigMapProjection{LocalObjectReference: cmRef, Items: []api.KeyToPath{{Key: "a", Path: "cfg/a"}}}},
			{Secret: &api.SecretProjection{LocalObjectReference: api.LocalObjectReference{Name: "sec"}, Items: []api.KeyToPath{{Key: "user", Path: "sec/user"}}}},
			{DownwardAPI: &api.DownwardAPIProjection{Items: []api.DownwardAPIVolumeFile{{Path: "ns", FieldRef: &api.ObjectFieldSelector{FieldPath: "metadata.namespace"}}}}},
			{Secret: &api.SecretProjection{LocalObjectReference: api.LocalObjectReference{Name: "gone"}, Optional: boolp(true)}},
		}}},
			"cfg/a rw-r----- 1\nns rw-r----- ns\nsec/user rw-r----- admin", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := volumePayload(context.Background(), testObjects(), pod, &api.Volume{Name: "v", VolumeSource: c.vol})
			if c.wantErr != "" {
				if err == nil || err.Error() != c.wantErr {
					t.Fatalf("error %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s := payloadString(got); s != c.want {
				t.Errorf("payload:\n%q\nwant:\n%q", s, c.want)
			}
		})
	}
}

// readVolume lists what a container sees in dir: visible names (not
// starting with "..") with their content through the symlinks.
func readVolume(t *testing.T, dir string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		if strings.HasPrefix(rel, "..") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		fi, err := os.Stat(p) // through the symlink
		if err != nil {
			return err
		}
		if fi.IsDir() {
			entries, _ := os.ReadDir(p)
			for _, e := range entries {
				b, _ := os.ReadFile(filepath.Join(p, e.Name()))
				lines = append(lines, rel+"/"+e.Name()+"="+string(b))
			}
			return nil
		}
		b, _ := os.ReadFile(p)
		lines = append(lines, rel+"="+string(b)+" "+fi.Mode().Perm().String())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, ",")
}

func TestWriteAtomic(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "vol")
	steps := []struct {
		payload     map[string]fileProjection
		wantChanged bool
		want        string
	}{
		{map[string]fileProjection{"a": {[]byte("1"), 0o644}, "sub/b": {[]byte("2"), 0o600}}, true, "a=1 -rw-r--r--,sub/b=2"},
		{map[string]fileProjection{"a": {[]byte("1"), 0o644}, "sub/b": {[]byte("2"), 0o600}}, false, "a=1 -rw-r--r--,sub/b=2"},
		// Modes alone are not compared (Kubernetes' writer compares content):
		// fsGroup's group bits must not make every refresh a rewrite.
		{map[string]fileProjection{"a": {[]byte("1"), 0o400}, "sub/b": {[]byte("2"), 0o600}}, false, "a=1 -rw-r--r--,sub/b=2"},
		{map[string]fileProjection{"a": {[]byte("one"), 0o400}, "sub/b": {[]byte("2"), 0o600}}, true, "a=one -r--------,sub/b=2"},
		{map[string]fileProjection{"a": {[]byte("new"), 0o644}, "c": {[]byte("3"), 0o644}}, true, "a=new -rw-r--r--,c=3 -rw-r--r--"},
		{map[string]fileProjection{}, true, ""},
	}
	var lastTs string
	for i, s := range steps {
		changed, err := writeAtomic(dir, s.payload)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if changed != s.wantChanged {
			t.Errorf("step %d: changed %v, want %v", i, changed, s.wantChanged)
		}
		if got := readVolume(t, dir); got != s.want {
			t.Errorf("step %d: volume %q, want %q", i, got, s.want)
		}
		ts, err := os.Readlink(filepath.Join(dir, dataDirName))
		if err != nil || !strings.HasPrefix(ts, "..20") {
			t.Fatalf("step %d: ..data -> %q %v", i, ts, err)
		}
		if s.wantChanged && ts == lastTs {
			t.Errorf("step %d: ..data not swapped", i)
		}
		// Only the current timestamped directory remains.
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), "..20") && e.Name() != ts {
				t.Errorf("step %d: old data dir %s left", i, e.Name())
			}
		}
		if s.wantChanged || i == 0 {
			if link, err := os.Readlink(filepath.Join(dir, "a")); err == nil && link != "..data/a" {
				t.Errorf("step %d: a -> %s", i, link)
			}
		}
		lastTs = ts
	}
	for _, bad := range []string{"/abs", "../x", "..x", "a/../../b"} {
		if _, err := writeAtomic(dir, map[string]fileProjection{bad: {nil, 0o644}}); err == nil {
			t.Errorf("path %q accepted", bad)
		}
	}
}

func TestResolveEnvRefs(t *testing.T) {
	pod := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p", Namespace: "ns"}}
	objs := testObjects()
	objs.cms["weird"] = &api.ConfigMap{Data: map[string]string{"1bad": "x", "GOOD": "y", "a.b": "z"}}
	cmKey := func(name, key string, opt bool) *api.EnvVarSource {
		return &api.EnvVarSource{ConfigMapKeyRef: &api.ConfigMapKeySelector{LocalObjectReference: api.LocalObjectReference{Name: name}, Key: key, Optional: boolp(opt)}}
	}
	secKey := func(name, key string, opt bool) *api.EnvVarSource {
		return &api.EnvVarSource{SecretKeyRef: &api.SecretKeySelector{LocalObjectReference: api.LocalObjectReference{Name: name}, Key: key, Optional: boolp(opt)}}
	}
	cmFrom := func(name, prefix string, opt bool) api.EnvFromSource {
		return api.EnvFromSource{Prefix: prefix, ConfigMapRef: &api.ConfigMapEnvSource{LocalObjectReference: api.LocalObjectReference{Name: name}, Optional: boolp(opt)}}
	}
	cases := []struct {
		name        string
		c           api.Container
		wantEnv     string // containerEnv's KEY=value list
		wantSkipped string
		wantErr     string
	}{
		{"key refs", api.Container{Env: []api.EnvVar{{Name: "A", ValueFrom: cmKey("cfg", "a", false)}, {Name: "U", ValueFrom: secKey("sec", "user", false)}, {Name: "X", Value: "$(A)-$(U)"}}},
			"A=1,U=admin,X=1-admin", "", ""},
		{"missing configmap", api.Container{Env: []api.EnvVar{{Name: "A", ValueFrom: cmKey("nope", "a", false)}}}, "", "", `configmap "nope" not found`},
		{"missing secret", api.Container{EnvFrom: []api.EnvFromSource{{SecretRef: &api.SecretEnvSource{LocalObjectReference: api.LocalObjectReference{Name: "nope"}}}}}, "", "", `secret "nope" not found`},
		{"missing key", api.Container{Env: []api.EnvVar{{Name: "A", ValueFrom: cmKey("cfg", "zz", false)}}}, "", "", "couldn't find key zz in ConfigMap ns/cfg"},
		{"missing secret key", api.Container{Env: []api.EnvVar{{Name: "A", ValueFrom: secKey("sec", "zz", false)}}}, "", "", "couldn't find key zz in Secret ns/sec"},
		{"optional missing", api.Container{Env: []api.EnvVar{{Name: "A", ValueFrom: cmKey("nope", "a", true)}, {Name: "B", ValueFrom: cmKey("cfg", "zz", true)}, {Name: "C", Value: "c"}},
			EnvFrom: []api.EnvFromSource{cmFrom("nope", "", true)}}, "C=c", "", ""},
		{"envFrom with prefix, env overrides", api.Container{EnvFrom: []api.EnvFromSource{cmFrom("cfg", "CFG_", false), {SecretRef: &api.SecretEnvSource{LocalObjectReference: api.LocalObjectReference{Name: "sec"}}}},
			Env: []api.EnvVar{{Name: "user", Value: "override"}}},
			"CFG_a=1,CFG_b=2,pw=s3cret,user=override", "", ""},
		{"invalid names skipped", api.Container{EnvFrom: []api.EnvFromSource{cmFrom("weird", "", false)}},
			"GOOD=y,a.b=z", "Keys [1bad] from the EnvFrom configMap ns/weird were skipped since they are considered invalid environment variable names.", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			refs, err := resolveEnvRefs(context.Background(), objs, pod, &c.c)
			if c.wantErr != "" {
				if err == nil || err.Error() != c.wantErr {
					t.Fatalf("error %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			env, _, err := containerEnv(pod, &c.c, podEnv{Refs: refs})
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(env, ","); got != c.wantEnv {
				t.Errorf("env %q, want %q", got, c.wantEnv)
			}
			if got := strings.Join(refs.Skipped, "\n"); got != c.wantSkipped {
				t.Errorf("skipped %q, want %q", got, c.wantSkipped)
			}
		})
	}
}
