package kubectl

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"minik8s/apiserver/testserver"
)

// jpFixture is a pod and a list as kubectl sees them (apiVersion, kind,
// metadata, spec, status), with every JSON value type.
const jpFixture = `{
  "apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""},
  "items": [
    {"apiVersion": "v1", "kind": "Pod",
     "metadata": {"name": "web", "namespace": "default",
                  "labels": {"app": "web", "app.kubernetes.io/name": "webapp", "tier": "front"}},
     "spec": {"nodeName": "node1", "enableServiceLinks": true, "priority": 0, "weight": 0.5, "nothing": null,
              "containers": [
                {"name": "main", "image": "nginx:1.25",
                 "ports": [{"containerPort": 8080, "protocol": "TCP"}, {"containerPort": 8443, "name": "https", "protocol": "TCP"}]},
                {"name": "side", "image": "busybox", "command": ["sleep", "3600"]}]},
     "status": {"phase": "Running", "podIP": "10.244.1.5"}},
    {"apiVersion": "v1", "kind": "Pod",
     "metadata": {"name": "db", "namespace": "default", "labels": {"app": "db"}},
     "spec": {"containers": [{"name": "pg", "image": "postgres:16"}]},
     "status": {"phase": "Pending"}}
  ]
}`

func jpData(t *testing.T, js string) any {
	t.Helper()
	v, err := unstructuredOf(json.RawMessage(js))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestJSONPathEvaluate(t *testing.T) {
	list := jpData(t, jpFixture)
	pod := list.(map[string]any)["items"].([]any)[0]
	empty := jpData(t, `{"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": []}`)
	tests := []struct {
		name, tmpl string
		data       any
		strict     bool   // --allow-missing-template-keys=false
		asJSON     bool   // jsonpath-as-json
		want       string // output, when no error
		wantErr    string // exact evaluation error
	}{
		{name: "field", tmpl: "{.status.phase}", data: pod, want: "Running"},
		{name: "text around actions", tmpl: "phase={.status.phase};", data: pod, want: "phase=Running;"},
		{name: "no action", tmpl: ".metadata.name", data: pod, want: ".metadata.name"},
		{name: "spaces in action", tmpl: "{ .metadata.name }", data: pod, want: "web"},
		{name: "dollar and at", tmpl: "{$.metadata.name} {@.kind}", data: pod, want: "web Pod"},
		{name: "items wildcard joined by spaces", tmpl: "{.items[*].metadata.name}", data: list, want: "web db"},
		{name: "missing values are skipped", tmpl: "{.items[*].status.podIP}", data: list, want: "10.244.1.5"},
		{name: "integer", tmpl: "{.spec.containers[0].ports[0].containerPort}", data: pod, want: "8080"},
		{name: "float and bool and zero", tmpl: "{.spec.weight} {.spec.enableServiceLinks} {.spec.priority}", data: pod, want: "0.5 true 0"},
		{name: "null", tmpl: "{.spec.nothing}", data: pod, want: "null"},
		{name: "map as JSON", tmpl: "{.metadata.labels}", data: pod, want: `{"app":"web","app.kubernetes.io/name":"webapp","tier":"front"}`},
		{name: "list as JSON", tmpl: "{.spec.containers[1].command}", data: pod, want: `["sleep","3600"]`},
		{name: "whole object", tmpl: "{$}", data: empty, want: `{"apiVersion":"v1","items":[],"kind":"List","metadata":{"resourceVersion":""}}`},
		{name: "dot alone is the empty key", tmpl: "{.}", data: pod, want: ""},
		{name: "negative index", tmpl: "{.items[-1].metadata.name}", data: list, want: "db"},
		{name: "slices", tmpl: "{.spec.containers[0:2].name}|{.spec.containers[1:].name}|{.spec.containers[:1].name}|{.spec.containers[::2].name}|{.spec.containers[-1:].name}", data: pod, want: "main side|side|main|main|side"},
		{name: "empty slice", tmpl: "[{.spec.containers[2:2]}]", data: pod, want: "[]"},
		{name: "index union", tmpl: "{.items[1,0].metadata.name}", data: list, want: "db web"},
		{name: "key union", tmpl: "{.spec.containers[*]['name','image']}", data: pod, want: "main side nginx:1.25 busybox"},
		{name: "quoted key", tmpl: "{.metadata['name']}", data: pod, want: "web"},
		{name: "quoted key with dots splits as in kubectl", tmpl: "{.metadata.labels['app.kubernetes.io/name']}", data: pod, want: ""},
		{name: "escaped dots", tmpl: `{.metadata.labels.app\.kubernetes\.io/name}`, data: pod, want: "webapp"},
		{name: "map wildcard in key order", tmpl: "{.metadata.labels.*}", data: pod, want: "web webapp front"},
		{name: "string wildcard is its bytes", tmpl: "{.metadata.name.*}", data: pod, want: "119 101 98"},
		{name: "recursive descent", tmpl: "{..containerPort}", data: pod, want: "8080 8443"},
		{name: "recursive field names in key order", tmpl: "{.spec..name}", data: pod, want: "main https side"},
		{name: "filter equal", tmpl: `{.items[?(@.status.phase=="Running")].metadata.name}`, data: list, want: "web"},
		{name: "filter single quotes and spaces", tmpl: `{.items[?(@.status.phase == 'Pending')].metadata.name}`, data: list, want: "db"},
		{name: "filter not equal", tmpl: `{.spec.containers[?(@.name!="main")].name}`, data: pod, want: "side"},
		{name: "filter numbers", tmpl: `{.spec.containers[0].ports[?(@.containerPort>8080)].name} {.spec.containers[0].ports[?(@.containerPort<=8080)].protocol}`, data: pod, want: "https TCP"},
		{name: "filter strings ordered", tmpl: `{.spec.containers[?(@.name<"s")].name} {.spec.containers[?(@.name>="side")].name}`, data: pod, want: "main side"},
		{name: "filter exists", tmpl: `{.spec.containers[?(@.command)].name}`, data: pod, want: "side"},
		{name: "filter exists strict", tmpl: `{.spec.containers[?(@.command)].name}`, data: pod, strict: true, want: "side"},
		{name: "filter on right path", tmpl: `{.spec.containers[?(@.name==@.name)].name}`, data: pod, want: "main side"},
		{name: "filter paren in quotes", tmpl: `{.spec.containers[?(@.name=="a)b")].name}`, data: pod, want: ""},
		{name: "nested filters", tmpl: `{.spec.containers[?(@.name=="main")].ports[?(@.containerPort==8443)].name}`, data: pod, want: "https"},
		{name: "filter then index", tmpl: `{.spec.containers[?(@.name=="side")].command[0]}`, data: pod, want: "sleep"},
		{name: "literals", tmpl: `{"a\tb"}{'c'}{"\n"}{true} {3} {-2.5}`, data: pod, want: "a\tbc\ntrue 3 -2.5"},
		{name: "range", tmpl: `{range .items[*]}{.metadata.name}{"\t"}{.status.phase}{"\n"}{end}`, data: list, want: "web\tRunning\ndb\tPending\n"},
		{name: "nested range", tmpl: `{range .items[*]}{.metadata.name}:{range .spec.containers[*]}{.name},{end};{end}done`, data: list, want: "web:main,side,;db:pg,;done"},
		{name: "range over a filter", tmpl: `{range .items[?(@.status.phase=="Pending")]}{.metadata.name}{end}`, data: list, want: "db"},
		{name: "range over nothing", tmpl: `a{range .items[*]}{.metadata.name}{end}b`, data: empty, want: "ab"},
		{name: "range without end", tmpl: `{range .spec.containers[*]}{.name}`, data: pod, want: "mainside"},
		{name: "as JSON", tmpl: "{.spec.containers[*].name}", data: pod, asJSON: true, want: "[\n    \"main\",\n    \"side\"\n]\n"},
		{name: "as JSON nothing", tmpl: "{.nope}", data: pod, asJSON: true, want: "[]\n"},
		{name: "missing key allowed", tmpl: "[{.spec.nope}]", data: pod, want: "[]"},
		{name: "missing under missing", tmpl: "[{.nope.deeper}]", data: pod, strict: true, wantErr: "nope is not found"},

		{name: "missing key strict", tmpl: "{.spec.nope}", data: pod, strict: true, wantErr: "nope is not found"},
		{name: "field of a string strict", tmpl: "{.metadata.name.x}", data: pod, strict: true, wantErr: "x is not found"},
		{name: "index out of range", tmpl: "{.items[0].metadata.name}", data: empty, wantErr: "array index out of bounds: index 0, length 0"},
		{name: "negative out of range", tmpl: "{.items[-1]}", data: empty, wantErr: "array index out of bounds: index -1, length 0"},
		{name: "end out of range", tmpl: "{.spec.containers[0:3]}", data: pod, wantErr: "array index out of bounds: index 2, length 2"},
		{name: "start after end", tmpl: "{.spec.containers[2:1]}", data: pod, wantErr: "array index out of bounds: index 2, length 2"},
		{name: "zero step", tmpl: "{.spec.containers[0:1:0]}", data: pod, wantErr: "step must be > 0"},
		{name: "index of a map", tmpl: "{.metadata[0]}", data: pod, wantErr: "map[string]interface {} is not array or slice"},
		{name: "index of a string", tmpl: "{.metadata.name[0]}", data: pod, wantErr: "string is not array or slice"},
		{name: "filter of a map", tmpl: "{.metadata.labels[?(@.x)]}", data: pod, wantErr: "map[app:web app.kubernetes.io/name:webapp tier:front] is not array or slice and cannot be filtered"},
		{name: "compare int with float", tmpl: "{.spec.containers[0].ports[?(@.containerPort>8080.5)]}", data: pod, wantErr: "incompatible types for comparison"},
		{name: "compare a map", tmpl: `{.spec.containers[?(@.ports=="x")]}`, data: pod, wantErr: "invalid type for comparison"},
		{name: "compare many", tmpl: `{.spec.containers[?(@.ports[*].containerPort==8080)]}`, data: pod, wantErr: "can only compare one element at a time"},
		{name: "bad operator", tmpl: `{.spec.containers[?(@.name="main")]}`, data: pod, wantErr: "unrecognized filter operator ="},
		{name: "missing in a filter strict", tmpl: `{.spec.containers[?(@.command[0]=="sleep")].name}`, data: pod, strict: true, wantErr: "command is not found"},
		{name: "empty range strict", tmpl: `{range .items[*]}{.metadata.name}{end}`, data: empty, strict: true, wantErr: "metadata is not found"},
		{name: "end without range", tmpl: "{end}", data: pod, wantErr: "not in range, nothing to end"},
		{name: "unknown word", tmpl: "{foo}", data: pod, wantErr: "unrecognized identifier foo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl, err := newJSONPathTemplate(tt.tmpl)
			if err != nil {
				t.Fatalf("parse %q: %v", tt.tmpl, err)
			}
			tmpl.allowMissing, tmpl.asJSON = !tt.strict, tt.asJSON
			var out bytes.Buffer
			err = tmpl.execute(&out, tt.data)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("%s: error %v, want %q", tt.tmpl, err, tt.wantErr)
				}
				if out.Len() != 0 {
					t.Fatalf("%s: printed %q before failing", tt.tmpl, out.String())
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", tt.tmpl, err)
			}
			if out.String() != tt.want {
				t.Fatalf("%s\n got %q\nwant %q", tt.tmpl, out.String(), tt.want)
			}
		})
	}
}

