package kubectl

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
)

func TestDiffCommand(t *testing.T) {
	cases := []struct {
		external      string
		prog          string
		args, ignored []string
	}{
		{"", "diff", []string{"-u", "-N", "A", "B"}, nil},
		{"meld", "meld", []string{"A", "B"}, nil},
		{"diff -q --color=always", "diff", []string{"A", "B", "-q", "--color=always"}, nil},
		{"diff -q ;rm", "diff", []string{"A", "B", "-q"}, []string{";rm"}},
	}
	for _, tc := range cases {
		prog, args, ignored := diffCommand(tc.external, "A", "B")
		if prog != tc.prog || !reflect.DeepEqual(args, tc.args) || !reflect.DeepEqual(ignored, tc.ignored) {
			t.Errorf("diffCommand(%q) = %q %q %q, want %q %q %q", tc.external, prog, args, ignored, tc.prog, tc.args, tc.ignored)
		}
	}
}

func TestDiffFileNameAndYAML(t *testing.T) {
	pods, _ := api.ForResource("", "v1", "pods")
	deps, _ := api.ForResource("apps", "v1", "deployments")
	if got := diffFileName(pods, &api.ObjectMeta{Namespace: "default", Name: "web"}); got != "v1.Pod.default.web" {
		t.Errorf("pod file %q", got)
	}
	if got := diffFileName(deps, &api.ObjectMeta{Namespace: "ns", Name: "d"}); got != "apps.v1.Deployment.ns.d" {
		t.Errorf("deployment file %q", got)
	}
	y, err := diffYAML([]byte(`{"kind":"Pod","metadata":{"name":"x","managedFields":[{"manager":"m"}]}}`))
	if err != nil || string(y) != "kind: Pod\nmetadata:\n  name: x\n" {
		t.Errorf("diffYAML = %q, %v", y, err)
	}
	if y, err := diffYAML(nil); y != nil || err != nil {
		t.Errorf("no object: %q %v", y, err)
	}
}

func TestEditorCommand(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cases := []struct {
		env  map[string]string
		want []string
	}{
		{nil, []string{"vi", "/f"}},
		{map[string]string{"EDITOR": "nano"}, []string{"nano", "/f"}},
		{map[string]string{"EDITOR": "nano", "KUBE_EDITOR": "code --wait"}, []string{"code", "--wait", "/f"}},
		{map[string]string{"KUBE_EDITOR": `sed -i 's/a/b/'`, "SHELL": "/bin/sh"}, []string{"/bin/sh", "-c", `sed -i 's/a/b/' "/f"`}},
		{map[string]string{"KUBE_EDITOR": `x "y"`}, []string{"/bin/bash", "-c", `x "y" "/f"`}},
	}
	for _, tc := range cases {
		if got := editorCommand(env(tc.env), "/f"); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v: %q, want %q", tc.env, got, tc.want)
		}
	}
}

func TestEditFileHelpers(t *testing.T) {
	file := []byte("# head\n#! keep\n  # indented\nkind: Pod\n")
	if got := string(manualStrip(file)); got != "#! keep\nkind: Pod\n" {
		t.Errorf("manualStrip = %q", got)
	}
	if got := string(stripComments([]byte("# c\nkind: Pod\n"))); got != `{"kind":"Pod"}` {
		t.Errorf("stripComments = %q", got)
	}
	if hasLines([]byte("# only\n\n  \n")) || !hasLines([]byte("# c\nx: 1\n")) {
		t.Error("hasLines")
	}
	if got := hashOnLineBreak("a\nb\n#c"); got != "a\n# b\n#c" {
		t.Errorf("hashOnLineBreak = %q", got)
	}
	var b bytes.Buffer
	writeEditHeader(&b, []editReason{{head: "pods \"x\" was not valid", other: []string{"spec: bad"}}, {head: "syntax"}})
	want := editHeader + "# pods \"x\" was not valid:\n# * spec: bad\n#\n# syntax\n#\n"
	if b.String() != want {
		t.Errorf("header\n%s\nwant\n%s", b.String(), want)
	}
	if err := validateEdited([]byte("# c\n\n")); err == nil || err.Error() != "invalid object to validate" {
		t.Errorf("empty file: %v", err)
	}
	if err := validateEdited([]byte("spec: [\nx: 1\n")); err == nil || strings.HasPrefix(err.Error(), "error converting") {
		t.Errorf("broken file: %v", err)
	}
	objs, err := parseEdited([]byte(`{"apiVersion":"v1","kind":"List","items":[{"kind":"Pod"},{"kind":"Pod"}]}`))
	if err != nil || len(objs) != 2 {
		t.Errorf("list: %v %v", objs, err)
	}
}

