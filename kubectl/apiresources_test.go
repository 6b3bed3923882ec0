package kubectl

import (
	"bytes"
	"minik8s/pkg/api"
	"strings"
	"testing"
)

func TestAPIResourcesFilterSortPrint(t *testing.T) {
	rs := func() []api.APIResource {
		return []api.APIResource{
			{Name: "pods", Kind: "Pod", Version: "v1", Namespaced: true, ShortNames: []string{"po"}, Verbs: []string{"create", "get", "list", "watch"}, Categories: []string{"all"}},
			{Name: "nodes", Kind: "Node", Version: "v1", ShortNames: []string{"no"}, Verbs: []string{"get", "list"}},
			{Name: "deployments", Kind: "Deployment", Group: "apps", Version: "v1", Namespaced: true, Verbs: []string{"get", "list", "watch"}, Categories: []string{"all"}},
			{Name: "bindings", Kind: "Binding", Version: "v1", Namespaced: true, Verbs: []string{"create"}},
			{Name: "leases", Kind: "Lease", Group: "coordination.k8s.io", Version: "v1", Namespaced: true, Verbs: []string{"get", "list", "watch"}},
			{Name: "silent", Kind: "Silent", Version: "v1"}, // no verbs: never listed
		}
	}
	for _, tc := range []struct {
		name  string
		flags apiResourcesFlags
		want  string
	}{
		{"default: by group, then name", apiResourcesFlags{}, "bindings nodes pods deployments leases"},
		{"by kind", apiResourcesFlags{sortBy: "kind"}, "bindings deployments leases nodes pods"},
		{"by name", apiResourcesFlags{sortBy: "name"}, "bindings deployments leases nodes pods"},
		{"cluster-scoped", apiResourcesFlags{nsSet: true}, "nodes"},
		{"namespaced", apiResourcesFlags{nsSet: true, namespaced: true}, "bindings pods deployments leases"},
		{"core group", apiResourcesFlags{groupSet: true}, "bindings nodes pods"},
		{"apps group", apiResourcesFlags{groupSet: true, apiGroup: "apps"}, "deployments"},
		{"verbs", apiResourcesFlags{verbs: []string{"list", "watch"}}, "pods deployments leases"},
		{"categories", apiResourcesFlags{categories: []string{"all"}}, "pods deployments"},
	} {
		f := tc.flags
		var names []string
		for _, r := range sortAPIResources(filterAPIResources(rs(), &f), f.sortBy) {
			names = append(names, r.Name)
		}
		if got := strings.Join(names, " "); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}

	var b bytes.Buffer
	f := apiResourcesFlags{output: "wide"}
	if err := printAPIResources(&b, &f, rs()[:3]); err != nil {
		t.Fatal(err)
	}
	want := "NAME          SHORTNAMES   APIVERSION   NAMESPACED   KIND         VERBS                   CATEGORIES\n" +
		"pods          po           v1           true         Pod          create,get,list,watch   all\n" +
		"nodes         no           v1           false        Node         get,list                \n" +
		"deployments                apps/v1      true         Deployment   get,list,watch          all\n"
	if b.String() != want {
		t.Errorf("wide:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	f = apiResourcesFlags{output: "name"}
	_ = printAPIResources(&b, &f, rs()[1:3])
	if b.String() != "nodes\ndeployments.apps\n" {
		t.Errorf("name: %q", b.String())
	}
	for _, tc := range []struct{ flags apiResourcesFlags }{{apiResourcesFlags{output: "json"}}, {apiResourcesFlags{sortBy: "age"}}} {
		if err := tc.flags.validate(); err == nil {
			t.Errorf("%+v: no error", tc.flags)
		}
	}
}
