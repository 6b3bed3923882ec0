package decode

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"minik8s/pkg/api"
)

const goodPod = `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
  - name: c
    image: minik8s/tools:latest
`

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"malformed YAML", "apiVersion: v1\nkind: Pod\nmetadata: [\n", "invalid YAML"},
		{"unknown top-level field", goodPod + "extra: 1\n", "extra: unknown field"},
		{"unknown field at depth", goodPod + "    imagePullPolcy: Always\n", "spec.containers[0].imagePullPolcy: unknown field"},
		{"unknown field in map value", strings.Replace(goodPod, "    image:", "    resources:\n      limits:\n        cpu: 1\n      limts: {}\n    image:", 1), "spec.containers[0].resources.limts: unknown field"},
		{"field name case matters", strings.Replace(goodPod, "name: c", "Name: c", 1), "spec.containers[0].Name: unknown field"},
		{"wrong type string for int", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: \"3\"\n", "spec.replicas: expected integer, got string"},
		{"wrong type float for int", "apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: 1.5\n", "spec.replicas: expected integer, got number 1.5"},
		{"int out of range", "apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: 3000000000\n", "spec.replicas: value 3000000000 out of range for int32"},
		{"object for string", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {a: b}\n", "metadata.name: expected string, got object"},
		{"array for object", "apiVersion: v1\nkind: Pod\nspec: []\n", "spec: expected object, got array"},
		{"bool for int-or-string", "apiVersion: v1\nkind: Service\nspec:\n  ports:\n  - port: 80\n    targetPort: true\n", "spec.ports[0].targetPort: expected integer or string, got boolean"},
		{"bad quantity", strings.Replace(goodPod, "    image:", "    resources:\n      limits:\n        memory: 12QQ\n    image:", 1), "spec.containers[0].resources.limits.memory: quantities must match the regular expression"},
		{"bad time", "apiVersion: v1\nkind: Pod\nmetadata:\n  creationTimestamp: yesterday\n", "metadata.creationTimestamp: parsing time"},
		{"wrong apiVersion", "apiVersion: v1\nkind: Deployment\nmetadata: {name: d}\n", `no kind "Deployment" is registered for version "v1"`},
		{"unknown kind", "apiVersion: v1\nkind: Foo\n", `no kind "Foo" is registered for version "v1"`},
		{"missing kind", "apiVersion: v1\nmetadata: {name: x}\n", "kind not set"},
		{"missing apiVersion", "kind: Pod\nmetadata: {name: x}\n", `apiVersion not set in object of kind "Pod"`},
		{"duplicate key", "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nmetadata: {name: b}\n", `key "metadata" already set`},
		{"duplicate key in JSON", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","labels":{"x":"1","x":"2"}}}`, `metadata.labels.x: key "x" already set`},
		{"unknown field in JSON", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"},"spec":{"containers":[{"name":"c","imagee":"x"}]}}`, "spec.containers[0].imagee: unknown field"},
		{"empty", "# nothing\n", "empty document"},
		{"not an object", "- a\n- b\n", "document is not an object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode([]byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Decode error = %v, want containing %q", err, tc.want)
			}
		})
	}
}

func TestDecodeReportsEveryProblem(t *testing.T) {
	in := goodPod + "    imagePullPolcy: Always\n    ports:\n    - containerPort: x\n"
	_, err := Decode([]byte(in))
	se, ok := err.(*StrictError)
	if !ok {
		t.Fatalf("error %T %v, want *StrictError", err, err)
	}
	got := []string{}
	for _, e := range se.Errors {
		got = append(got, e.Error())
	}
	want := []string{"spec.containers[0].imagePullPolcy: unknown field", "spec.containers[0].ports[0].containerPort: expected integer, got string"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("errors = %q, want %q", got, want)
	}
}

