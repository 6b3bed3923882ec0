// Package e2e holds minik8s's end-to-end tests. They need root and real
// containerd, iptables and network namespaces; `go test -short` skips them.
package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The test's lab lives beside a user's lab (prefix mk8s, 192.168.77.0/24):
// its own names, subnet and state directory.
const (
	labPrefix = "mk8e"
	labNet3   = "192.168.79"
	labChain  = "MK8E-LAB-ISOLATE"
)

var labImages = []string{
	"docker.io/minik8s/pause:3.9",
	"docker.io/minik8s/tools:latest",
	"docker.io/minik8s/testserver:latest",
	"docker.io/minik8s/minik8s:latest",
}

func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the test's source file")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// lab runs the lab scripts with the test lab's environment.
type lab struct {
	root  string
	state string
	env   []string
}

func (l *lab) script(ctx context.Context, name string, extraEnv ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(l.root, "scripts", "lab", name))
	cmd.Dir = l.root
	cmd.Env = append(append([]string(nil), l.env...), extraEnv...)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// sh runs a command with a bounded time and returns its combined output.
func sh(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// must runs a command and fails t (the subtest's own t) if it fails.
func must(ctx context.Context, t *testing.T, args ...string) string {
	t.Helper()
	out, err := sh(ctx, args...)
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func containerdAnswers(ctx context.Context) bool {
	_, err := sh(ctx, "ctr", "--connect-timeout", "3s", "version")
	return err == nil
}

func TestLabUpAndDown(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: skipped with -short")
	}
	if os.Geteuid() != 0 {
		t.Skip("end-to-end: needs root")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()

	l := &lab{root: repoRoot(t), state: t.TempDir()}
	l.env = append(os.Environ(),
		"MK8S_LAB_PREFIX="+labPrefix,
		"MK8S_LAB_SUBNET="+labNet3+".0/24",
		"MINIK8S_STATE="+l.state,
		"NODES=2",
		"IMAGE_NAMESPACES=k8s.io",
	)
	// ctr may not be installed yet (up.sh installs it).
	_, ctrErr := exec.LookPath("ctr")
	containerdBefore := ctrErr == nil && containerdAnswers(ctx)

	// Remove leftovers of an earlier, killed run; tear down even on failure.
	if out, err := l.script(ctx, "down.sh"); err != nil {
		t.Fatalf("down.sh before the test: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer ccancel()
		if out, err := l.script(cctx, "down.sh"); err != nil {
			t.Errorf("down.sh in cleanup: %v\n%s", err, out)
		}
	})

	start := time.Now()
	out, err := l.script(ctx, "up.sh")
	if err != nil {
		t.Fatalf("up.sh: %v\n%s", err, out)
	}
	t.Logf("up.sh took %v", time.Since(start).Round(time.Millisecond))

	nodes := map[string]string{labPrefix + "-node1": labNet3 + ".11", labPrefix + "-node2": labNet3 + ".12"}
	t.Run("namespaces and addresses", func(t *testing.T) {
		list := must(ctx, t, "ip", "netns", "list")
		for ns, ip := range nodes {
			if !strings.Contains(list, ns) {
				t.Errorf("netns %s missing from %q", ns, list)
			}
			addr := must(ctx, t, "ip", "-n", ns, "-4", "-o", "addr", "show", "dev", "eth0")
			if !strings.Contains(addr, " "+ip+"/24 ") {
				t.Errorf("%s eth0 = %q, want %s/24", ns, addr, ip)
			}
			if b, err := os.ReadFile(filepath.Join(l.state, "nodes", ns, "node.env")); err != nil || !strings.Contains(string(b), "NODE_IP="+ip+"\n") {
				t.Errorf("node state %s/node.env = %q, %v", ns, b, err)
			}
		}
		br := must(ctx, t, "ip", "-4", "-o", "addr", "show", "dev", labPrefix+"0")
		if !strings.Contains(br, " "+labNet3+".1/24 ") {
			t.Errorf("bridge address %q, want %s.1/24", br, labNet3)
		}
	})

	t.Run("nodes reach each other and the control plane", func(t *testing.T) {
		for _, dst := range []string{labNet3 + ".12", labNet3 + ".1"} {
			must(ctx, t, "ip", "netns", "exec", labPrefix+"-node1", "ping", "-c", "1", "-W", "2", dst)
		}
		must(ctx, t, "ip", "netns", "exec", labPrefix+"-node2", "ping", "-c", "1", "-W", "2", labNet3+".11")
	})

	t.Run("no route out of the lab", func(t *testing.T) {
		for ns := range nodes {
			if def := must(ctx, t, "ip", "-n", ns, "route", "show", "default"); strings.TrimSpace(def) != "" {
				t.Errorf("%s has a default route: %q", ns, def)
			}
			// A route lookup only: no packet is sent.
			if out, err := sh(ctx, "ip", "netns", "exec", ns, "ip", "route", "get", "8.8.8.8"); err == nil {
				t.Errorf("%s can route to 8.8.8.8: %s", ns, out)
			}
		}
		fwd := must(ctx, t, "iptables", "-w", "-S", "FORWARD")
		if !strings.Contains(fwd, "-A FORWARD -j "+labChain) {
			t.Errorf("FORWARD does not jump to %s:\n%s", labChain, fwd)
		}
		chain := must(ctx, t, "iptables", "-w", "-S", labChain)
		if !strings.Contains(chain, "-i "+labPrefix+"0 -m comment --comment \"minik8s lab: nothing leaves the lab\" -j DROP") {
			t.Errorf("%s has no drop rule for the lab bridge:\n%s", labChain, chain)
		}
	})

	t.Run("containerd and images", func(t *testing.T) {
		if !containerdAnswers(ctx) {
			t.Fatal("containerd does not answer")
		}
		ls := must(ctx, t, "ctr", "-n", "k8s.io", "images", "ls", "-q")
		for _, img := range labImages {
			if !strings.Contains("\n"+ls, "\n"+img+"\n") {
				t.Errorf("image %s missing from ctr -n k8s.io images ls:\n%s", img, ls)
			}
		}
		id := labPrefix + "-e2e-hello"
		_, _ = sh(ctx, "ctr", "-n", "k8s.io", "containers", "rm", id) // a leftover of a killed run
		out := must(ctx, t, "ctr", "-n", "k8s.io", "run", "--rm", "docker.io/minik8s/tools:latest", id, "echo", "hello")
		if out != "hello\n" {
			t.Errorf("ctr run tools echo hello = %q", out)
		}
	})

	t.Run("testserver answers across nodes", func(t *testing.T) {
		id := labPrefix + "-e2e-testserver"
		rm := func() {
			cctx, ccancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer ccancel()
			_, _ = sh(cctx, "ctr", "-n", "k8s.io", "tasks", "kill", "-s", "SIGKILL", id)
			for i := 0; i < 20; i++ {
				if _, err := sh(cctx, "ctr", "-n", "k8s.io", "tasks", "rm", "-f", id); err == nil {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			_, _ = sh(cctx, "ctr", "-n", "k8s.io", "containers", "rm", id)
		}
		rm()
		t.Cleanup(rm)
		must(ctx, t, "ctr", "-n", "k8s.io", "run", "-d", "--env", "POD_NAME=e2e-pod",
			"--with-ns", "network:/var/run/netns/"+labPrefix+"-node1",
			"docker.io/minik8s/testserver:latest", id)
		url := "http://" + labNet3 + ".11:8080/"
		var body string
		var err error
		for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			body, err = sh(ctx, "ip", "netns", "exec", labPrefix+"-node2", "busybox", "wget", "-q", "-O", "-", url) // no -T: Debian's static busybox 1.35 segfaults with it
			if err == nil {
				break
			}
		}
		if err != nil || !strings.Contains(body, "pod: e2e-pod\n") || !strings.Contains(body, "ips: "+labNet3+".11\n") {
			t.Fatalf("GET %s from node2 = %q, %v", url, body, err)
		}
	})

	t.Run("up repairs a missing link", func(t *testing.T) {
		must(ctx, t, "ip", "link", "del", labPrefix+"-n2")
		if out, err := l.script(ctx, "up.sh", "SKIP_PACKAGES=1"); err != nil {
			t.Fatalf("second up.sh: %v\n%s", err, out)
		} else if !strings.Contains(out, "is up to date") {
			t.Errorf("second up.sh re-imported the images:\n%s", out)
		}
		must(ctx, t, "ip", "netns", "exec", labPrefix+"-node1", "ping", "-c", "1", "-W", "2", labNet3+".12")
	})

	if t.Failed() {
		return // the cleanup tears down
	}
	out, err = l.script(ctx, "down.sh")
	if err != nil {
		t.Fatalf("down.sh: %v\n%s", err, out)
	}
	if list := must(ctx, t, "ip", "netns", "list"); strings.Contains(list, labPrefix+"-node") {
		t.Errorf("namespaces left after down: %q", list)
	}
	if links := must(ctx, t, "ip", "-o", "link", "show"); strings.Contains(links, ": "+labPrefix) {
		t.Errorf("links left after down:\n%s", links)
	}
	for _, ipt := range []string{"iptables", "ip6tables"} {
		if rules := must(ctx, t, ipt, "-w", "-S"); strings.Contains(rules, labChain) {
			t.Errorf("%s rules left after down:\n%s", ipt, rules)
		}
	}
	if _, err := os.Stat(filepath.Join(l.state, "nodes")); !os.IsNotExist(err) {
		t.Errorf("node state left after down: %v", err)
	}
	if !containerdBefore && containerdAnswers(ctx) {
		t.Error("containerd still runs after down, though the lab started it")
	}
}
