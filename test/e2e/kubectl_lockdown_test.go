package e2e

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"minik8s/apiserver/storage"
	"minik8s/test/testpki"
)

func init() { registerKubectlE2E("lockdown", testLockdown) }

// testLockdown checks, from inside a lab node's network namespace, that
// the other node's kubelet, run with TLS flags, refuses an unauthenticated
// exec, and that no etcd port answers.
func testLockdown(ctx context.Context, t *testing.T, cl *cluster) {
	if len(cl.nodes) < 2 {
		t.Skip("needs two nodes")
	}
	from, to := cl.nodes[0], cl.nodes[1]
	inNode := func(args ...string) (string, error) {
		return sh(ctx, append([]string{"ip", "netns", "exec", from.Name}, args...)...)
	}

	t.Run("etcd", func(t *testing.T) {
		sock := filepath.Join(cl.ts.DataDir, storage.SocketName)
		if fi, err := os.Stat(sock); err != nil || fi.Mode()&os.ModeSocket == 0 {
			t.Errorf("the embedded etcd has no unix socket %s: %v", sock, err)
		}
		u, err := url.Parse(cl.labURL)
		if err != nil {
			t.Fatal(err)
		}
		gw := u.Hostname()
		// etcd's usual client and peer ports, on the gateway the nodes
		// reach the control plane by: nothing may answer.
		for _, port := range []string{"2379", "2380"} {
			out, err := inNode("curl", "-s", "-m", "3", "-o", "/dev/null", "-w", "%{http_code}", "http://"+gw+":"+port+"/health")
			if err == nil {
				t.Errorf("from %s, %s:%s answered %s", from.Name, gw, port, out)
			}
		}
	})

	t.Run("kubelet", func(t *testing.T) {
		// The harness runs plain-HTTP kubelets: restart the second node's
		// with a serving certificate and a client CA (as the lab's PKI
		// will), check it, and give the node its usual kubelet back.
		ca := testpki.NewCA(t, "lab")
		cert, key := ca.Issue(t, to.Name, nil, to.IP, to.Name)
		backend := to.backend
		to.stop()
		cl.startKubelet(t, to, backend, "--tls-cert-file", cert, "--tls-private-key-file", key, "--client-ca-file", ca.File)
		t.Cleanup(func() { to.stop(); cl.startKubelet(t, to, backend) })

		exec := "https://" + to.IP + ":10250/exec/default/none/c?command=id&output=1"
		code := ""
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			out, err := inNode("curl", "-sk", "-m", "5", "-X", "POST", "-o", "/dev/null", "-w", "%{http_code}", exec)
			if code = strings.TrimSpace(out); err == nil && code != "000" {
				break
			}
			time.Sleep(300 * time.Millisecond)
		}
		if code != "401" {
			t.Errorf("unauthenticated exec on %s's kubelet from %s: HTTP %q, want 401", to.Name, from.Name, code)
		}
		// Plain HTTP is no way around it.
		out, _ := inNode("curl", "-s", "-m", "5", "-X", "POST", "-o", "/dev/null", "-w", "%{http_code}",
			strings.Replace(exec, "https://", "http://", 1))
		if c := strings.TrimSpace(out); c != "400" && c != "000" {
			t.Errorf("plain HTTP to the TLS kubelet: HTTP %q, want 400 (Go's answer to HTTP on a TLS port) or no answer", c)
		}
	})
}
