package integration

import (
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"minik8s/kubelet"
	"minik8s/pkg/api"
	"minik8s/test/testpki"
)

// A kubelet serving HTTPS with --client-ca-file answers only the
// apiserver's client certificate: logs still flow through the apiserver
// (which verifies the kubelet's serving certificate with
// --kubelet-certificate-authority), while a caller without a certificate,
// with one of another CA, or with a token no TokenReview accepts gets 401.
func TestKubeletAuthThroughAPIServer(t *testing.T) {
	ca := testpki.NewCA(t, "cluster")
	kubeletCert, kubeletKey := ca.Issue(t, "node1", nil, "127.0.0.1", "node1")
	apiCert, apiKey := ca.Issue(t, "kube-apiserver-kubelet-client", []string{"system:masters"})
	other := testpki.NewCA(t, "other")
	badCert, badKey := other.Issue(t, "kube-apiserver-kubelet-client", []string{"system:masters"})

	h := newKubeletHarness(t)
	h.ts.Options.KubeletClientCertificate, h.ts.Options.KubeletClientKey = apiCert, apiKey
	h.ts.Options.KubeletCertificateAuthority = ca.File
	h.ts.Restart(t)
	h.configure = func(o *kubelet.Options) {
		o.Auth.TLSCertFile, o.Auth.TLSPrivateKeyFile, o.Auth.ClientCAFile = kubeletCert, kubeletKey, ca.File
	}
	h.rt.ExecFunc = fakeShell
	h.start()
	p := h.createPod(&api.Pod{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"}, ObjectMeta: api.ObjectMeta{Name: "locked"},
		Spec: api.PodSpec{NodeName: "node1", Containers: []api.Container{{Name: "c", Image: "docker.io/minik8s/tools:latest"}}}})
	h.waitPod("locked", "running", running)
	_, cs := h.runtimeOf(p.UID)
	if len(cs) != 1 {
		t.Fatalf("%d containers", len(cs))
	}
	cfg, _ := h.rt.ContainerConfig(cs[0].ID)
	if err := os.MkdirAll(filepath.Dir(cfg.LogPath), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg.LogPath, []byte("secret log\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	logURL := h.ts.URL + "/api/v1/namespaces/default/pods/locked/log"
	if b := mustDo(t, 200, "GET", logURL, "", ""); string(b) != "secret log\n" {
		t.Fatalf("log through the apiserver = %q", b)
	}

	// exec is an upgraded connection to the kubelet, over the same TLS.
	if out, errs, code := ourKubectl(t, h.ts.URL, "", "exec", "locked", "--", "echo", "over", "tls"); out != "over tls\n" || code != 0 {
		t.Fatalf("exec through the apiserver: out %q err %q code %d", out, errs, code)
	}

	direct := fmt.Sprintf("https://127.0.0.1:%d/containerLogs/default/locked/c", h.k.Port())
	get := func(certFile, keyFile, token string) (int, string) {
		t.Helper()
		tc := &tls.Config{RootCAs: ca.Pool()}
		if certFile != "" {
			c, err := tls.LoadX509KeyPair(certFile, keyFile)
			if err != nil {
				t.Fatal(err)
			}
			tc.Certificates = []tls.Certificate{c}
		}
		req, _ := http.NewRequest("GET", direct, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := (&http.Client{Transport: &http.Transport{TLSClientConfig: tc}, Timeout: 10 * time.Second}).Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", direct, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.TrimSpace(string(b))
	}
	for _, c := range []struct {
		name, cert, key, token string
		code                   int
		body                   string
	}{
		{"no credentials", "", "", "", 401, "Unauthorized"},
		{"another CA's certificate", badCert, badKey, "", 401, "Unauthorized"},
		{"a token no TokenReview accepts", "", "", "forged", 401, "Unauthorized"},
		{"the apiserver's certificate", apiCert, apiKey, "", 200, "secret log"},
	} {
		if code, body := get(c.cert, c.key, c.token); code != c.code || body != c.body {
			t.Errorf("%s: %d %q, want %d %q", c.name, code, body, c.code, c.body)
		}
	}
	// Plain HTTP to the kubelet port is no way around it.
	if resp, err := http.Get(strings.Replace(direct, "https://", "http://", 1)); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Error("plain HTTP read the log")
		}
	}

	// An apiserver that trusts another CA refuses the kubelet's certificate.
	h.ts.Options.KubeletCertificateAuthority = other.File
	h.ts.Restart(t)
	st := status(t, mustDo(t, http.StatusBadGateway, "GET", logURL, "", ""))
	if !strings.Contains(st.Message, "certificate signed by unknown authority") {
		t.Errorf("log with the wrong kubelet CA: %s", st.Message)
	}
	if _, errs, code := ourKubectl(t, h.ts.URL, "", "exec", "locked", "--", "echo", "hi"); code == 0 || !strings.Contains(errs, "certificate signed by unknown authority") {
		t.Errorf("exec with the wrong kubelet CA: code %d, stderr %q", code, errs)
	}
}
