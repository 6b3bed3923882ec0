package iptables

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Fake is an in-memory Interface for tests: it records every payload and
// jump, and keeps the chains of each table as iptables-restore --noflush
// would (a declared chain exists, "-X CHAIN" deletes it).
type Fake struct {
	mu       sync.Mutex
	Payloads [][]byte
	Jumps    map[string]bool // Jump.Key()
	// FailRestore, if set, is returned by Restore (nothing is recorded).
	FailRestore error
	// Kind is what Backend reports (Legacy if empty).
	Kind   Backend
	tables map[string]map[string]bool
}

var _ Interface = (*Fake)(nil)

// Key is how Fake.Jumps names a jump.
func (j Jump) Key() string { return fmt.Sprint(j.Table, "/", j.Chain, "/", j.Rule) }

// Backend implements Interface.
func (f *Fake) Backend() Backend {
	if f.Kind == "" {
		return Legacy
	}
	return f.Kind
}

// Last is the last payload written ("" if none).
func (f *Fake) Last() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.Payloads) == 0 {
		return ""
	}
	return string(f.Payloads[len(f.Payloads)-1])
}

// Writes is the number of payloads written.
func (f *Fake) Writes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.Payloads)
}

// Restore implements Interface.
func (f *Fake) Restore(_ context.Context, payload []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.FailRestore != nil {
		return f.FailRestore
	}
	f.Payloads = append(f.Payloads, append([]byte(nil), payload...))
	if f.tables == nil {
		f.tables = map[string]map[string]bool{}
	}
	var cur map[string]bool
	for _, line := range strings.Split(string(payload), "\n") {
		switch {
		case strings.HasPrefix(line, "*"):
			t := strings.TrimSpace(line[1:])
			if f.tables[t] == nil {
				f.tables[t] = map[string]bool{}
			}
			cur = f.tables[t]
		case cur == nil:
		case strings.HasPrefix(line, ":"):
			if fs := strings.Fields(line[1:]); len(fs) > 0 {
				cur[fs[0]] = true
			}
		case strings.HasPrefix(line, "-X "):
			delete(cur, strings.TrimSpace(line[3:]))
		}
	}
	return nil
}

// Save implements Interface: the table's chains (no rules).
func (f *Fake) Save(ctx context.Context, table string) ([]byte, error) {
	chains, _ := f.Chains(ctx, table)
	var b strings.Builder
	fmt.Fprintf(&b, "*%s\n", table)
	for _, c := range chains {
		fmt.Fprintf(&b, ":%s - [0:0]\n", c)
	}
	b.WriteString("COMMIT\n")
	return []byte(b.String()), nil
}

// Chains implements Interface (sorted).
func (f *Fake) Chains(_ context.Context, table string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for c := range f.tables[table] {
		out = append(out, c)
	}
	sort.Strings(out)
	return out, nil
}

// EnsureJump implements Interface.
func (f *Fake) EnsureJump(_ context.Context, j Jump) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.Jumps == nil {
		f.Jumps = map[string]bool{}
	}
	f.Jumps[j.Key()] = true
	return nil
}

// DeleteJump implements Interface.
func (f *Fake) DeleteJump(_ context.Context, j Jump) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.Jumps, j.Key())
	return nil
}
