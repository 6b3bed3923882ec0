package integration

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"minik8s/apiserver"
	"minik8s/apiserver/testserver"
	"minik8s/controller/clusterroleaggregation"
	"minik8s/pkg/auth/authenticator"
	"minik8s/pkg/auth/user"
	mkclient "minik8s/pkg/client"
	"minik8s/pkg/client/cache"
)

// rbacAuthenticator authenticates "Authorization: Bearer NAME" or
// "Bearer NAME|group1,group2" as NAME in system:authenticated and the
// groups (tests only).
var rbacAuthenticator = authenticator.RequestFunc(func(r *http.Request) (*user.Info, bool, error) {
	if ua := r.Header.Get("User-Agent"); strings.HasPrefix(ua, "as:") { // in-process components
		return &user.Info{Name: strings.TrimPrefix(ua, "as:"), Groups: []string{user.AllAuthenticated}}, true, nil
	}
	h, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return nil, false, nil
	}
	name, groups, _ := strings.Cut(h, "|")
	u := &user.Info{Name: name, Groups: []string{user.AllAuthenticated}}
	if groups != "" {
		u.Groups = append(strings.Split(groups, ","), user.AllAuthenticated)
	}
	return u, true, nil
})

func startRBAC(t *testing.T) *testserver.TestServer {
	t.Helper()
	return testserver.StartWithOptions(t, func(o *apiserver.Options) {
		o.Authenticator = rbacAuthenticator
		o.AuthorizationMode = []string{"RBAC"}
		o.AnonymousAuth = true
	})
}

// as sends a request as a user ("" = anonymous).
func as(t *testing.T, who, method, url, body string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+who)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// rbacEventually polls f until it returns "" (the RBAC cache follows a watch).
func rbacEventually(t *testing.T, what string, f func() string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		msg := f()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s", what, msg)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func expectCode(t *testing.T, who, method, url, body string, want int, wantIn string) {
	t.Helper()
	rbacEventually(t, method+" "+url+" as "+who, func() string {
		code, b := as(t, who, method, url, body)
		if code != want || !strings.Contains(b, wantIn) {
			t.Logf("%s %s as %s: %d %s", method, url, who, code, b)
			return "got " + http.StatusText(code) + ": " + b
		}
		return ""
	})
}

const admin = "root|system:masters"

// A user bound to a role in ns1 may do there what it grants and nothing
// elsewhere; system:masters may do anything; anonymous only health and
// version.
func TestRBACAuthorizesByBindings(t *testing.T) {
	ts := startRBAC(t)
	u := ts.URL
	for _, ns := range []string{"ns1", "ns2"} {
		expectCode(t, admin, "POST", u+"/api/v1/namespaces", `{"metadata":{"name":"`+ns+`"}}`, 201, "")
	}
	expectCode(t, "bob", "GET", u+"/api/v1/namespaces/ns1/pods", "", 403,
		`pods is forbidden: User \"bob\" cannot list resource \"pods\" in API group \"\" in the namespace \"ns1\"`)
	expectCode(t, admin, "POST", u+"/apis/rbac.authorization.k8s.io/v1/namespaces/ns1/roles",
		`{"metadata":{"name":"pod-reader"},"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get","list","watch"]}]}`, 201, "")
	expectCode(t, admin, "POST", u+"/apis/rbac.authorization.k8s.io/v1/namespaces/ns1/rolebindings",
		`{"metadata":{"name":"bob-reads"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"pod-reader"},"subjects":[{"kind":"User","name":"bob"}]}`, 201, "")
	expectCode(t, "bob", "GET", u+"/api/v1/namespaces/ns1/pods", "", 200, `"kind":"PodList"`)
	expectCode(t, "bob", "GET", u+"/api/v1/namespaces/ns2/pods", "", 403, `in the namespace \"ns2\"`)
	expectCode(t, "bob", "POST", u+"/api/v1/namespaces/ns1/pods", podJSON("p", nil), 403, `cannot create resource \"pods\"`)
	expectCode(t, "bob", "GET", u+"/api/v1/pods", "", 403, "at the cluster scope")
	// Groups and ServiceAccounts as subjects.
	expectCode(t, admin, "POST", u+"/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
		`{"metadata":{"name":"devs-read-nodes"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"system:node-proxier"},"subjects":[{"kind":"Group","name":"devs"},{"kind":"ServiceAccount","name":"sa1","namespace":"ns2"}]}`, 201, "")
	expectCode(t, "carol|devs", "GET", u+"/api/v1/nodes", "", 200, `"kind":"NodeList"`)
	expectCode(t, "system:serviceaccount:ns2:sa1", "GET", u+"/api/v1/nodes", "", 200, `"kind":"NodeList"`)
	expectCode(t, "system:serviceaccount:ns1:sa1", "GET", u+"/api/v1/nodes", "", 403, "")
	// Deleting the binding takes the grant away.
	expectCode(t, admin, "DELETE", u+"/apis/rbac.authorization.k8s.io/v1/namespaces/ns1/rolebindings/bob-reads", "", 200, "")
	expectCode(t, "bob", "GET", u+"/api/v1/namespaces/ns1/pods", "", 403, "")
	// Anonymous: health and version only; basic discovery for the authenticated.
	for _, p := range []string{"/healthz", "/livez", "/readyz", "/version"} {
		expectCode(t, "", "GET", u+p, "", 200, "")
	}
	expectCode(t, "", "GET", u+"/api", "", 403, `User \"system:anonymous\" cannot get path \"/api\"`)
	expectCode(t, "", "GET", u+"/api/v1/namespaces/default/pods", "", 403, "")
	expectCode(t, "bob", "GET", u+"/apis", "", 200, "APIGroupList")
}

