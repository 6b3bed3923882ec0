package kubeproxy

import (
	"context"
	"errors"
	"strings"
	"sync"

	"minik8s/kubeproxy/iptables"
)

// FakeFirewall is a Firewall for tests: it records the payloads and keeps
// the nat chains a real restore would leave.
type FakeFirewall struct {
	mu        sync.Mutex
	payloads  [][]byte
	jumps     int
	chains    map[string]bool // nat chains
	failNext  error
	saveError error
}

var _ Firewall = (*FakeFirewall)(nil)

// NewFakeFirewall returns a FakeFirewall whose nat table has existing.
func NewFakeFirewall(existing ...string) *FakeFirewall {
	f := &FakeFirewall{chains: map[string]bool{}}
	for _, c := range existing {
		f.chains[c] = true
	}
	return f
}

// Restore implements Firewall.
func (f *FakeFirewall) Restore(_ context.Context, payload []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.failNext; err != nil {
		f.failNext = nil
		return err
	}
	f.payloads = append(f.payloads, payload)
	nat := false
	for _, l := range strings.Split(string(payload), "\n") {
		switch {
		case l == "*nat":
			nat = true
		case l == "*filter":
			nat = false
		case nat && len(l) > 1 && l[0] == ':':
			f.chains[strings.Fields(l[1:])[0]] = true
		case nat && len(l) > 3 && l[:3] == "-X ":
			delete(f.chains, l[3:])
		}
	}
	return nil
}

// SaveChains implements Firewall (nat only).
func (f *FakeFirewall) SaveChains(_ context.Context, table string) ([]string, error) {
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

// EnsureJumps implements Firewall (it counts the calls).
func (f *FakeFirewall) EnsureJumps(_ context.Context, jumps []iptables.Jump) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.jumps++
	return nil
}

// Last returns the last payload restored ("" if none).
func (f *FakeFirewall) Last() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.payloads) == 0 {
		return ""
	}
	return string(f.payloads[len(f.payloads)-1])
}

// Restores returns how many payloads were restored.
func (f *FakeFirewall) Restores() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.payloads)
}

// Chains returns the nat chains now present.
func (f *FakeFirewall) Chains() map[string]bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]bool, len(f.chains))
	for c := range f.chains {
		out[c] = true
	}
	return out
}

// FailNext makes the next Restore fail with err.
func (f *FakeFirewall) FailNext(err error) {
	f.mu.Lock()
	f.failNext = err
	f.mu.Unlock()
}

// JumpChecks returns how many times EnsureJumps ran (one per full sync).
func (f *FakeFirewall) JumpChecks() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.jumps
}
