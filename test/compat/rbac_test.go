package compat

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"minik8s/apiserver"
	"minik8s/pkg/auth/authenticator"
	"minik8s/pkg/auth/user"
)

// rbacCluster starts an apiserver with RBAC where every client is the
// user bob (system:authenticated), except requests with the X-Test-Admin
// header (the test's own setup), which are system:masters.
func rbacCluster(t *testing.T) *cluster {
	t.Helper()
	return startClusterWith(t, func(o *apiserver.Options) {
		o.AuthorizationMode = []string{"RBAC"}
		o.Authenticator = authenticator.RequestFunc(func(r *http.Request) (*user.Info, bool, error) {
			if r.Header.Get("X-Test-Admin") != "" {
				return &user.Info{Name: "root", Groups: []string{user.SystemPrivilegedGroup, user.AllAuthenticated}}, true, nil
			}
			return &user.Info{Name: "bob", Groups: []string{user.AllAuthenticated}}, true, nil
		})
	})
}

// adminPost creates an object as the test's admin.
func adminPost(t *testing.T, c *cluster, path, body string) {
	t.Helper()
	req, _ := http.NewRequest("POST", c.ts.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Test-Admin", "1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST %s: %s", path, resp.Status)
	}
}

// sameAsReal runs args through both kubectls and wants the same stdout,
// stderr and exit code.
func (c *cluster) sameAsReal(t *testing.T, args ...string) (string, int) {
	t.Helper()
	rOut, rErr, rerr := c.kubectl(t, "", args...)
	oOut, oErr, oerr := c.ours(t, args...)
	if exitCode(rerr) != exitCode(oerr) || rOut != oOut || rErr != oErr {
		t.Errorf("kubectl %s differs\nreal (%v):\n%s%s\nours (%v):\n%s%s", strings.Join(args, " "), rerr, rOut, rErr, oerr, oOut, oErr)
	}
	return rOut, exitCode(rerr)
}

// TestAuthCanIMatchesRealKubectl: `kubectl auth can-i` answers, warnings,
// exit codes and --list table as the real kubectl's.
func TestAuthCanIMatchesRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := rbacCluster(t)
	adminPost(t, c, "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
		`{"metadata":{"name":"pods"},"rules":[{"apiGroups":[""],"resources":["pods","pods/log"],"verbs":["get","list"]},{"apiGroups":["apps"],"resources":["deployments"],"resourceNames":["web"],"verbs":["get","update"]}]}`)
	adminPost(t, c, "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
		`{"metadata":{"name":"bob"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"pods"},"subjects":[{"kind":"User","name":"bob"}]}`)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if out, _, _ := c.ours(t, "auth", "can-i", "list", "pods"); out == "yes\n" || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	tests := []struct {
		args []string
		code int
	}{
		{[]string{"list", "pods"}, 0},
		{[]string{"get", "pods/p1"}, 0},
		{[]string{"create", "pods"}, 1},
		{[]string{"list", "pods", "-n", "other"}, 1},
		{[]string{"list", "pods", "-A"}, 1},
		{[]string{"get", "pods", "--subresource=log"}, 0},
		{[]string{"get", "pods", "--subresource=exec"}, 1},
		{[]string{"update", "deployments.apps/web"}, 0},
		{[]string{"update", "deploy/other"}, 1},
		{[]string{"list", "nodes"}, 1},
		{[]string{"get", "/healthz"}, 0},
		{[]string{"post", "/healthz"}, 1},
		{[]string{"fly", "/healthz"}, 1},
		{[]string{"fly", "pods"}, 1},
		{[]string{"get", "widgets"}, 1},
		{[]string{"get", "users"}, 1},
		{[]string{"list", "pods", "-q"}, 0},
		{[]string{"create", "pods", "--quiet"}, 1},
		{[]string{"list"}, 1},
		{[]string{"--list", "pods"}, 1},
		{[]string{"--list", "-q"}, 1},
		{[]string{"get", "/healthz", "--subresource=x"}, 1},
		{[]string{"list", "pods", "--no-headers"}, 1},
		{[]string{"--list"}, 0},
		{[]string{"--list", "--no-headers"}, 0},
		{[]string{"--list", "-n", "other"}, 0},
	}
	for _, tt := range tests {
		if _, code := c.sameAsReal(t, append([]string{"auth", "can-i"}, tt.args...)...); code != tt.code {
			t.Errorf("can-i %s: exit %d, want %d", strings.Join(tt.args, " "), code, tt.code)
		}
	}
}

