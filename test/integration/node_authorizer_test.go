package integration

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"minik8s/apiserver"
	"minik8s/apiserver/testserver"
	"minik8s/pkg/auth/authenticator"
	"minik8s/pkg/auth/user"
)

// nodeAuthenticator: "Bearer node:NAME" is the kubelet system:node:NAME in
// system:nodes, "Bearer admin" is in system:masters, "Bearer user:NAME" a
// plain user (tests only).
var nodeAuthenticator = authenticator.RequestFunc(func(r *http.Request) (*user.Info, bool, error) {
	h := r.Header.Get("Authorization")
	if h == "Bearer admin" {
		return &user.Info{Name: "admin", Groups: []string{user.SystemPrivilegedGroup, user.AllAuthenticated}}, true, nil
	}
	if name, ok := strings.CutPrefix(h, "Bearer node:"); ok {
		return &user.Info{Name: user.NodeUserPrefix + name, Groups: []string{user.NodesGroup, user.AllAuthenticated}}, true, nil
	}
	return headerAuthenticator.AuthenticateRequest(r)
})

// asUser sends one request with a bearer token and returns the code and body.
func asUser(t *testing.T, base, token, method, path, body string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, base+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
		if method == "PATCH" {
			req.Header.Set("Content-Type", "application/merge-patch+json")
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func podUsingSecret(name, node, secret string) string {
	return `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"` + name + `"},"spec":{"nodeName":"` + node + `",
	"containers":[{"name":"c","image":"busybox"}],
	"volumes":[{"name":"s","secret":{"secretName":"` + secret + `"}}]}}`
}

// A kubelet identity under --authorization-mode=Node reads its own pods and
// the Secrets they use, and nothing of another node's.
func TestNodeAuthorizer(t *testing.T) {
	ts := testserver.StartWithOptions(t, func(o *apiserver.Options) {
		o.Authenticator = nodeAuthenticator
		o.AnonymousAuth = false
	})
	// Fixtures as the admin under AlwaysAllow.
	for _, c := range []struct{ path, body string }{
		{"/api/v1/namespaces", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"na"}}`},
		{"/api/v1/namespaces/na/secrets", `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s1"},"stringData":{"k":"one"}}`},
		{"/api/v1/namespaces/na/secrets", `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s2"},"stringData":{"k":"two"}}`},
		{"/api/v1/namespaces/na/secrets", `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s3"},"stringData":{"k":"three"}}`},
		{"/api/v1/namespaces/na/pods", podUsingSecret("p1", "n1", "s1")},
		{"/api/v1/namespaces/na/pods", podUsingSecret("p2", "n2", "s2")},
	} {
		if code, b := asUser(t, ts.URL, "admin", "POST", c.path, c.body); code != http.StatusCreated {
			t.Fatalf("POST %s: %d %s", c.path, code, b)
		}
	}
	ts.Options.AuthorizationMode = []string{"Node"}
	ts.Restart(t) // the graph is filled from the stored pods at start

	forbidden := func(msg string) string { return `"reason":"Forbidden"` + "|" + msg }
	cases := []struct {
		who, method, path, body string
		code                    int
		want                    string // substrings of the body, |-separated
	}{
		{"node:n1", "GET", "/api/v1/namespaces/na/pods/p1", "", 200, `"name":"p1"`},
		{"node:n1", "GET", "/api/v1/namespaces/na/pods/p2", "", 403,
			forbidden(`pods \"p2\" is forbidden: User \"system:node:n1\" cannot get resource \"pods\" in API group \"\" in the namespace \"na\": no relationship found between node 'n1' and this object`)},
		{"node:n2", "GET", "/api/v1/namespaces/na/pods/p2", "", 200, `"name":"p2"`},
		{"node:n1", "GET", "/api/v1/pods", "", 403, forbidden("can only list/watch pods with spec.nodeName field selector")},
		{"node:n1", "GET", "/api/v1/namespaces/na/pods", "", 403, forbidden("can only list/watch pods with spec.nodeName field selector")},
		{"node:n1", "GET", "/api/v1/pods?fieldSelector=spec.nodeName%3Dn2", "", 403, forbidden("can only list/watch pods")},
		{"node:n1", "GET", "/api/v1/pods?fieldSelector=spec.nodeName%3Dn1", "", 200, `"name":"p1"`},
		{"node:n1", "GET", "/api/v1/namespaces/na/secrets/s1", "", 200, `"name":"s1"`},
		{"node:n1", "GET", "/api/v1/namespaces/na/secrets/s2", "", 403, forbidden("no relationship found between node 'n1' and this object")},
		{"node:n1", "GET", "/api/v1/namespaces/na/secrets/s3", "", 403, forbidden("no relationship found")},
		{"node:n1", "GET", "/api/v1/namespaces/na/secrets", "", 403, forbidden("No Object name found")},
		{"node:n1", "GET", "/api/v1/nodes", "", 200, `"kind":"NodeList"`},
		{"node:n1", "PATCH", "/api/v1/namespaces/na/pods/p2/status", `{"status":{"message":"x"}}`, 403, forbidden("no relationship found")},
		{"node:n1", "PATCH", "/api/v1/namespaces/na/pods/p1/status", `{"status":{"message":"x"}}`, 200, `"message":"x"`},
		{"node:n1", "DELETE", "/api/v1/namespaces/na/pods/p2", "", 403, forbidden("no relationship found")},
		{"node:n1", "POST", "/api/v1/namespaces/na/pods", podUsingSecret("p3", "n1", "s3"), 403,
			forbidden(`pods \"p3\" is forbidden: pod does not have \"kubernetes.io/config.mirror\" annotation, node \"n1\" can only create mirror pods`)},
		{"node:n1", "POST", "/api/v1/nodes", `{"apiVersion":"v1","kind":"Node","metadata":{"name":"n2"}}`, 403,
			forbidden(`node \"n1\" is not allowed to modify node \"n2\"`)},
		{"node:n1", "POST", "/api/v1/nodes", `{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"}}`, 201, `"name":"n1"`},
		{"node:n1", "POST", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases",
			`{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"n2"}}`, 403,
			forbidden("can only access node lease with the same name as the requesting node")},
		{"node:n1", "POST", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases",
			`{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"n1"}}`, 201, `"name":"n1"`},
		{"node:n1", "GET", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n2", "", 403, forbidden("can only access node lease with the same name")},
		{"node:n1", "GET", "/apis/apps/v1/deployments", "", 403, forbidden(`User \"system:node:n1\" cannot list resource \"deployments\"`)},
		{"user:bob", "GET", "/api/v1/namespaces/na/secrets/s1", "", 403, forbidden(`User \"bob\" cannot get resource \"secrets\"`)},
	}
	for _, c := range cases {
		code, b := asUser(t, ts.URL, c.who, c.method, c.path, c.body)
		if code != c.code {
			t.Errorf("%s %s %s: %d %s, want %d", c.who, c.method, c.path, code, b, c.code)
			continue
		}
		for _, w := range strings.Split(c.want, "|") {
			if !strings.Contains(b, w) {
				t.Errorf("%s %s %s: %s, want it to contain %s", c.who, c.method, c.path, b, w)
			}
		}
	}
	// A pod bound after the start reaches the graph through its watch: a
	// mirror pod n1 creates becomes readable by n1 only.
	mirror := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"m1","annotations":{"kubernetes.io/config.mirror":"x"}},
		"spec":{"nodeName":"n1","containers":[{"name":"c","image":"busybox"}]}}`
	if code, b := asUser(t, ts.URL, "node:n1", "POST", "/api/v1/namespaces/na/pods", mirror); code != http.StatusCreated {
		t.Fatalf("mirror pod: %d %s", code, b)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, b := asUser(t, ts.URL, "node:n1", "GET", "/api/v1/namespaces/na/pods/m1", "")
		if code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("mirror pod never readable by its node: %d %s", code, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code, _ := asUser(t, ts.URL, "node:n2", "GET", "/api/v1/namespaces/na/pods/m1", ""); code != http.StatusForbidden {
		t.Errorf("n2 reads n1's mirror pod: %d", code)
	}
	var list struct{ Items []json.RawMessage }
	code, b := asUser(t, ts.URL, "node:n1", "GET", "/api/v1/pods?fieldSelector=spec.nodeName%3Dn1", "")
	if err := json.Unmarshal([]byte(b), &list); code != 200 || err != nil || len(list.Items) != 2 {
		t.Errorf("n1's pods: %d %s", code, b)
	}
}
