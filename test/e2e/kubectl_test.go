package e2e

// kubectl parity on a real lab (issue 12): one two-node lab with the
// control plane, the scheduler and every controller, shared by the parts
// of the issue that need real containers (run --rm -i through attach,
// port-forward, cp, ConfigMap volumes, Jobs and CronJobs). Each part is a
// subtest registered from its own file with registerKubectlE2E, so that
// the parts share one lab (one lab start instead of one per part). A part
// that mostly waits (a CronJob's minutes) may call t.Parallel: it then
// runs beside the parts after them.
//
// Traffic safety: the test process talks to the apiserver on loopback; the
// apiserver reaches the kubelets inside node1's namespace; port-forward
// listens on 127.0.0.1 only.
//
// MK8S_KUBECTL_E2E_LAB=prefix:net3 overrides the lab (to run one part
// beside another lab while developing).

import (
	"context"
	"os"
	"sort"
	"strings"
	"testing"
	"time"
)

const (
	kubectlE2EPrefix = "mk8y"
	kubectlE2ENet3   = "192.168.100"
)

// kubectlE2E are the subtests of TestKubectlOnLab by name.
var kubectlE2E = map[string]func(ctx context.Context, t *testing.T, cl *cluster){}

// registerKubectlE2E adds a subtest to TestKubectlOnLab (from an init func).
func registerKubectlE2E(name string, f func(ctx context.Context, t *testing.T, cl *cluster)) {
	if _, dup := kubectlE2E[name]; dup {
		panic("duplicate kubectl e2e part " + name)
	}
	kubectlE2E[name] = f
}

func TestKubectlOnLab(t *testing.T) {
	prefix, net3 := kubectlE2EPrefix, kubectlE2ENet3
	if v := os.Getenv("MK8S_KUBECTL_E2E_LAB"); v != "" {
		p, n, ok := strings.Cut(v, ":")
		if !ok {
			t.Fatalf("MK8S_KUBECTL_E2E_LAB=%q: want prefix:net3", v)
		}
		prefix, net3 = p, n
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute) // the first image build compiles the static minik8s
	// Cancelled at cleanup, after the parts that called t.Parallel (they
	// run once this function returns).
	t.Cleanup(cancel)
	cl := startCluster(ctx, t, clusterConfig{Prefix: prefix, Net3: net3, Nodes: 2})
	cl.startKubelets(ctx, t, "vxlan")

	names := make([]string, 0, len(kubectlE2E))
	for n := range kubectlE2E {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f := kubectlE2E[n]
		t.Run(n, func(t *testing.T) { f(ctx, t, cl) })
	}
}