// Validation as Kubernetes: roleRef required and immutable, subjects'
// kinds, ServiceAccounts in ClusterRoleBindings need a namespace, rules
// need verbs, nonResourceURLs only in ClusterRoles.
func TestRBACValidation(t *testing.T) {
	ts := startRBAC(t)
	base := ts.URL + "/apis/rbac.authorization.k8s.io/v1"
	tests := []struct{ path, body, want string }{
		{"/namespaces/default/roles", `{"metadata":{"name":"r"},"rules":[{"apiGroups":[""],"resources":["pods"]}]}`,
			`rules[0].verbs: Required value: verbs must contain at least one value`},
		{"/namespaces/default/roles", `{"metadata":{"name":"r"},"rules":[{"verbs":["get"],"nonResourceURLs":["/x"]}]}`,
			`rules[0].nonResourceURLs: Invalid value: []string{\"/x\"}: namespaced rules cannot apply to non-resource URLs`},
		{"/clusterrolebindings", `{"metadata":{"name":"b"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},"subjects":[{"kind":"ServiceAccount","name":"sa"}]}`,
			`subjects[0].namespace: Required value`},
		{"/namespaces/default/rolebindings", `{"metadata":{"name":"b"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"x"},"subjects":[{"kind":"Robot","name":"r2"}]}`,
			`subjects[0].kind: Unsupported value: \"Robot\"`},
		{"/clusterrolebindings", `{"metadata":{"name":"b"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"x"}}`,
			`roleRef.kind: Unsupported value: \"Role\": supported values: \"ClusterRole\"`},
	}
	for _, tt := range tests {
		code, b := as(t, admin, "POST", base+tt.path, tt.body)
		if code != 422 || !strings.Contains(b, tt.want) {
			t.Errorf("POST %s %s: %d %s, want 422 with %s", tt.path, tt.body, code, b, tt.want)
		}
	}
	expectCode(t, admin, "POST", base+"/namespaces/default/rolebindings",
		`{"metadata":{"name":"b"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},"subjects":[{"kind":"User","name":"u"}]}`, 201,
		`"kind":"User","apiGroup":"rbac.authorization.k8s.io"`)
	expectCode(t, admin, "PUT", base+"/namespaces/default/rolebindings/b",
		`{"metadata":{"name":"b"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"edit"},"subjects":[{"kind":"User","name":"u"}]}`, 422,
		`cannot change roleRef`)
}

