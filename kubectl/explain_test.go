package kubectl

import (
	"encoding/json"
	"strings"
	"testing"

	"minik8s/pkg/api"
	"minik8s/pkg/openapi"
)

func TestWrapWords(t *testing.T) {
	cases := []struct {
		lim      int
		in, want string
	}{
		{10, "short", "short"},
		{10, "aaaa bbbbb", "aaaa bbbbb"},
		{10, "aaaa bbbbbb", "aaaa\nbbbbbb"},
		{10, "a  b", "a  b"},
		{5, "https://example.com/long a", "https://example.com/long\na"},
		{10, "one\ntwo three four", "one\ntwo three\nfour"},
		{10, "ends with \n", "ends with \n"},
	}
	for _, tc := range cases {
		if got := wrapWords(tc.lim, tc.in); got != tc.want {
			t.Errorf("wrapWords(%d, %q) = %q, want %q", tc.lim, tc.in, got, tc.want)
		}
	}
}

func TestExplainTarget(t *testing.T) {
	cases := []struct {
		arg, apiVersion string
		wantGV, wantRes string
		wantPath        []string
		wantErr         string
	}{
		{"pods", "", "v1", "pods", nil, ""},
		{"po.spec.containers", "", "v1", "pods", []string{"spec", "containers"}, ""},
		{"deployments.apps.spec.replicas", "", "apps/v1", "deployments", []string{"spec", "replicas"}, ""},
		{"hpa", "autoscaling/v1", "autoscaling/v1", "horizontalpodautoscalers", nil, ""},
		{"hpa.spec", "autoscaling/v3", "autoscaling/v3", "horizontalpodautoscalers", []string{"spec"}, ""},
		{"pods", "apps/v1", "apps/v1", "pods", nil, ""},
		{"foo.spec", "", "", "", nil, `the server doesn't have a resource type "foo"`},
	}
	for _, tc := range cases {
		r, path, err := explainTarget(tc.arg, tc.apiVersion)
		if tc.wantErr != "" {
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("%s: error %v, want %s", tc.arg, err, tc.wantErr)
			}
			continue
		}
		if err != nil || r.APIVersion() != tc.wantGV || r.Resource != tc.wantRes || strings.Join(path, ".") != strings.Join(tc.wantPath, ".") {
			t.Errorf("%s --api-version=%s: %v %v %v", tc.arg, tc.apiVersion, r, path, err)
		}
	}
}

// explainDoc on the generated documents: the layout of kubectl's plaintext
// template (the compat test compares it with the real kubectl at length).
func TestExplainDoc(t *testing.T) {
	doc := func(gv string) map[string]any {
		d, _ := openapi.V3Document(api.Served(), openapi.Descriptions(), gv, "v")
		b, _ := json.Marshal(d)
		var m map[string]any
		json.Unmarshal(b, &m)
		return m
	}
	pods, _ := api.Lookup("pods")
	deploy, _ := api.Lookup("deployments")
	cases := []struct {
		name      string
		gv        string
		r         *api.ResourceInfo
		path      []string
		recursive bool
		want      string // a part of the output
		wantErr   string
	}{
		{"header and fields", "v1", pods, nil, false, "KIND:       Pod\nVERSION:    v1\n\nDESCRIPTION:\n    Pod is", ""},
		{"field with its type and required marker", "v1", pods, []string{"spec"}, false, "FIELD: spec <PodSpec>\n\n\nDESCRIPTION:\n", ""},
		{"required", "v1", pods, []string{"spec"}, false, "  containers\t<[]Container> -required-\n", ""},
		{"group line", "apps/v1", deploy, []string{"spec", "template"}, false, "GROUP:      apps\nKIND:       Deployment\n", ""},
		{"recursive indents by level", "apps/v1", deploy, []string{"spec", "strategy"}, true, "FIELDS:\n  rollingUpdate\t<RollingUpdateDeployment>\n    maxSurge\t<IntOrString>\n", ""},
		{"missing field names the last", "v1", pods, []string{"spec", "foo", "bar"}, false, "KIND:       Pod\n", `field "bar" does not exist`},
		{"kind not in this group version", "apps/v1", pods, nil, false, "", "GVR (v1, Resource=pods) not found in OpenAPI schema"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := explainDoc(doc(tc.gv), tc.r, tc.path, tc.recursive)
			if (err == nil && tc.wantErr != "") || (err != nil && err.Error() != tc.wantErr) {
				t.Fatalf("error %v, want %q", err, tc.wantErr)
			}
			if !strings.Contains(out, tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, out)
			}
		})
	}
}
