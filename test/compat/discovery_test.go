package compat

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestAPIResourcesMatchesRealKubectl: `kubectl api-resources` with its
// flags prints the same through the real kubectl v1.32 and ours (both read
// the apiserver's discovery), and exits alike on bad flags.
func TestAPIResourcesMatchesRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	for _, args := range [][]string{
		{"api-resources"},
		{"api-resources", "-o", "wide"},
		{"api-resources", "-o", "name"},
		{"api-resources", "--no-headers"},
		{"api-resources", "--namespaced=true"},
		{"api-resources", "--namespaced=false", "-o", "wide"},
		{"api-resources", "--api-group=apps"},
		{"api-resources", "--api-group="},
		{"api-resources", "--verbs=list,watch", "--sort-by=kind"},
		{"api-resources", "--verbs=deletecollection"},
		{"api-resources", "--sort-by=name"},
		{"api-resources", "--sort-by=kind", "-o", "wide"},
		{"api-resources", "--categories=all"},
		{"api-resources", "--sort-by=age"},
		{"api-resources", "-o", "foo"},
		{"api-resources", "extra"},
	} {
		c.sameOutput(t, args...)
	}
	out := c.sameOutput(t, "api-resources", "-o", "wide")
	for _, want := range []string{
		"\npods  ", "create,delete,deletecollection,get,list,patch,update,watch   all",
		"\ndeployments ", "\nhorizontalpodautoscalers ", "\njobs ", "\ncronjobs ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("api-resources -o wide lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "pods/") {
		t.Errorf("api-resources lists subresources:\n%s", out)
	}
}

// TestDiscoveryListsSubresources: /api/v1 and /apis/apps/v1 list every
// served subresource with the kind, group/version and verbs Kubernetes
// lists for it.
func TestDiscoveryListsSubresources(t *testing.T) {
	c := startCluster(t)
	type res struct {
		Name, Kind, Group, Version string
		SingularName               *string
		Namespaced                 bool
		Verbs                      []string
	}
	list := func(path string) map[string]res {
		t.Helper()
		resp, err := http.Get(c.ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var l struct{ Resources []res }
		if err := json.Unmarshal(b, &l); err != nil {
			t.Fatalf("%s: %v: %s", path, err, b)
		}
		out := map[string]res{}
		for _, r := range l.Resources {
			out[r.Name] = r
		}
		return out
	}
	core, apps := list("/api/v1"), list("/apis/apps/v1")
	for _, tc := range []struct {
		in                    map[string]res
		name, kind, gv, verbs string
	}{
		{core, "pods/status", "Pod", "", "get,patch,update"},
		{core, "pods/binding", "Binding", "", "create"},
		{core, "pods/log", "Pod", "", "get"},
		{core, "pods/exec", "PodExecOptions", "", "create,get"},
		{core, "pods/eviction", "Eviction", "policy/v1", "create"},
		{core, "namespaces/finalize", "Namespace", "", "update"},
		{core, "namespaces/status", "Namespace", "", "get,patch,update"},
		{core, "nodes/status", "Node", "", "get,patch,update"},
		{core, "nodes/proxy", "NodeProxyOptions", "", "create,delete,get,patch,update"},
		{core, "services/status", "Service", "", "get,patch,update"},
		{core, "replicationcontrollers/scale", "Scale", "autoscaling/v1", "get,patch,update"},
		{apps, "deployments/scale", "Scale", "autoscaling/v1", "get,patch,update"},
		{apps, "deployments/status", "Deployment", "", "get,patch,update"},
		{apps, "replicasets/scale", "Scale", "autoscaling/v1", "get,patch,update"},
		{apps, "daemonsets/status", "DaemonSet", "", "get,patch,update"},
	} {
		r, ok := tc.in[tc.name]
		gv := r.Group + "/" + r.Version
		if r.Group == "" && r.Version == "" {
			gv = ""
		}
		if !ok || r.Kind != tc.kind || gv != tc.gv || strings.Join(r.Verbs, ",") != tc.verbs || r.SingularName == nil || *r.SingularName != "" {
			t.Errorf("%s: %+v (listed %t), want kind %s %s verbs %s", tc.name, r, ok, tc.kind, tc.gv, tc.verbs)
		}
		parent := tc.in[strings.Split(tc.name, "/")[0]]
		if r.Namespaced != parent.Namespaced {
			t.Errorf("%s: namespaced %t, its resource %t", tc.name, r.Namespaced, parent.Namespaced)
		}
	}
}

// TestDefaultsMatchRealKubectl: the namespace label and a minimal pod's
// defaults read the same through the real kubectl and ours, and the
// label selects namespaces as on Kubernetes.
func TestDefaultsMatchRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	c.ok(t, "", "create", "namespace", "team-a")
	c.ok(t, "", "run", "minimal", "--image=busybox", "--restart=Never")
	for _, args := range [][]string{
		{"get", "ns", "--show-labels"},
		{"get", "ns", "-l", "kubernetes.io/metadata.name=team-a"},
		{"get", "ns", "-l", "kubernetes.io/metadata.name in (default,kube-system)", "-o", "name"},
		{"get", "pod", "minimal", "-o", "jsonpath={.spec.serviceAccountName} {.spec.serviceAccount} {.spec.priority} {.spec.securityContext} {.spec.enableServiceLinks} {.spec.tolerations[*].key}"},
	} {
		c.sameTable(t, args...)
	}
	out := c.ok(t, "", "get", "pod", "minimal", "-o", "jsonpath={.spec.serviceAccountName} {.spec.serviceAccount} {.spec.priority} {.spec.securityContext} {.spec.tolerations[*].tolerationSeconds}")
	if out != "default default 0 {} 300 300" {
		t.Errorf("pod defaults through the real kubectl: %q", out)
	}
	// The label cannot be changed through kubectl either.
	c.ok(t, "", "label", "ns", "team-a", "kubernetes.io/metadata.name=other", "--overwrite")
	if out := c.ok(t, "", "get", "ns", "team-a", "-o", "jsonpath={.metadata.labels}"); out != `{"kubernetes.io/metadata.name":"team-a"}` {
		t.Errorf("labels after relabelling: %s", out)
	}
}