// A user may grant only what it holds (or with escalate/bind), as
// Kubernetes' RBAC registries.
func TestRBACEscalationPrevention(t *testing.T) {
	ts := startRBAC(t)
	base := ts.URL + "/apis/rbac.authorization.k8s.io/v1"
	expectCode(t, admin, "POST", base+"/namespaces/default/roles",
		`{"metadata":{"name":"rbac-manager"},"rules":[{"apiGroups":["rbac.authorization.k8s.io"],"resources":["roles","rolebindings"],"verbs":["create","get","list","update","delete"]},{"apiGroups":[""],"resources":["pods"],"verbs":["get","list"]}]}`, 201, "")
	expectCode(t, admin, "POST", base+"/namespaces/default/rolebindings",
		`{"metadata":{"name":"bob"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"rbac-manager"},"subjects":[{"kind":"User","name":"bob"}]}`, 201, "")
	// Within bob's rules: allowed.
	expectCode(t, "bob", "POST", base+"/namespaces/default/roles",
		`{"metadata":{"name":"pod-lister"},"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["list"]}]}`, 201, "")
	// Beyond them: Kubernetes' message.
	expectCode(t, "bob", "POST", base+"/namespaces/default/roles",
		`{"metadata":{"name":"secret-reader"},"rules":[{"apiGroups":[""],"resources":["secrets"],"verbs":["get","list"]}]}`, 403,
		`roles.rbac.authorization.k8s.io \"secret-reader\" is forbidden: user \"bob\" (groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"get\" \"list\"]}`)
	// Binding a role bob holds the rules of: allowed; cluster-admin: refused.
	expectCode(t, "bob", "POST", base+"/namespaces/default/rolebindings",
		`{"metadata":{"name":"alice-lists"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"pod-lister"},"subjects":[{"kind":"User","name":"alice"}]}`, 201, "")
	expectCode(t, "bob", "POST", base+"/namespaces/default/rolebindings",
		`{"metadata":{"name":"alice-admin"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},"subjects":[{"kind":"User","name":"alice"}]}`, 403,
		`rolebindings.rbac.authorization.k8s.io \"alice-admin\" is forbidden: user \"bob\"`)
	// With the escalate and bind verbs: allowed.
	expectCode(t, admin, "POST", base+"/clusterroles",
		`{"metadata":{"name":"escalator"},"rules":[{"apiGroups":["rbac.authorization.k8s.io"],"resources":["roles","clusterroles"],"verbs":["escalate","bind"]}]}`, 201, "")
	expectCode(t, admin, "POST", base+"/clusterrolebindings",
		`{"metadata":{"name":"bob-escalates"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"escalator"},"subjects":[{"kind":"User","name":"bob"}]}`, 201, "")
	expectCode(t, "bob", "POST", base+"/namespaces/default/roles",
		`{"metadata":{"name":"secret-reader"},"rules":[{"apiGroups":[""],"resources":["secrets"],"verbs":["get","list"]}]}`, 201, "")
	expectCode(t, "bob", "POST", base+"/namespaces/default/rolebindings",
		`{"metadata":{"name":"alice-admin"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},"subjects":[{"kind":"User","name":"alice"}]}`, 201, "")
}

// The bootstrap policy is there at start, and is restored after a restart.
func TestRBACBootstrapPolicy(t *testing.T) {
	ts := startRBAC(t)
	base := ts.URL + "/apis/rbac.authorization.k8s.io/v1"
	for _, name := range []string{"cluster-admin", "admin", "edit", "view", "system:kube-controller-manager", "system:kube-scheduler", "system:node-proxier", "system:public-info-viewer"} {
		expectCode(t, admin, "GET", base+"/clusterroles/"+name, "", 200, `"rbac.authorization.kubernetes.io/autoupdate":"true"`)
	}
	expectCode(t, admin, "GET", base+"/clusterrolebindings/cluster-admin", "", 200, `"subjects":[{"kind":"Group","apiGroup":"rbac.authorization.k8s.io","name":"system:masters"}]`)
	// A removed rule comes back at the next start.
	expectCode(t, admin, "PUT", base+"/clusterroles/system:public-info-viewer",
		`{"metadata":{"name":"system:public-info-viewer","annotations":{"rbac.authorization.kubernetes.io/autoupdate":"true"}},"rules":[]}`, 200, "")
	expectCode(t, "", "GET", ts.URL+"/version", "", 403, "")
	ts.Restart(t)
	expectCode(t, "", "GET", ts.URL+"/version", "", 200, "gitVersion")
	expectCode(t, "system:kube-scheduler", "POST", ts.URL+"/api/v1/namespaces/default/pods/p/binding",
		`{"metadata":{"name":"p"},"target":{"kind":"Node","name":"n1"}}`, 404, "")
}

