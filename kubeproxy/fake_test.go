package kubeproxy

import (
	"context"
	"strings"
	"sync"

	"minik8s/kubeproxy/iptables"
	"minik8s/kubeproxy/proxy"
	pkgiptables "minik8s/pkg/iptables"
)

// testFW is pkg/iptables.Fake behind the Firewall seam, counting the jump
// checks (one per full sync) and able to fail a restore or a save.
type testFW struct {
	*pkgiptables.Fake
	jumps     int
	failNext  error
	saveError error
}

// newTestFW returns a testFW whose nat table already has existing.
func newTestFW(existing ...string) *testFW {
	f := &testFW{Fake: &pkgiptables.Fake{}}
	if len(existing) > 0 {
		_ = f.Fake.Restore(context.Background(), []byte("*nat\n:"+strings.Join(existing, " - [0:0]\n:")+" - [0:0]\nCOMMIT\n"))
		f.Fake.Payloads = nil
	}
	return f
}

func (f *testFW) Restore(ctx context.Context, payload []byte) error {
	if err := f.failNext; err != nil {
		f.failNext = nil
		return err
	}
	return f.Fake.Restore(ctx, payload)
}

func (f *testFW) SaveChains(ctx context.Context, table string) ([]string, error) {
	if f.saveError != nil {
		return nil, f.saveError
	}
	return f.Fake.Chains(ctx, table)
}

func (f *testFW) EnsureJumps(ctx context.Context, jumps []iptables.Jump) error {
	f.jumps++
	return NewFirewall(f.Fake).EnsureJumps(ctx, jumps)
}

func (f *testFW) natChains() map[string]bool {
	cs, _ := f.Fake.Chains(context.Background(), "nat")
	out := map[string]bool{}
	for _, c := range cs {
		out[c] = true
	}
	return out
}

// fakeConntrack records the cleanups asked for.
type fakeConntrack struct {
	mu    sync.Mutex
	calls int
}

func (c *fakeConntrack) CleanStale(context.Context, []proxy.ServicePort, map[string][]proxy.Endpoint) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	return 0, nil
}
