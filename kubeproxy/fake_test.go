package kubeproxy

import (
	"context"
	"errors"
	"sync"

	"minik8s/kubeproxy/iptables"
	"minik8s/kubeproxy/proxy"
)

// fakeFirewall records what a proxier writes and keeps the nat chains a
// real restore would leave.
type fakeFirewall struct {
	mu        sync.Mutex
	payloads  [][]byte
	jumps     int
	chains    map[string]bool // nat chains
	failNext  error
	saveError error
}

var _ Firewall = (*fakeFirewall)(nil)

func newFakeFirewall(existing ...string) *fakeFirewall {
	f := &fakeFirewall{chains: map[string]bool{}}
	for _, c := range existing {
		f.chains[c] = true
	}
	return f
}

func (f *fakeFirewall) Restore(_ context.Context, payload []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.failNext; err != nil {
		f.failNext = nil
		return err
	}
	f.payloads = append(f.payloads, payload)
	nat := false
	for _, l := range splitLines(payload) {
		switch {
		case l == "*nat":
			nat = true
		case l == "*filter":
			nat = false
		case nat && len(l) > 1 && l[0] == ':':
			f.chains[fields(l[1:])[0]] = true
		case nat && len(l) > 3 && l[:3] == "-X ":
			delete(f.chains, l[3:])
		}
	}
	return nil
}

func (f *fakeFirewall) SaveChains(_ context.Context, table string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.saveError != nil {
		return nil, f.saveError
	}
	if table != "nat" {
		return nil, errors.New("fake: nat only")
	}
	var out []string
	for c := range f.chains {
		out = append(out, c)
	}
	return out, nil
}

func (f *fakeFirewall) EnsureJumps(_ context.Context, jumps []iptables.Jump) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.jumps++
	return nil
}

func (f *fakeFirewall) last() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.payloads) == 0 {
		return ""
	}
	return string(f.payloads[len(f.payloads)-1])
}

func (f *fakeFirewall) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.payloads)
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

func splitLines(b []byte) []string {
	var out []string
	start := 0
	for i, c := range b {
		if c == '\n' {
			out = append(out, string(b[start:i]))
			start = i + 1
		}
	}
	return out
}

func fields(s string) []string {
	var out []string
	cur := ""
	for _, r := range s {
		if r == ' ' {
			if cur != "" {
				out = append(out, cur)
			}
			cur = ""
			continue
		}
		cur += string(r)
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}
