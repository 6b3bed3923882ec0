package kubelet

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
)

// ServiceAccountToken makes fakeObjects an objectSource: the token is
// "token-of-NS/NAME-for-POD".
func (f fakeObjects) ServiceAccountToken(_ context.Context, ns, name string, tr *api.TokenRequest) (*api.TokenRequest, error) {
	out := *tr
	out.Status.Token = "token-of-" + ns + "/" + name + "-for-" + tr.Spec.BoundObjectRef.Name
	return &out, nil
}

func TestTokenNeedsRefresh(t *testing.T) {
	iat := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	hour := time.Hour
	day := 24 * time.Hour
	for _, c := range []struct {
		name   string
		ttl    time.Duration
		age    time.Duration
		jitter time.Duration
		want   bool
	}{
		{"fresh", hour, 0, 0, false},
		{"just under 80% of an hour", hour, 48*time.Minute - time.Second, 0, false},
		{"past 80% of an hour", hour, 48*time.Minute + time.Second, 0, true},
		{"the jitter moves it earlier", hour, 48*time.Minute - 5*time.Second, 10 * time.Second, true},
		{"a 3607 s token at 47 min", 3607 * time.Second, 47 * time.Minute, 0, false},
		{"a 3607 s token at 49 min", 3607 * time.Second, 49 * time.Minute, 0, true},
		{"a week-long token at 23 h", 7 * day, 23 * hour, 0, false},
		{"a week-long token past 24 h", 7 * day, day + time.Second, 0, true},
		{"a week-long token 24 h minus jitter", 7 * day, day - 5*time.Second, 10 * time.Second, true},
		{"expired", hour, 2 * hour, 0, true},
	} {
		if got := tokenNeedsRefresh(iat.Add(c.age), iat.Add(c.ttl), c.ttl, c.jitter); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestTokenManager(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	calls := 0
	var fail error
	m := newTokenManager(func(_ context.Context, ns, name string, tr *api.TokenRequest) (*api.TokenRequest, error) {
		if fail != nil {
			return nil, fail
		}
		calls++
		out := *tr
		out.Status = api.TokenRequestStatus{Token: "t" + string(rune('0'+calls)), ExpirationTimestamp: api.NewTime(now.Add(time.Duration(*tr.Spec.ExpirationSeconds) * time.Second))}
		return &out, nil
	}, func() time.Time { return now })
	m.jitter = func() time.Duration { return 0 }
	exp := int64(3600)
	req := func(pod string) *api.TokenRequest {
		return &api.TokenRequest{Spec: api.TokenRequestSpec{ExpirationSeconds: &exp, BoundObjectRef: &api.BoundObjectReference{Kind: "Pod", Name: pod}}}
	}
	get := func(pod string) string {
		t.Helper()
		tr, err := m.get(context.Background(), "ns", "default", req(pod))
		if err != nil {
			t.Fatal(err)
		}
		return tr.Status.Token
	}
	if tok := get("a"); tok != "t1" {
		t.Fatalf("first: %s", tok)
	}
	start := now
	now = start.Add(40 * time.Minute)
	if tok := get("a"); tok != "t1" || calls != 1 {
		t.Errorf("at 40 min: %s after %d calls, want the cached t1", tok, calls)
	}
	if tok := get("b"); tok != "t2" {
		t.Errorf("another pod shares a token: %s", tok)
	}
	now = start.Add(50 * time.Minute)
	if tok := get("a"); tok != "t3" {
		t.Errorf("at 50 min: %s, want a refreshed token", tok)
	}
	// A failed refresh keeps a still valid token, and fails once it expired.
	fail = errors.New("apiserver down")
	now = start.Add(50*time.Minute + 49*time.Minute)
	if tok := get("a"); tok != "t3" {
		t.Errorf("refresh failed while valid: %s", tok)
	}
	now = start.Add(3 * time.Hour)
	if _, err := m.get(context.Background(), "ns", "default", req("a")); err == nil || err.Error() != "failed to fetch token: apiserver down" {
		t.Errorf("expired and refresh failed: %v", err)
	}
}

func TestTokenPayload(t *testing.T) {
	exp := int64(3607)
	pod := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "ns", UID: "u1"}, Spec: api.PodSpec{ServiceAccountName: "robot"}}
	v := &api.Volume{Name: "kube-api-access-x", VolumeSource: api.VolumeSource{Projected: &api.ProjectedVolumeSource{DefaultMode: i32p(0o644), Sources: []api.VolumeProjection{
		{ServiceAccountToken: &api.ServiceAccountTokenProjection{ExpirationSeconds: &exp, Path: "token"}},
		{ConfigMap: &api.ConfigMapProjection{LocalObjectReference: api.LocalObjectReference{Name: "kube-root-ca.crt"}, Items: []api.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
		{DownwardAPI: &api.DownwardAPIProjection{Items: []api.DownwardAPIVolumeFile{{Path: "namespace", FieldRef: &api.ObjectFieldSelector{FieldPath: "metadata.namespace"}}}}},
	}}}}
	src := testObjects()
	src.cms["kube-root-ca.crt"] = &api.ConfigMap{Data: map[string]string{"ca.crt": "CA"}}
	got, err := volumePayload(context.Background(), src, pod, v)
	if err != nil {
		t.Fatal(err)
	}
	if s := payloadString(got); s != "ca.crt rw-r--r-- CA\nnamespace rw-r--r-- ns\ntoken rw-r--r-- token-of-ns/robot-for-web" {
		t.Errorf("payload:\n%s", s)
	}
	fsGroup := int64(2000)
	pod.Spec.SecurityContext = &api.PodSecurityContext{FSGroup: &fsGroup}
	got, _ = volumePayload(context.Background(), src, pod, v)
	if m := got["token"].Mode; m != 0o600 {
		t.Errorf("token mode with an fsGroup: %o, want 0600", m)
	}
}

// requestToken speaks authentication.k8s.io/v1 TokenRequest.
func TestRequestToken(t *testing.T) {
	var gotPath, gotType string
	var gotBody map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath, gotType = r.Method+" "+r.URL.Path, r.Header.Get("Content-Type")
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &gotBody)
		if r.URL.Path != "/api/v1/namespaces/ns/serviceaccounts/robot/token" {
			w.WriteHeader(404)
			_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404,"message":"serviceaccounts \"x\" not found"}`))
			return
		}
		w.WriteHeader(201)
		_, _ = w.Write([]byte(`{"kind":"TokenRequest","apiVersion":"authentication.k8s.io/v1","spec":{"audiences":["https://kubernetes.default.svc.cluster.local"],"expirationSeconds":3607,"boundObjectRef":{"kind":"Pod","apiVersion":"v1","name":"web","uid":"u1"}},"status":{"token":"eyJhbGciOi.x.y","expirationTimestamp":"2026-12-02T13:00:07Z"}}`))
	}))
	defer srv.Close()
	c, err := client.New(&client.Config{Server: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	exp := int64(3607)
	tr, err := requestToken(c)(context.Background(), "ns", "robot", &api.TokenRequest{TypeMeta: api.TypeMeta{APIVersion: "authentication.k8s.io/v1", Kind: "TokenRequest"},
		Spec: api.TokenRequestSpec{ExpirationSeconds: &exp, BoundObjectRef: &api.BoundObjectReference{APIVersion: "v1", Kind: "Pod", Name: "web", UID: "u1"}}})
	if err != nil {
		t.Fatal(err)
	}
	if gotPath != "POST /api/v1/namespaces/ns/serviceaccounts/robot/token" || gotType != "application/json" {
		t.Errorf("request %s (%s)", gotPath, gotType)
	}
	wantBody := `{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","metadata":{"creationTimestamp":null},"spec":{"audiences":null,"boundObjectRef":{"apiVersion":"v1","kind":"Pod","name":"web","uid":"u1"},"expirationSeconds":3607},"status":{"expirationTimestamp":null,"token":""}}`
	if b, _ := json.Marshal(gotBody); string(b) != wantBody {
		t.Errorf("body %s\nwant %s", b, wantBody)
	}
	if tr.Status.Token != "eyJhbGciOi.x.y" || !tr.Status.ExpirationTimestamp.Equal(time.Date(2026, 12, 2, 13, 0, 7, 0, time.UTC)) || *tr.Spec.ExpirationSeconds != 3607 {
		t.Errorf("answer %+v", tr)
	}
	if _, err := requestToken(c)(context.Background(), "ns", "x", &api.TokenRequest{}); !client.IsNotFound(err) {
		t.Errorf("missing account: %v", err)
	}
}
