package kubectl

import (
	"bytes"
	"strings"
	"testing"
)

func TestRelaxedJSONPath(t *testing.T) {
	tests := map[string]string{
		"metadata.name":      "{.metadata.name}",
		".metadata.name":     "{.metadata.name}",
		"{metadata.name}":    "{.metadata.name}",
		"{.metadata.name}":   "{.metadata.name}",
		".items[*].a":        "{.items[*].a}",
		`.a[?(@.b=="c")].d`:  `{.a[?(@.b=="c")].d}`,
		"$.kind":             "{.$.kind}",
		"":                   "",
		"{.a}{.b}":           "error",
		"{.a":                "error",
		"a}":                 "error",
		"{range .items[*]}x": "error",
	}
	for in, want := range tests {
		got, err := relaxedJSONPath(in)
		if err != nil {
			if want != "error" {
				t.Errorf("%q: %v", in, err)
			} else if !strings.HasPrefix(err.Error(), "unexpected path string, expected a 'name1.name2'") {
				t.Errorf("%q: error %v", in, err)
			}
			continue
		}
		if got != want {
			t.Errorf("%q -> %q, want %q", in, got, want)
		}
	}
}

func TestCustomColumnsSpec(t *testing.T) {
	tests := []struct {
		spec    string
		want    []ccColumn
		wantErr string
	}{
		{spec: "NAME:.metadata.name,IP:status.podIP", want: []ccColumn{{"NAME", "{.metadata.name}"}, {"IP", "{.status.podIP}"}}},
		{spec: "A:{.a},B:", want: []ccColumn{{"A", "{.a}"}, {"B", ""}}},
		{spec: "URL:.a:b", want: []ccColumn{{"URL", "{.a:b}"}}},
		{spec: "", wantErr: "custom-columns format specified but no custom columns given"},
		{spec: "NAME:.metadata.name,X", wantErr: "unexpected custom-columns spec: X, expected <header>:<json-path-expr>"},
		{spec: "A:{.a}{.b}", wantErr: "unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'"},
	}
	for _, tt := range tests {
		p, err := newCustomColumnsFromSpec(tt.spec, false)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("%q: error %v, want %q", tt.spec, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.spec, err)
			continue
		}
		if len(p.columns) != len(tt.want) {
			t.Errorf("%q: columns %v, want %v", tt.spec, p.columns, tt.want)
			continue
		}
		for i := range tt.want {
			if p.columns[i] != tt.want[i] {
				t.Errorf("%q: column %d %v, want %v", tt.spec, i, p.columns[i], tt.want[i])
			}
		}
	}
}

func TestCustomColumnsTemplateFile(t *testing.T) {
	p, err := newCustomColumnsFromTemplate(strings.NewReader("NAME   IMAGE\n.metadata.name\t{.spec.containers[0].image}\nignored\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.columns) != 2 || p.columns[0] != (ccColumn{"NAME", "{.metadata.name}"}) || p.columns[1] != (ccColumn{"IMAGE", "{.spec.containers[0].image}"}) {
		t.Fatalf("columns %v", p.columns)
	}
	for file, want := range map[string]string{
		"":              "invalid template, missing header line. Expected format is one line of space separated headers, one line of space separated column specs.",
		"A B\n":         "invalid template, missing spec line. Expected format is one line of space separated headers, one line of space separated column specs.",
		"A B\n.a .b .c": "number of headers (2) and field specifications (3) don't match",
	} {
		if _, err := newCustomColumnsFromTemplate(strings.NewReader(file)); err == nil || err.Error() != want {
			t.Errorf("%q: error %v, want %q", file, err, want)
		}
	}
}

func TestCustomColumnsPrint(t *testing.T) {
	list := jpData(t, jpFixture)
	pod := list.(map[string]any)["items"].([]any)[0]
	tests := []struct {
		name, spec string
		noHeaders  bool
		obj        any
		want       string
		wantErr    string
	}{
		{name: "list", spec: "NAME:.metadata.name,IP:.status.podIP,NODE:spec.nodeName", obj: list,
			want: "NAME   IP           NODE\nweb    10.244.1.5   node1\ndb     <none>       <none>\n"},
		{name: "one object", spec: "NAME:.metadata.name,PHASE:.status.phase", obj: pod,
			want: "NAME   PHASE\nweb    Running\n"},
		{name: "no headers", spec: "NAME:.metadata.name", noHeaders: true, obj: list, want: "web\ndb\n"},
		{name: "several values joined by commas", spec: "C:.spec.containers[*].name,P:.spec.containers[*].ports[*].containerPort", obj: pod,
			want: "C           P\nmain,side   8080,8443\n"},
		{name: "maps and lists in Go syntax", spec: "L:.metadata.labels,CMD:.spec.containers[1].command", obj: pod,
			want: "L" + strings.Repeat(" ", len("map[app:web app.kubernetes.io/name:webapp tier:front]")+3-1) + "CMD\n" +
				"map[app:web app.kubernetes.io/name:webapp tier:front]   [sleep 3600]\n"},
		{name: "filter", spec: `N:.items[?(@.status.phase=="Pending")].metadata.name`, obj: list, want: "N\n<none>\n<none>\n"},
		{name: "empty path", spec: "A:,B:.kind", obj: pod, want: "A        B\n<none>   Pod\n"},
		{name: "empty list", spec: "NAME:.metadata.name", obj: jpData(t, `{"kind": "List", "items": []}`), want: "NAME\n"},
		{name: "error after the header", spec: "NAME:.metadata.name,BAD:.spec.containers[9].name", obj: list,
			want: "NAME   BAD\n", wantErr: "array index out of bounds: index 9, length 2"},
		{name: "parse error after the header", spec: "A:.spec.containers[a]", obj: pod, want: "A\n", wantErr: "invalid array index a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := newCustomColumnsFromSpec(tt.spec, tt.noHeaders)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			err = p.printObject(&out, tt.obj)
			if gotErr := errString(err); gotErr != tt.wantErr {
				t.Fatalf("error %q, want %q", gotErr, tt.wantErr)
			}
			if out.String() != tt.want {
				t.Fatalf("\n got %q\nwant %q", out.String(), tt.want)
			}
		})
	}
}

func TestCustomColumnsHeaderOnce(t *testing.T) {
	p, err := newCustomColumnsFromSpec("NAME:.metadata.name", false)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	for _, name := range []string{"a", "b"} {
		if err := p.printObject(&out, map[string]any{"metadata": map[string]any{"name": name}}); err != nil {
			t.Fatal(err)
		}
	}
	if out.String() != "NAME\na\nb\n" {
		t.Fatalf("watch output %q", out.String())
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
