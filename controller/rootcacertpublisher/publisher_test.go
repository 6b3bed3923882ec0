package rootcacertpublisher

import (
	"reflect"
	"testing"

	"minik8s/pkg/api"
)

func TestPlan(t *testing.T) {
	const ca = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
	desc := map[string]string{DescriptionAnnotation: Description}
	cm := func(data, ann map[string]string) *api.ConfigMap {
		return &api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: ConfigMapName, Namespace: "team-a", ResourceVersion: "7", Annotations: ann}, Data: data}
	}
	for _, c := range []struct {
		name     string
		cur      *api.ConfigMap
		act      Action
		wantData map[string]string
		wantAnn  map[string]string
	}{
		{"missing: create", nil, Create, map[string]string{"ca.crt": ca}, desc},
		{"in sync", cm(map[string]string{"ca.crt": ca}, desc), None, map[string]string{"ca.crt": ca}, desc},
		{"old CA", cm(map[string]string{"ca.crt": "old"}, desc), Update, map[string]string{"ca.crt": ca}, desc},
		{"extra key dropped", cm(map[string]string{"ca.crt": ca, "x": "y"}, desc), Update, map[string]string{"ca.crt": ca}, desc},
		{"no description", cm(map[string]string{"ca.crt": ca}, map[string]string{"team": "a"}), Update, map[string]string{"ca.crt": ca},
			map[string]string{"team": "a", DescriptionAnnotation: Description}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var before *api.ConfigMap
			if c.cur != nil {
				cp := *c.cur
				before = &cp
			}
			got, act := Plan(c.cur, "team-a", ca)
			if act != c.act || !reflect.DeepEqual(got.Data, c.wantData) || !reflect.DeepEqual(got.Annotations, c.wantAnn) ||
				got.Name != ConfigMapName || got.Namespace != "team-a" {
				t.Errorf("got %v %+v, want %v data %v annotations %v", act, got, c.act, c.wantData, c.wantAnn)
			}
			if c.cur != nil && (got.ResourceVersion != "7" || !reflect.DeepEqual(c.cur, before)) {
				t.Errorf("the update must keep resourceVersion and leave the cached object alone: %+v / %+v", got, c.cur)
			}
		})
	}
}