func TestJSONPathParseErrors(t *testing.T) {
	tests := map[string]string{
		"{.items[}":              "unterminated array",
		"{.x":                    "unclosed action",
		"{.x\n}":                 "unclosed action",
		`{"abc}`:                 "unterminated quoted string",
		"{....x}":                "invalid multiple recursive descent",
		"{...x}":                 "", // .. then .x
		"{.a\t}":                 "unrecognized character in action: U+0009",
		"{{.x}}":                 "unrecognized character in action: U+007B '{'",
		"{..*}":                  "unrecognized character in action: U+002A '*'",
		"{.items[a]}":            "invalid array index a",
		"{.items[-]}":            "array index - is not a number",
		"{1.2.3}":                "cannot parse number 1.2.3",
		`{.a[?(@.x=="v"]}`:       "unterminated filter",
		`{.a[?(@.x=="v")x]}`:     "unclosed array expect ]",
		`{.a[0,b]}`:              "invalid array index b",
		`{.a[?(@.x=="v")][?(@}`:  "unterminated filter",
		`{.a[?(@.x==[)]}`:        "unterminated array",
		`{.a[?(@.x==1.2.3)]}`:    "cannot parse number 1.2.3",
		`{.a[?(@.x==)]}`:         "unrecognized character in action: U+003D '='", // left "@.x", op "=", right "="
		`{"\q"}`:                 `unquote string "\q" error invalid syntax`,
		"{range .items[*]}{end}": "",
		"x}y":                    "",
		"":                       "",
	}
	for tmpl, want := range tests {
		_, err := parseJSONPath(tmpl)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != want {
			t.Errorf("parse %q: error %q, want %q", tmpl, got, want)
		}
	}
}

