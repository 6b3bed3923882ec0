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
// checks (a full sync whose saves failed) and able to fail a restore or a
// save. It keeps the rules a payload inserts in built-in chains ("-I
// CHAIN 1 ...") and shows them in Save as iptables-save would.
type testFW struct {
	*pkgiptables.Fake
	jumps     int
	failNext  error
	saveError error
	inserted  map[string][]string // table -> "-A CHAIN ..." lines
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
	if err := f.Fake.Restore(ctx, payload); err != nil {
		return err
	}
	table := ""
	for _, l := range strings.Split(string(payload), "\n") {
		if strings.HasPrefix(l, "*") {
			table = l[1:]
		}
		if fs := strings.SplitN(l, " ", 4); len(fs) == 4 && fs[0] == "-I" && fs[2] == "1" {
			if f.inserted == nil {
				f.inserted = map[string][]string{}
			}
			f.inserted[table] = append([]string{"-A " + fs[1] + " " + fs[3]}, f.inserted[table]...)
		}
	}
	return nil
}

// insertedCount is how many times line was inserted in table.
func (f *testFW) insertedCount(table, line string) int {
	n := 0
	for _, l := range f.inserted[table] {
		if l == line {
			n++
		}
	}
	return n
}

func (f *testFW) Save(ctx context.Context, table string) ([]byte, error) {
	if f.saveError != nil {
		return nil, f.saveError
	}
	save, err := f.Fake.Save(ctx, table)
	if err != nil || len(f.inserted[table]) == 0 {
		return save, err
	}
	rules := strings.Join(f.inserted[table], "\n") + "\nCOMMIT\n"
	return []byte(strings.Replace(string(save), "COMMIT\n", rules, 1)), nil
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