// Access reviews answer with the server's authorizer.
func TestRBACAccessReviews(t *testing.T) {
	ts := startRBAC(t)
	base := ts.URL + "/apis/authorization.k8s.io/v1"
	expectCode(t, admin, "POST", ts.URL+"/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
		`{"metadata":{"name":"bob"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"system:node-proxier"},"subjects":[{"kind":"User","name":"bob"}]}`, 201, "")
	expectCode(t, "bob", "GET", ts.URL+"/api/v1/namespaces/default/services", "", 200, "") // the cache has the binding
	tests := []struct{ who, path, body, want string }{
		{"bob", "/selfsubjectaccessreviews", `{"spec":{"resourceAttributes":{"verb":"list","resource":"services","namespace":"default"}}}`,
			`"status":{"allowed":true,"reason":"RBAC: allowed by RoleBinding \"bob/default\" of ClusterRole \"system:node-proxier\" to User \"bob\""}`},
		{"bob", "/selfsubjectaccessreviews", `{"spec":{"resourceAttributes":{"verb":"list","resource":"services","namespace":"ns2"}}}`, `"status":{"allowed":false}`},
		{"bob", "/selfsubjectaccessreviews", `{"spec":{"nonResourceAttributes":{"verb":"get","path":"/api"}}}`, `"allowed":true`},
		{"bob", "/selfsubjectaccessreviews", `{"spec":{}}`, `spec.resourceAttributes: Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified`},
		{admin, "/subjectaccessreviews", `{"spec":{"user":"bob","resourceAttributes":{"verb":"watch","resource":"endpoints","namespace":"default"}}}`, `"allowed":true`},
		{admin, "/subjectaccessreviews", `{"spec":{"user":"bob","resourceAttributes":{"verb":"delete","resource":"endpoints","namespace":"default"}}}`, `"allowed":false`},
		{admin, "/subjectaccessreviews", `{"spec":{"resourceAttributes":{"verb":"get","resource":"pods"}}}`, `spec.user: Invalid value: \"\": at least one of user or group must be specified`},
		{admin, "/subjectaccessreviews", `{"spec":{"groups":["system:masters"],"resourceAttributes":{"verb":"delete","resource":"nodes"}}}`, `"allowed":true`},
		{admin, "/namespaces/default/localsubjectaccessreviews", `{"metadata":{"namespace":"default"},"spec":{"user":"bob","resourceAttributes":{"verb":"list","resource":"services","namespace":"default"}}}`, `"allowed":true`},
		{"bob", "/selfsubjectrulesreviews", `{"spec":{"namespace":"default"}}`, `{"verbs":["list","watch"],"apiGroups":[""],"resources":["services","endpoints"]}`},
	}
	for _, tt := range tests {
		code, b := as(t, tt.who, "POST", base+tt.path, tt.body)
		if !strings.Contains(b, tt.want) || (code != 201 && code != 422) {
			t.Errorf("%s POST %s %s: %d %s, want %s", tt.who, tt.path, tt.body, code, b, tt.want)
		}
	}
	// bob may not ask about others.
	expectCode(t, "bob", "POST", base+"/subjectaccessreviews", `{"spec":{"user":"x","resourceAttributes":{"verb":"get","resource":"pods"}}}`, 403,
		`cannot create resource \"subjectaccessreviews\" in API group \"authorization.k8s.io\" at the cluster scope`)
}

// The aggregation controller, running as system:kube-controller-manager,
// fills admin/edit/view and adds a CRD-like role's rules to view; a user
// bound to view in ns1 then lists pods and widgets there, and nothing else.
func TestRBACAggregation(t *testing.T) {
	ts := startRBAC(t)
	c, err := mkclient.New(&mkclient.Config{Server: ts.URL, Timeout: 10 * time.Second, UserAgent: "as:system:kube-controller-manager"})
	if err != nil {
		t.Fatal(err)
	}
	f := cache.NewSharedInformerFactory(c, time.Minute)
	ctl := clusterroleaggregation.New(c, f)
	ctx, cancel := context.WithCancel(context.Background())
	f.Start(ctx)
	done := make(chan error, 1)
	go func() { done <- ctl.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; f.Shutdown() })

	u := ts.URL
	rbacBase := u + "/apis/rbac.authorization.k8s.io/v1"
	expectCode(t, admin, "POST", u+"/api/v1/namespaces", `{"metadata":{"name":"ns1"}}`, 201, "")
	expectCode(t, admin, "POST", rbacBase+"/namespaces/ns1/rolebindings",
		`{"metadata":{"name":"bob-views"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},"subjects":[{"kind":"User","name":"bob"}]}`, 201, "")
	expectCode(t, "bob", "GET", u+"/api/v1/namespaces/ns1/pods", "", 200, "PodList")
	expectCode(t, "bob", "GET", u+"/apis/apps/v1/namespaces/ns1/deployments", "", 200, "DeploymentList")
	expectCode(t, "bob", "GET", u+"/api/v1/namespaces/ns1/secrets", "", 403, "")
	expectCode(t, "bob", "POST", u+"/api/v1/namespaces/ns1/configmaps", `{"metadata":{"name":"x"}}`, 403, "")
	expectCode(t, admin, "GET", rbacBase+"/clusterroles/admin", "", 200, `"resources":["roles","rolebindings"]`)
	// A new role labelled aggregate-to-view joins view.
	expectCode(t, admin, "POST", rbacBase+"/clusterroles",
		`{"metadata":{"name":"widget-viewer","labels":{"rbac.authorization.k8s.io/aggregate-to-view":"true"}},"rules":[{"apiGroups":["example.com"],"resources":["widgets"],"verbs":["get","list"]}]}`, 201, "")
	expectCode(t, admin, "GET", rbacBase+"/clusterroles/view", "", 200, `"apiGroups":["example.com"],"resources":["widgets"]`)
	expectCode(t, admin, "POST", u+"/apis/authorization.k8s.io/v1/subjectaccessreviews",
		`{"spec":{"user":"bob","resourceAttributes":{"verb":"list","group":"example.com","resource":"widgets","namespace":"ns1"}}}`, 201, `"allowed":true`)
	// edit includes view's rules (edit aggregates to admin, view to edit).
	expectCode(t, admin, "GET", rbacBase+"/clusterroles/edit", "", 200, `"apiGroups":["example.com"],"resources":["widgets"]`)
}