func TestUnstructuredNumbers(t *testing.T) {
	v := jpData(t, `{"i": 3, "big": 9007199254740993, "f": 1.5, "e": 1e3, "s": "x", "b": false, "n": null, "l": [1]}`)
	m := v.(map[string]any)
	for k, want := range map[string]any{"i": int64(3), "big": int64(9007199254740993), "f": 1.5, "e": float64(1000), "s": "x", "b": false, "n": nil} {
		if m[k] != want {
			t.Errorf("%s = %#v (%T), want %#v (%T)", k, m[k], m[k], want, want)
		}
	}
	if l := m["l"].([]any); l[0] != int64(1) {
		t.Errorf("list item %#v", l[0])
	}
}

func TestJSONPathPrinterErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "t.jsonpath")
	if err := os.WriteFile(file, []byte(`{.metadata.name}{"\n"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	build := []struct {
		o       templateOutput
		wantErr string
	}{
		{templateOutput{output: "jsonpath"}, "template format specified but no template given"},
		{templateOutput{output: "jsonpath="}, "template format specified but no template given"},
		{templateOutput{output: "jsonpath={.a[}"}, "error parsing jsonpath {.a[}, unterminated array"},
		{templateOutput{output: "jsonpath-file=" + filepath.Join(dir, "none")}, "error reading --template " + filepath.Join(dir, "none") + ", open " + filepath.Join(dir, "none") + ": no such file or directory"},
		{templateOutput{output: "jsonpath={.a}", template: "{.b}"}, `unable to match a printer suitable for the output format "jsonpath={.a}", allowed formats are: ` + getFormats},
		{templateOutput{output: "custom-columns="}, "custom-columns format specified but no custom columns given"},
		{templateOutput{output: "custom-columns-file=" + filepath.Join(dir, "none")}, "error reading template " + filepath.Join(dir, "none") + ", open " + filepath.Join(dir, "none") + ": no such file or directory"},
		{templateOutput{output: "jsonpath-file=" + file}, ""},
		{templateOutput{output: "jsonpath", template: "{.x}"}, ""},
		{templateOutput{output: "custom-columns", template: "A:.x"}, ""},
	}
	for _, b := range build {
		_, err := newTemplatePrinter(b.o)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != b.wantErr {
			t.Errorf("%+v: error %q, want %q", b.o, got, b.wantErr)
		}
	}

	p, err := newTemplatePrinter(templateOutput{output: "jsonpath={.x}", allowMissing: true})
	if err != nil {
		t.Fatal(err)
	}
	obj := jpData(t, `{"kind": "Pod", "n": 1, "l": ["a"]}`)
	var out bytes.Buffer
	if err := p.printObject(&out, obj); err != nil || out.Len() != 0 {
		t.Fatalf("missing key allowed: %q %v", out.String(), err)
	}
	p, _ = newTemplatePrinter(templateOutput{output: "jsonpath={.x}", allowMissing: false})
	err = p.printObject(&out, obj)
	want := `error executing jsonpath "{.x}": Error executing template: x is not found. Printing more information for debugging the template:` + "\n" +
		"\ttemplate was:\n\t\t{.x}\n\tobject given to jsonpath engine was:\n\t\t" +
		`map[string]interface {}{"kind":"Pod", "l":[]interface {}{"a"}, "n":1}` + "\n\n"
	if err == nil || err.Error() != want {
		t.Fatalf("error\n got %q\nwant %q", err, want)
	}
	p, _ = newTemplatePrinter(templateOutput{output: "jsonpath-file=" + file})
	out.Reset()
	if err := p.printObject(&out, jpData(t, `{"metadata": {"name": "web"}}`)); err != nil || out.String() != "web\n" {
		t.Fatalf("jsonpath-file: %q %v", out.String(), err)
	}
}

// TestTemplateOutputAgainstServer runs our kubectl get with the template
// formats against a real apiserver.
func TestTemplateOutputAgainstServer(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	ts := testserver.Start(t)
	s := ts.URL
	if _, errOut, err := run(t, s, podYAML+"---\n"+svcYAML, "apply", "-f", "-"); err != nil {
		t.Fatalf("apply: %v %s", err, errOut)
	}
	dir := t.TempDir()
	tests := []struct {
		args           []string
		want, wantErr  string
		wantErrPresent bool
	}{
		{args: []string{"get", "pod", "web", "-o", "jsonpath={.metadata.name} {.spec.containers[0].ports[0].containerPort}"}, want: "web 80"},
		{args: []string{"get", "pods", "-o", "jsonpath={.items[*].metadata.name}"}, want: "web"},
		{args: []string{"get", "pods,svc", "-o", `jsonpath={range .items[*]}{.kind}/{.metadata.name}{"\n"}{end}`}, want: "Pod/web\nService/kubernetes\nService/web-svc\n"}, // the apiserver keeps default/kubernetes
		{args: []string{"get", "svc", "web-svc", "-o", "jsonpath={.spec.ports[?(@.port==80)].targetPort}"}, want: "80"},
		{args: []string{"get", "pod", "web", "-o", "jsonpath", "--template", "{.kind}"}, want: "Pod"},
		{args: []string{"get", "pod", "web", "-o", "jsonpath-as-json={.metadata.labels.app}"}, want: "[\n    \"web\"\n]\n"},
		{args: []string{"get", "pods", "-n", "nothing-here", "-o", "jsonpath={.items}"}, want: "[]"},
		{args: []string{"get", "pod", "web", "-o", "jsonpath={.nope}"}, want: ""},
		{args: []string{"get", "pods", "-o", "custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[*].image,IP:.status.podIP"},
			want: "NAME   IMAGE        IP\nweb    nginx:1.25   <none>\n"},
		{args: []string{"get", "pod", "web", "-o", "custom-columns=NAME:{.metadata.name}", "--no-headers"}, want: "web\n"},
		{args: []string{"get", "pod", "web", "-o", "custom-columns-file=" + writeFile(t, dir, "cols", "KIND NAME\n.kind metadata.name\n")}, want: "KIND   NAME\nPod    web\n"},
		{args: []string{"get", "pod", "web", "-o", "jsonpath={.nope}", "--allow-missing-template-keys=false"},
			wantErr: `error: error executing jsonpath "{.nope}": Error executing template: nope is not found. Printing more information`},
		{args: []string{"get", "pod", "web", "-o", "jsonpath={.items[}"}, wantErr: "error: error parsing jsonpath {.items[}, unterminated array\n"},
		{args: []string{"get", "pod", "nope", "-o", "jsonpath={.items[}"}, wantErr: `Error from server (NotFound): pods "nope" not found` + "\n"},
		{args: []string{"get", "pod", "web", "-o", "custom-columns=NAME"}, wantErr: "error: unexpected custom-columns spec: NAME, expected <header>:<json-path-expr>\n"},
		{args: []string{"get", "pod", "web", "-o", "jsonpathx"}, wantErr: `error: unable to match a printer suitable for the output format "jsonpathx", allowed formats are: custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml` + "\n"},
	}
	for _, tt := range tests {
		out, errOut, err := run(t, s, "", tt.args...)
		if tt.wantErr != "" {
			if err == nil || !strings.HasPrefix(errOut, tt.wantErr) {
				t.Errorf("kubectl %q: %v, stderr %q, want it to start with %q", tt.args, err, errOut, tt.wantErr)
			}
			if out != "" {
				t.Errorf("kubectl %q: stdout %q on failure", tt.args, out)
			}
			continue
		}
		if err != nil || out != tt.want {
			t.Errorf("kubectl %q\n got %q (%v, stderr %q)\nwant %q", tt.args, out, err, errOut, tt.want)
		}
	}
	// The long execution error ends like the real kubectl's: the object,
	// then exactly two empty lines.
	_, errOut, _ := run(t, s, "", "get", "pod", "web", "-o", "jsonpath={.nope}", "--allow-missing-template-keys=false")
	if !strings.HasSuffix(errOut, "}}\n\n\n") || strings.HasSuffix(errOut, "\n\n\n\n") {
		t.Errorf("error tail %q", errOut[max(0, len(errOut)-20):])
	}
}