func TestEditAddError(t *testing.T) {
	deps, _ := api.ForResource("apps", "v1", "deployments")
	invalid := &client.StatusError{Status: api.Status{Reason: client.ReasonInvalid, Code: 422,
		Details: &api.StatusDetails{Causes: []api.StatusCause{{Field: "spec.replicas", Message: "Invalid value: -1"}}}}}
	notFound := &client.StatusError{Status: api.Status{Reason: client.ReasonNotFound, Code: 404}}
	conflict := &client.StatusError{Status: api.Status{Reason: client.ReasonConflict, Code: 409, Message: "stale"}}
	r := &editResults{}
	if got := r.addError(invalid, deps, "d"); got != `error: deployments.apps "d" is invalid` {
		t.Errorf("invalid: %q", got)
	}
	if got := r.addError(notFound, deps, "d"); got != `error: deployments.apps "d" could not be found on the server` {
		t.Errorf("not found: %q", got)
	}
	if got := r.addError(conflict, deps, "d"); got != `error: deployments.apps "d" could not be patched: stale` {
		t.Errorf("conflict: %q", got)
	}
	want := []editReason{{head: `deployments.apps "d" was not valid`, other: []string{"spec.replicas: Invalid value: -1"}}}
	if !reflect.DeepEqual(r.reasons, want) || r.notFound != 1 || r.retryable != 1 {
		t.Errorf("results %+v", r)
	}
}

func TestPruneKindsAndVictims(t *testing.T) {
	kinds, err := pruneKinds(nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, k := range kinds {
		names = append(names, k.Kind)
	}
	// The default allowlist, in its order, without what minik8s does not serve.
	for _, want := range []string{"Pod", "Service", "Deployment", "ReplicaSet"} {
		found := false
		for _, n := range names {
			found = found || n == want
		}
		if !found {
			t.Errorf("default prune kinds %v lack %s", names, want)
		}
	}
	if _, err := pruneKinds([]string{"core/v1/Frob"}); err == nil {
		t.Error("an unserved kind named explicitly must fail")
	}
	if _, err := pruneKinds([]string{"Pod"}); err == nil || !strings.Contains(err.Error(), "<group/version/kind>") {
		t.Errorf("bad format: %v", err)
	}
	mk := func(uid string, applied bool) api.Object {
		p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: uid, UID: uid}}
		if applied {
			p.Annotations = map[string]string{LastAppliedAnnotation: "{}"}
		}
		return p
	}
	got := pruneVictims([]api.Object{mk("a", true), mk("b", false), mk("c", true)}, map[string]bool{"a": true})
	if len(got) != 1 || got[0].GetObjectMeta().UID != "c" {
		t.Errorf("victims %v", got)
	}
}

func TestPrintedKindAndPatchLocally(t *testing.T) {
	deps, _ := api.ForResource("apps", "v1", "deployments")
	if got := printedKind(deps, []byte(`{"apiVersion":"autoscaling/v1","kind":"Scale"}`)); got != "scale.autoscaling" {
		t.Errorf("scale: %q", got)
	}
	if got := printedKind(deps, []byte(`{}`)); got != "deployment.apps" {
		t.Errorf("no kind: %q", got)
	}
	pods, _ := api.ForResource("", "v1", "pods")
	orig := []byte(`{"spec":{"containers":[{"name":"a","image":"1"},{"name":"b","image":"1"}]}}`)
	for _, tc := range []struct {
		pt    client.PatchType
		patch string
		want  string
	}{
		{client.StrategicMergePatchType, `{"spec":{"containers":[{"name":"b","image":"2"}]}}`, `{"spec":{"containers":[{"image":"1","name":"a"},{"image":"2","name":"b"}]}}`},
		{client.MergePatchType, `{"spec":{"containers":[{"name":"b","image":"2"}]}}`, `{"spec":{"containers":[{"image":"2","name":"b"}]}}`},
		{client.JSONPatchType, `[{"op":"remove","path":"/spec/containers/0"}]`, `{"spec":{"containers":[{"image":"1","name":"b"}]}}`},
	} {
		got, err := patchLocally(tc.pt, orig, []byte(tc.patch), pods.New())
		if err != nil || !sameJSON(got, []byte(tc.want)) {
			t.Errorf("%s: %s %v, want %s", tc.pt, got, err, tc.want)
		}
	}
}
