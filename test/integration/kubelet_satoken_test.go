package integration

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"minik8s/pkg/api"
	mclient "minik8s/pkg/client"
)

// tokenAPI stands in for the apiserver's TokenRequest endpoint (another
// part of minik8s): it answers POST .../serviceaccounts/NAME/token with
// token-N and forwards everything else to the apiserver.
type tokenAPI struct {
	mu       sync.Mutex
	requests []string      // the bodies
	ttl      time.Duration // the answer's expirationTimestamp is now+ttl
}

var tokenPath = regexp.MustCompile(`^/api/v1/namespaces/([^/]+)/serviceaccounts/([^/]+)/token$`)

// start serves until the test ends; stopFirst (the kubelet's stop) runs
// before the server closes, which waits for the kubelet's watches.
func (a *tokenAPI) start(t *testing.T, apiserver string, stopFirst func()) string {
	u, _ := url.Parse(apiserver)
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.FlushInterval = -1 // watches stream
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !tokenPath.MatchString(r.URL.Path) {
			proxy.ServeHTTP(w, r)
			return
		}
		var req map[string]any
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &req)
		a.mu.Lock()
		a.requests = append(a.requests, string(b))
		n := len(a.requests)
		a.mu.Unlock()
		req["status"] = map[string]any{"token": fmt.Sprintf("token-%d", n), "expirationTimestamp": time.Now().Add(a.ttl).UTC().Format(time.RFC3339)}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(req)
	}))
	t.Cleanup(func() {
		stopFirst()
		srv.CloseClientConnections()
		srv.Close()
	})
	return srv.URL
}

func (a *tokenAPI) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.requests)
}

// TestKubeletServiceAccountToken: the kubelet (fake runtime) fills the
// kube-api-access volume Kubernetes' admission adds: token (from the
// TokenRequest API, bound to the pod), ca.crt (from kube-root-ca.crt) and
// namespace, and writes a new token when the old one nears expiry.
func TestKubeletServiceAccountToken(t *testing.T) {
	h := newKubeletHarness(t)
	startSAControllers(t, h.ts.URL, []byte("the-cluster-CA"))
	api2 := &tokenAPI{ttl: 3 * time.Second} // expires at once in token-manager terms: refreshed every sync
	c, err := mclient.New(&mclient.Config{Server: api2.start(t, h.ts.URL, h.stop), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	h.c = c
	h.start()

	exp := int64(3607)
	p := onePod("sa-user", api.RestartAlways)
	p.Spec.ServiceAccountName = "default"
	p.Spec.Volumes = []api.Volume{{Name: "kube-api-access-abcde", VolumeSource: api.VolumeSource{Projected: &api.ProjectedVolumeSource{
		Sources: []api.VolumeProjection{
			{ServiceAccountToken: &api.ServiceAccountTokenProjection{ExpirationSeconds: &exp, Path: "token"}},
			{ConfigMap: &api.ConfigMapProjection{LocalObjectReference: api.LocalObjectReference{Name: "kube-root-ca.crt"}, Items: []api.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
			{DownwardAPI: &api.DownwardAPIProjection{Items: []api.DownwardAPIVolumeFile{{Path: "namespace", FieldRef: &api.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"}}}}},
		}}}}}
	p.Spec.Containers[0].VolumeMounts = []api.VolumeMount{{Name: "kube-api-access-abcde", ReadOnly: true, MountPath: "/var/run/secrets/kubernetes.io/serviceaccount"}}
	pod := h.createPod(p)
	h.waitPod("sa-user", "Running", running)

	dir := filepath.Join(h.rootDir, "pods", pod.UID, "volumes", "kube-api-access-abcde")
	file := func(name string) string {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		return string(b)
	}
	if file("ca.crt") != "the-cluster-CA" || file("namespace") != "default" || file("token") == "" {
		t.Errorf("files: ca.crt %q namespace %q token %q", file("ca.crt"), file("namespace"), file("token"))
	}
	if st, err := os.Stat(filepath.Join(dir, "token")); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("token file: %v %v", st, err)
	}
	api2.mu.Lock()
	var body map[string]any
	_ = json.Unmarshal([]byte(api2.requests[0]), &body)
	api2.mu.Unlock()
	first, _ := json.Marshal(body)
	want := fmt.Sprintf(`{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","metadata":{"creationTimestamp":null},"spec":{"audiences":null,"boundObjectRef":{"apiVersion":"v1","kind":"Pod","name":"sa-user","uid":"%s"},"expirationSeconds":3607},"status":{"expirationTimestamp":null,"token":""}}`, pod.UID)
	if string(first) != want {
		t.Errorf("TokenRequest %s\nwant %s", first, want)
	}
	// The answer's lifetime is short of 20% of 3607 s: each sync gets a new token.
	before := file("token")
	waitUntil(t, 15*time.Second, "a rotated token in the volume", func() (bool, string) {
		return file("token") != before && api2.count() > 1, file("token")
	})
}
