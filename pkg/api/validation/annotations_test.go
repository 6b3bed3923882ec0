package validation

import (
	"strings"
	"testing"

	"minik8s/pkg/api"
)

// TestValidateAnnotationsSize: Kubernetes' 256 KiB total of keys and
// values, counted over every annotation, its message exact.
func TestValidateAnnotationsSize(t *testing.T) {
	cases := []struct {
		name string
		a    map[string]string
		want string // "" valid
	}{
		{"empty", nil, ""},
		{"exactly the limit", map[string]string{"k": strings.Repeat("v", TotalAnnotationSizeLimitB-1)}, ""},
		{"one byte over", map[string]string{"k": strings.Repeat("v", TotalAnnotationSizeLimitB)},
			"metadata.annotations: Too long: may not be more than 262144 bytes"},
		{"over only together", map[string]string{"a": strings.Repeat("v", 200<<10), "b": strings.Repeat("v", 100<<10)},
			"metadata.annotations: Too long: may not be more than 262144 bytes"},
		{"1 MiB", map[string]string{"big": strings.Repeat("v", 1<<20)},
			"metadata.annotations: Too long: may not be more than 262144 bytes"},
		{"bad key", map[string]string{"a/b/c": "v"}, `metadata.annotations: Invalid value: "a/b/c": a qualified name must consist of`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := ValidateAnnotations(c.a, "metadata.annotations")
			got := ""
			if len(errs) > 0 {
				got = errs.Error()
			}
			if got != c.want && (c.want == "" || !strings.HasPrefix(got, c.want)) {
				t.Errorf("got %q\nwant %q", got, c.want)
			}
		})
	}
	// Every kind's metadata goes through it.
	cm := &api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: "c", Annotations: map[string]string{"big": strings.Repeat("v", 1<<20)}}}
	if errs := Validate(cm); len(errs) != 1 || errs[0].Type != TypeTooLong {
		t.Errorf("ConfigMap with a 1 MiB annotation: %v", errs)
	}
}