// TestCreateRBACMatchesRealKubectl: create role|clusterrole|rolebinding|
// clusterrolebinding print, send and refuse as the real kubectl's, and get
// prints their tables alike.
func TestCreateRBACMatchesRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t) // no authentication: every client is system:masters
	steps := [][]string{
		{"create", "role", "r", "--verb=get,list", "--verb=get", "--resource=pods,deploy.apps,pods/log", "--resource-name=a", "--resource-name=a", "-o", "yaml", "--dry-run=client"},
		{"create", "role", "r", "--verb=get", "--resource=pods"},
		{"create", "role", "r2", "--verb=*", "--verb=get", "--resource=*", "-o", "json", "--dry-run=server"},
		{"create", "role", "r3", "--resource=pods"},
		{"create", "role", "r3", "--verb=get"},
		{"create", "role", "r3", "--verb=get", "--resource=widgets"},
		{"create", "role", "r3", "--verb=fly", "--resource=pods", "--dry-run=client", "-o", "name"},
		{"create", "role", "r3", "--verb=bind", "--resource=pods"},
		{"create", "role", "r3", "--verb=bind", "--resource=roles.rbac.authorization.k8s.io", "--dry-run=client", "-o", "yaml"},
		{"create", "role"},
		{"create", "clusterrole", "cr", "--verb=get", "--non-resource-url=/logs/*", "--resource=nodes", "-o", "yaml", "--dry-run=client"},
		{"create", "clusterrole", "cr", "--verb=get", "--resource=nodes"},
		{"create", "clusterrole", "agg", "--aggregation-rule=a=b,c=d", "-o", "json", "--dry-run=client"},
		{"create", "clusterrole", "agg", "--aggregation-rule=a=b", "--verb=get"},
		{"create", "clusterrole", "x", "--verb=get"},
		{"create", "clusterrole", "x", "--verb=list", "--non-resource-url=/x"},
		{"create", "clusterrole", "x", "--verb=get", "--non-resource-url=x"},
		{"create", "clusterrole", "x", "--verb=get", "--non-resource-url=/a*/b"},
		{"create", "rolebinding", "rb", "--role=r", "--user=u1", "--user=u2", "--group=g", "--serviceaccount=ns1:sa", "-o", "yaml", "--dry-run=client"},
		{"create", "rolebinding", "rb", "--clusterrole=view", "--user=u1", "--serviceaccount=default:sa"},
		{"create", "rolebinding", "rb2", "--role=r", "--clusterrole=view"},
		{"create", "rolebinding", "rb2"},
		{"create", "rolebinding", "rb2", "--role=r", "--serviceaccount=sa"},
		{"create", "clusterrolebinding", "crb", "--clusterrole=cr", "--group=g1", "--serviceaccount=kube-system:sa"},
		{"get", "roles"},
		{"get", "rolebindings", "-o", "wide"},
		{"get", "clusterrolebinding", "crb", "-o", "wide"},
		{"get", "clusterrole", "cr"},
		{"get", "rolebindings,roles"},
		{"create", "role", "multi", "--verb=get,update", "--resource=pods,deployments.apps/scale,nodes", "--resource-name=a"},
		{"describe", "role", "multi"},
		{"describe", "rolebinding", "rb"},
		{"describe", "clusterrole", "cr"},
		{"describe", "clusterrolebinding", "crb"},
	}
	for _, args := range steps {
		real, rErr, rerr := c.kubectl(t, "", args...)
		// ours runs second, so objects the real one created exist: delete them first.
		if len(args) > 2 && args[0] == "create" && rerr == nil && !strings.Contains(strings.Join(args, " "), "dry-run") {
			c.ok(t, "", "delete", args[1], args[2])
		}
		ours, oErr, oerr := c.ours(t, args...)
		if exitCode(rerr) != exitCode(oerr) || strip(real) != strip(ours) || rErr != oErr {
			t.Errorf("kubectl %s differs\nreal (%v):\n%s%s\nours (%v):\n%s%s", strings.Join(args, " "), rerr, real, rErr, oerr, ours, oErr)
		}
	}
}

// strip drops the per-object fields of server output (uid, times,
// resourceVersion, AGE and CREATED AT columns vary between two creates).
func strip(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, "uid") || strings.Contains(l, "creationTimestamp") || strings.Contains(l, "resourceVersion") {
			continue
		}
		l = ageCell.ReplaceAllString(l, "  <age>$1")
		out = append(out, rfc3339Time.ReplaceAllString(l, "<time>"))
	}
	return strings.Join(out, "\n")
}

// rfc3339Time is a CREATED AT cell (or any timestamp) in server output.
var rfc3339Time = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`)

// Without --clusterrole both fail (the real kubectl logs cobra's error
// through klog, with a timestamp).
func TestCreateClusterRoleBindingNeedsRole(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	_, rErr, rerr := c.kubectl(t, "", "create", "clusterrolebinding", "crb2")
	_, oErr, oerr := c.ours(t, "create", "clusterrolebinding", "crb2")
	want := `required flag(s) \"clusterrole\" not set`
	if exitCode(rerr) != 1 || exitCode(oerr) != 1 || !strings.Contains(rErr, want) || !strings.Contains(oErr, `required flag(s) "clusterrole" not set`) {
		t.Errorf("real %v %q, ours %v %q", rerr, rErr, oerr, oErr)
	}
}
