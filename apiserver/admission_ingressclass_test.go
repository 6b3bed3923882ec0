package apiserver

import (
	"testing"

	"minik8s/pkg/api"
)

func TestDefaultIngressClass(t *testing.T) {
	class := func(name, isDefault string) *api.IngressClass {
		c := &api.IngressClass{ObjectMeta: api.ObjectMeta{Name: name}, Spec: api.IngressClassSpec{Controller: "minik8s.io/ingress"}}
		if isDefault != "" {
			c.Annotations = map[string]string{api.AnnotationIsDefaultIngressClass: isDefault}
		}
		return c
	}
	cases := []struct {
		name    string
		classes []*api.IngressClass
		want    string
		wantErr string
	}{
		{"no classes", nil, "", ""},
		{"no default", []*api.IngressClass{class("a", ""), class("b", "false")}, "", ""},
		{"one default", []*api.IngressClass{class("a", ""), class("minik8s", "true")}, "minik8s", ""},
		{"annotation must be exactly true", []*api.IngressClass{class("a", "True"), class("b", "yes")}, "", ""},
		{"two defaults", []*api.IngressClass{class("a", "true"), class("b", "true")}, "", "2 default IngressClasses were found, only 1 allowed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := defaultIngressClass(c.classes)
			if c.wantErr != "" {
				if err == nil || err.Error() != c.wantErr {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil || got != c.want {
				t.Errorf("= %q, %v; want %q", got, err, c.want)
			}
		})
	}
}
