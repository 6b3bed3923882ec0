package conntrack

import (
	"context"
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"minik8s/kubeproxy/proxy"
)

// Cleaner clears stale UDP conntrack entries.
type Cleaner interface {
	// CleanStale deletes the entries Stale picks for the current ports
	// and endpoints and returns how many went.
	CleanStale(ctx context.Context, ports []proxy.ServicePort, endpoints map[string][]proxy.Endpoint) (int, error)
}

// Netlink is the Cleaner of the process's network namespace.
type Netlink struct{}

var _ Cleaner = Netlink{}

// CleanStale implements Cleaner.
func (Netlink) CleanStale(_ context.Context, ports []proxy.ServicePort, endpoints map[string][]proxy.Endpoint) (int, error) {
	flows, err := netlink.ConntrackTableList(netlink.ConntrackTable, unix.AF_INET)
	if err != nil && len(flows) == 0 {
		return 0, fmt.Errorf("list conntrack entries: %w", err)
	}
	entries := make([]Entry, 0, len(flows))
	for _, f := range flows {
		entries = append(entries, entryOf(f))
	}
	stale := Stale(entries, ports, endpoints)
	if len(stale) == 0 {
		return 0, nil
	}
	filters := make([]netlink.CustomConntrackFilter, 0, len(stale))
	for _, e := range stale {
		filters = append(filters, exact(e))
	}
	n, err := netlink.ConntrackDeleteFilters(netlink.ConntrackTable, unix.AF_INET, filters...)
	if err != nil {
		return int(n), fmt.Errorf("delete %d conntrack entries: %w", len(stale), err)
	}
	return int(n), nil
}

func entryOf(f *netlink.ConntrackFlow) Entry {
	return Entry{
		Proto:        f.Forward.Protocol,
		OrigDst:      addr(f.Forward.DstIP),
		OrigDstPort:  f.Forward.DstPort,
		ReplySrc:     addr(f.Reverse.SrcIP),
		ReplySrcPort: f.Reverse.SrcPort,
	}
}

func addr(ip net.IP) netip.Addr {
	a, _ := netip.AddrFromSlice(ip)
	return a.Unmap()
}

// exact matches the flows with e's tuple.
type exact Entry

// MatchConntrackFlow implements netlink.CustomConntrackFilter.
func (e exact) MatchConntrackFlow(f *netlink.ConntrackFlow) bool {
	return entryOf(f) == Entry(e)
}