func TestDecodeGood(t *testing.T) {
	in := `apiVersion: v1
kind: Pod
metadata:
  name: p
  labels: {app: web}
  creationTimestamp: null
spec:
  containers:
  - name: c
    image: minik8s/tools:latest
    command:
    args: null
    resources:
      limits: {cpu: 500m, memory: 128Mi}
      requests: {cpu: 0.2}
    ports:
    - containerPort: 80
      hostPort: 8081
  volumes:
  - name: v
    emptyDir: {}
`
	obj, err := Decode([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	p, ok := obj.(*api.Pod)
	if !ok {
		t.Fatalf("got %T", obj)
	}
	c := p.Spec.Containers[0]
	lim := c.Resources.Limits["memory"]
	cpu := c.Resources.Requests["cpu"]
	if p.Name != "p" || p.Labels["app"] != "web" || c.Command != nil || lim.Value() != 128<<20 || cpu.MilliValue() != 200 ||
		c.Ports[0].HostPort != 8081 || p.Spec.Volumes[0].EmptyDir == nil || p.Kind != "Pod" || p.APIVersion != "v1" {
		t.Errorf("decoded pod = %+v", p)
	}

	// JSON works the same, and DecodeInto fills a given object.
	var d api.Deployment
	if err := DecodeInto([]byte(`{"apiVersion":"apps/v1","kind":"Deployment","spec":{"replicas":2,"strategy":{"rollingUpdate":{"maxSurge":"50%","maxUnavailable":0}}}}`), &d); err != nil {
		t.Fatal(err)
	}
	if *d.Spec.Replicas != 2 || d.Spec.Strategy.RollingUpdate.MaxSurge.StrVal != "50%" {
		t.Errorf("decoded deployment = %+v", d.Spec)
	}
	if err := DecodeInto([]byte(`{"spec":{"replicaz":2}}`), &d); err == nil || err.Error() != "spec.replicaz: unknown field" {
		t.Errorf("DecodeInto unknown field error = %v", err)
	}
}

func TestSplitDocuments(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // kinds of the documents, in order
	}{
		{"single", goodPod, []string{"Pod"}},
		{"multi with empty docs and comments", "---\n# only a comment\n---\n" + goodPod + "--- # second\n" + strings.Replace(goodPod, "name: p", "name: q", 1) + "---\n\n", []string{"Pod", "Pod"}},
		{"json stream", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"}}` + "\n" + `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"n"}}`, []string{"Pod", "Namespace"}},
		{"kind List", "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: a}\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: d}\n", []string{"Namespace", "Deployment"}},
		{"typed list fills kind", `{"apiVersion":"v1","kind":"PodList","metadata":{},"items":[{"metadata":{"name":"a"}}]}`, []string{"Pod"}},
		{"empty list", "apiVersion: v1\nkind: List\nitems: []\n", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			objs, err := DecodeAll([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for _, o := range objs {
				kinds = append(kinds, o.GetTypeMeta().Kind)
			}
			if strings.Join(kinds, ",") != strings.Join(tc.want, ",") {
				t.Errorf("kinds = %v, want %v", kinds, tc.want)
			}
		})
	}
	_, err := DecodeAll([]byte(goodPod + "---\n" + goodPod + "    bogus: 1\n"))
	if err == nil || err.Error() != "document 1: spec.containers[0].bogus: unknown field" {
		t.Errorf("DecodeAll error = %v", err)
	}
	_, err = DecodeAll([]byte("apiVersion: v1\nkind: List\nitems: 3\n"))
	if err == nil || !strings.Contains(err.Error(), "items: expected array") {
		t.Errorf("bad List error = %v", err)
	}
}

func TestReadPaths(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, content string) string {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ns := func(name string) string { return "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + name + "\n" }
	write("b.yaml", ns("b"))
	write("a.yml", ns("a1")+"---\n"+ns("a2"))
	write("c.json", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"c"}}`)
	write("notes.txt", "not yaml: [")
	write("sub/d.yaml", ns("d"))

	names := func(srcs []Source) string {
		var out []string
		for _, s := range srcs {
			out = append(out, strings.TrimPrefix(s.Name, dir+"/")+"="+s.Obj.GetObjectMeta().Name)
		}
		return strings.Join(out, " ")
	}

	srcs, err := ReadPaths([]string{dir}, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := names(srcs), "a.yml:0=a1 a.yml:1=a2 b.yaml:0=b c.json:0=c"; got != want {
		t.Errorf("dir: %s, want %s", got, want)
	}
	srcs, err = ReadPaths([]string{dir}, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := names(srcs), "a.yml:0=a1 a.yml:1=a2 b.yaml:0=b c.json:0=c sub/d.yaml:0=d"; got != want {
		t.Errorf("dir -R: %s, want %s", got, want)
	}

	srcs, err = ReadPaths([]string{"-", filepath.Join(dir, "b.yaml")}, false, strings.NewReader(ns("from-stdin")))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := names(srcs), "-:0=from-stdin b.yaml:0=b"; got != want {
		t.Errorf("stdin+file: %s, want %s", got, want)
	}

	bad := write("bad/x.yaml", ns("ok")+"---\n"+ns("Bad")+"  extra: 1\n")
	_, err = ReadPaths([]string{bad}, false, nil)
	if err == nil || err.Error() != bad+": document 1: metadata.extra: unknown field" {
		t.Errorf("bad file error = %v", err)
	}
	_, err = ReadPaths([]string{filepath.Join(dir, "missing.yaml")}, false, nil)
	if err == nil || !strings.Contains(err.Error(), "missing.yaml\" does not exist") {
		t.Errorf("missing file error = %v", err)
	}
	_, err = ReadPaths([]string{"-", "-"}, false, strings.NewReader(""))
	if err == nil {
		t.Error("reading stdin twice should fail")
	}
}
