package e2e

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"minik8s/apiserver/storage"
)

func init() { registerKubectlE2E("lockdown", testLockdown) }

// testLockdown checks, from inside a lab node's network namespace, that
// the other node's kubelet refuses an unauthenticated exec (once the
// harness runs kubelets with TLS flags) and that no etcd port answers.
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
		exec := "https://" + to.IP + ":10250/exec/default/none/c?command=id&output=1"
		out, err := inNode("curl", "-sk", "-m", "5", "-X", "POST", "-o", "/dev/null", "-w", "%{http_code}", exec)
		if err != nil || out == "000" {
			// A plain-HTTP kubelet fails the TLS handshake.
			if plain, _ := inNode("curl", "-s", "-m", "5", "-X", "POST", "-o", "/dev/null", "-w", "%{http_code}",
				strings.Replace(exec, "https://", "http://", 1)); plain != "000" && plain != "" {
				t.Skipf("the lab harness runs kubelets without --tls-cert-file (plain HTTP answered %s): the kubelet API is not locked down here", plain)
			}
			t.Fatalf("kubelet %s: %s %v", to.Name, out, err)
		}
		if out != "401" {
			t.Errorf("unauthenticated exec on %s's kubelet from %s: HTTP %s, want 401", to.Name, from.Name, out)
		}
	})
}
