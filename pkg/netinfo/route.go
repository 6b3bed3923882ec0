package netinfo

import (
	"fmt"
	"net"
)

// Routing tables the lookup reads, in the order of the kernel's default
// rules (ip rule: 0 local, 32766 main, 32767 default).
const (
	TableLocal   = 255
	TableMain    = 254
	TableDefault = 253
)

// RouteGet decides where dst goes as `ip route get` does with the default
// policy rules: the local table, then main, then default; in each the
// longest matching prefix, then the lowest metric. Routes of other tables
// are ignored. It fails when nothing matches (network unreachable) or the
// match is an unreachable, blackhole or prohibit route.
func RouteGet(routes []Route, dst string) (Route, error) {
	ip := net.ParseIP(dst).To4()
	if ip == nil {
		return Route{}, fmt.Errorf("route to %q: not an IPv4 address", dst)
	}
	for _, table := range []int{TableLocal, TableMain, TableDefault} {
		best, bestLen := -1, -1
		for i, r := range routes {
			if r.Table != table && !(table == TableMain && r.Table == 0) {
				continue
			}
			d := r.Dst
			if d == "default" || d == "" {
				d = "0.0.0.0/0"
			}
			_, n, err := net.ParseCIDR(d)
			if err != nil || !n.Contains(ip) {
				continue
			}
			ones, _ := n.Mask.Size()
			if ones > bestLen || ones == bestLen && r.Metric < routes[best].Metric {
				best, bestLen = i, ones
			}
		}
		if best < 0 {
			continue
		}
		r := routes[best]
		switch r.Type {
		case "unreachable", "blackhole", "prohibit":
			return r, fmt.Errorf("route to %s: %s route %s", dst, r.Type, r.Dst)
		}
		return r, nil
	}
	return Route{}, fmt.Errorf("route to %s: network is unreachable", dst)
}
