package kubelet

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/auth/authorizer"
	"minik8s/pkg/auth/user"
	"minik8s/test/testpki"
)

// The kubelet API's path and method → the attributes it is authorized as
// (Kubernetes' NodeAuthorizerAttributesGetter).
func TestKubeletAttributes(t *testing.T) {
	cases := []struct {
		method, path string
		verb, sub    string
	}{
		{"POST", "/exec/ns/p/c", "create", "proxy"},
		{"GET", "/exec/ns/p/c", "get", "proxy"},
		{"POST", "/attach/ns/p/c", "create", "proxy"},
		{"POST", "/portForward/ns/p", "create", "proxy"},
		{"GET", "/containerLogs/ns/p/c", "get", "proxy"},
		{"GET", "/healthz", "get", "proxy"},
		{"GET", "/stats/summary", "get", "stats"},
		{"GET", "/stats", "get", "stats"},
		{"GET", "/statsx", "get", "proxy"},
		{"GET", "/netinfo", "get", "proxy"},
		{"POST", "/netinfo/probe", "create", "proxy"},
		{"GET", "/metrics/cadvisor", "get", "metrics"},
		{"GET", "/logs/syslog", "get", "log"},
		{"GET", "/spec/", "get", "spec"},
		{"PUT", "/pods", "update", "proxy"},
		{"PATCH", "/pods", "patch", "proxy"},
		{"DELETE", "/pods", "delete", "proxy"},
		{"HEAD", "/healthz", "get", "proxy"},
	}
	u := &user.Info{Name: "alice"}
	for _, tc := range cases {
		got := kubeletAttributes(u, "n1", httptest.NewRequest(tc.method, tc.path, nil))
		want := authorizer.Attributes{User: u, Verb: tc.verb, ResourceRequest: true, APIVersion: "v1",
			Resource: "nodes", Subresource: tc.sub, Name: "n1", Path: tc.path}
		if got != want {
			t.Errorf("%s %s: %+v, want %+v", tc.method, tc.path, got, want)
		}
	}
}

// fakeReviews answers TokenReviews (token "good" is alice in group dev)
// and SubjectAccessReviews (alice may create nodes/proxy, nothing else),
// counting them.
type fakeReviews struct{ tokenReviews, sars atomic.Int32 }

func (f *fakeReviews) post(_ context.Context, path string, body []byte) ([]byte, error) {
	switch path {
	case "/apis/authentication.k8s.io/v1/tokenreviews":
		f.tokenReviews.Add(1)
		var tr api.TokenReview
		if err := json.Unmarshal(body, &tr); err != nil || tr.Kind != "TokenReview" || tr.APIVersion != "authentication.k8s.io/v1" {
			return nil, io.ErrUnexpectedEOF
		}
		if tr.Spec.Token == "good" {
			tr.Status.Authenticated = true
			tr.Status.User = api.UserInfo{Username: "alice", UID: "u1", Groups: []string{"dev"}}
		} else {
			tr.Status.Error = "invalid token"
		}
		return json.Marshal(&tr)
	case "/apis/authorization.k8s.io/v1/subjectaccessreviews":
		f.sars.Add(1)
		var r api.SubjectAccessReview
		if err := json.Unmarshal(body, &r); err != nil || r.Kind != "SubjectAccessReview" || r.Spec.ResourceAttributes == nil {
			return nil, io.ErrUnexpectedEOF
		}
		ra := r.Spec.ResourceAttributes
		if r.Spec.User == "alice" && ra.Verb == "create" && ra.Resource == "nodes" && ra.Subresource == "proxy" && ra.Name == "n1" && ra.Version == "v1" {
			r.Status.Allowed = true
		} else {
			r.Status.Reason = "no RBAC policy matched"
		}
		return json.Marshal(&r)
	}
	return nil, io.ErrUnexpectedEOF
}

