package network

import (
	"fmt"
	"net/netip"
	"sync"

	"minik8s/pkg/iptables"
)

// FakeDataplane is an in-memory Dataplane for tests: Apply edits its State.
type FakeDataplane struct {
	mu        sync.Mutex
	UplinkMTU int
	UplinkIP  netip.Addr
	MAC       string // what EnsureVXLAN returns
	Bridges   map[string]netip.Prefix
	BridgeMTU map[string]int
	VXLAN     bool // flannel.1 exists
	State     State
	Applied   int // Apply calls
}

var _ Dataplane = (*FakeDataplane)(nil)

// NewFakeDataplane returns a fake with an uplink of MTU 1500 and address ip.
func NewFakeDataplane(ip string) *FakeDataplane {
	return &FakeDataplane{UplinkMTU: 1500, UplinkIP: netip.MustParseAddr(ip), MAC: "0a:58:0a:f4:00:01",
		Bridges: map[string]netip.Prefix{}, BridgeMTU: map[string]int{}}
}

// Snapshot returns a copy of the state.
func (f *FakeDataplane) Snapshot() State {
	f.mu.Lock()
	defer f.mu.Unlock()
	return State{
		Routes: append([]Route(nil), f.State.Routes...),
		Neighs: append([]Neigh(nil), f.State.Neighs...),
		FDBs:   append([]FDB(nil), f.State.FDBs...),
	}
}

// Edit runs fn on the state under the lock (a test deleting "by hand").
func (f *FakeDataplane) Edit(fn func(s *State)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(&f.State)
}

// Bridge returns the bridge's address and MTU.
func (f *FakeDataplane) Bridge(name string) (netip.Prefix, int, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.Bridges[name]
	return p, f.BridgeMTU[name], ok
}

// Uplink implements Dataplane.
func (f *FakeDataplane) Uplink(string) (int, netip.Addr, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.UplinkMTU, f.UplinkIP, nil
}

// EnsureBridge implements Dataplane.
func (f *FakeDataplane) EnsureBridge(name string, gw netip.Prefix, mtu int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Bridges[name], f.BridgeMTU[name] = gw, mtu
	return nil
}

// EnsureVXLAN implements Dataplane.
func (f *FakeDataplane) EnsureVXLAN(string, netip.Addr, netip.Addr, int) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.VXLAN = true
	return f.MAC, nil
}

// DeleteVXLAN implements Dataplane: the device's routes, neighbours and FDB
// entries go with it.
func (f *FakeDataplane) DeleteVXLAN() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.VXLAN = false
	var keep []Route
	for _, r := range f.State.Routes {
		if r.Dev != VXLANDevice {
			keep = append(keep, r)
		}
	}
	f.State = State{Routes: keep}
	return nil
}

// Actual implements Dataplane.
func (f *FakeDataplane) Actual(string, netip.Prefix) (State, error) { return f.Snapshot(), nil }

// Apply implements Dataplane.
func (f *FakeDataplane) Apply(c Changes) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Applied++
	s := &f.State
	for _, d := range c.DelRoutes {
		s.Routes = remove(s.Routes, func(r Route) bool { return r == d })
	}
	for _, d := range c.DelNeighs {
		s.Neighs = remove(s.Neighs, func(n Neigh) bool { return n.IP == d.IP && n.Dev == d.Dev })
	}
	for _, d := range c.DelFDBs {
		s.FDBs = remove(s.FDBs, func(x FDB) bool { return x == d })
	}
	for _, n := range c.SetNeighs {
		if n.Dev == VXLANDevice && !f.VXLAN {
			return fmt.Errorf("set neigh %s: no such device", n)
		}
		s.Neighs = append(remove(s.Neighs, func(x Neigh) bool { return x.IP == n.IP && x.Dev == n.Dev }), n)
	}
	for _, x := range c.SetFDBs {
		s.FDBs = append(remove(s.FDBs, func(y FDB) bool { return y.MAC == x.MAC && y.Dev == x.Dev }), x)
	}
	for _, r := range c.SetRoutes {
		s.Routes = append(remove(s.Routes, func(x Route) bool { return x.Dst == r.Dst && x.Dev == r.Dev }), r)
	}
	return nil
}

func remove[T any](xs []T, drop func(T) bool) []T {
	var out []T
	for _, x := range xs {
		if !drop(x) {
			out = append(out, x)
		}
	}
	return out
}

// FakeFirewall records what the agent writes (pkg/iptables' Fake).
type FakeFirewall = iptables.Fake

// FakeSysctl records the settings.
type FakeSysctl struct {
	mu   sync.Mutex
	Vals map[string]string
}

// Set implements Sysctl.
func (f *FakeSysctl) Set(key, value string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.Vals == nil {
		f.Vals = map[string]string{}
	}
	f.Vals[key] = value
	return nil
}

// Get returns a setting.
func (f *FakeSysctl) Get(key string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.Vals[key]
}