func TestKubeletAuth(t *testing.T) {
	ca := testpki.NewCA(t, "cluster")
	srvCert, srvKey := ca.Issue(t, "n1", nil, "127.0.0.1", "n1")
	apiCert, apiKey := ca.Issue(t, "kube-apiserver-kubelet-client", []string{"system:masters"})
	other := testpki.NewCA(t, "other")
	badCert, badKey := other.Issue(t, "kube-apiserver-kubelet-client", []string{"system:masters"})

	start := func(o AuthOptions, f *fakeReviews) string {
		o.TLSCertFile, o.TLSPrivateKeyFile, o.ClientCAFile = srvCert, srvKey, ca.File
		cfg, pool, err := o.serverTLS()
		if err != nil {
			t.Fatal(err)
		}
		a := o.newAuth("n1", pool, f.post)
		srv := httptest.NewUnstartedServer(a.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			u, _ := user.From(r.Context())
			_, _ = io.WriteString(w, "ok "+u.Name+" "+strings.Join(u.Groups, ","))
		})))
		srv.TLS = cfg
		srv.StartTLS()
		t.Cleanup(srv.Close)
		return srv.URL
	}
	client := func(certFile, keyFile string) *http.Client {
		cfg := &tls.Config{RootCAs: ca.Pool()}
		if certFile != "" {
			c, err := tls.LoadX509KeyPair(certFile, keyFile)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Certificates = []tls.Certificate{c}
		}
		return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}, Timeout: 10 * time.Second}
	}
	do := func(c *http.Client, method, url, token string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, url, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.TrimSpace(string(b))
	}

	t.Run("AlwaysAllow", func(t *testing.T) {
		f := &fakeReviews{}
		url := start(DefaultAuthOptions(), f)
		cases := []struct {
			name, cert, key, token string
			code                   int
			body                   string
		}{
			{"no credentials", "", "", "", 401, "Unauthorized"},
			{"apiserver certificate", apiCert, apiKey, "", 200, "ok kube-apiserver-kubelet-client system:masters,system:authenticated"},
			{"certificate of another CA", badCert, badKey, "", 401, "Unauthorized"},
			{"certificate of another CA and a good token", badCert, badKey, "good", 200, "ok alice dev,system:authenticated"},
			{"good token", "", "", "good", 200, "ok alice dev,system:authenticated"},
			{"token the review rejects", "", "", "forged", 401, "Unauthorized"},
		}
		for _, tc := range cases {
			code, body := do(client(tc.cert, tc.key), "POST", url+"/exec/ns/p/c", tc.token)
			if code != tc.code || body != tc.body {
				t.Errorf("%s: %d %q, want %d %q", tc.name, code, body, tc.code, tc.body)
			}
		}
		// Answers are cached: the good and the forged token were each
		// reviewed once, though used twice and once (and once more now).
		do(client("", ""), "GET", url+"/healthz", "good")
		do(client("", ""), "GET", url+"/healthz", "forged")
		if n := f.tokenReviews.Load(); n != 2 {
			t.Errorf("%d token reviews, want 2 (cached)", n)
		}
	})
	t.Run("anonymous", func(t *testing.T) {
		o := DefaultAuthOptions()
		o.AnonymousAuth = true
		url := start(o, &fakeReviews{})
		if code, body := do(client("", ""), "GET", url+"/healthz", ""); code != 200 || body != "ok system:anonymous system:unauthenticated" {
			t.Errorf("anonymous: %d %q", code, body)
		}
		// Wrong credentials stay a 401 even when anonymous requests pass.
		if code, _ := do(client(badCert, badKey), "GET", url+"/healthz", ""); code != 401 {
			t.Errorf("wrong CA with anonymous auth: %d, want 401", code)
		}
	})
	t.Run("Webhook", func(t *testing.T) {
		f := &fakeReviews{}
		o := DefaultAuthOptions()
		o.AuthorizationMode = "Webhook"
		url := start(o, f)
		if code, body := do(client("", ""), "POST", url+"/exec/ns/p/c", "good"); code != 200 {
			t.Errorf("allowed exec: %d %q", code, body)
		}
		code, body := do(client("", ""), "GET", url+"/stats/summary", "good")
		if want := "Forbidden (user=alice, verb=get, resource=nodes, subresource=stats)"; code != 403 || body != want {
			t.Errorf("denied stats: %d %q, want 403 %q", code, body, want)
		}
		code, body = do(client(apiCert, apiKey), "POST", url+"/exec/ns/p/c", "")
		if want := "Forbidden (user=kube-apiserver-kubelet-client, verb=create, resource=nodes, subresource=proxy)"; code != 403 || body != want {
			t.Errorf("denied exec: %d %q, want 403 %q", code, body, want)
		}
		do(client("", ""), "POST", url+"/exec/ns/p/c", "good")
		do(client("", ""), "GET", url+"/stats/summary", "good")
		if n := f.sars.Load(); n != 3 {
			t.Errorf("%d reviews, want 3 (allow and deny cached)", n)
		}
	})
}

func TestTTLCacheExpires(t *testing.T) {
	c := newTTLCache[int]()
	now := time.Unix(1000, 0)
	c.now = func() time.Time { return now }
	c.set("a", 1, 30*time.Second)
	if v, ok := c.get("a"); !ok || v != 1 {
		t.Fatalf("fresh entry: %v %v", v, ok)
	}
	now = now.Add(30 * time.Second)
	if _, ok := c.get("a"); ok {
		t.Error("entry still cached after its TTL")
	}
}

func TestAuthOptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		mutate func(*AuthOptions)
		want   string
	}{
		{func(o *AuthOptions) {}, ""},
		{func(o *AuthOptions) { o.AuthorizationMode = "RBAC" }, `--authorization-mode "RBAC": want AlwaysAllow or Webhook`},
		{func(o *AuthOptions) { o.TLSCertFile = "c" }, "--tls-cert-file and --tls-private-key-file go together"},
		{func(o *AuthOptions) { o.ClientCAFile = "ca" }, "--client-ca-file needs --tls-cert-file"},
	} {
		o := DefaultAuthOptions()
		tc.mutate(&o)
		err := o.Validate()
		if (err == nil && tc.want != "") || (err != nil && err.Error() != tc.want) {
			t.Errorf("%+v: %v, want %q", o, err, tc.want)
		}
	}
}
