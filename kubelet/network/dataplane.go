package network

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Dataplane is the netlink seam: links, addresses, routes, neighbours and
// FDB entries of the node's network namespace (the one the process is in).
type Dataplane interface {
	// Uplink returns the uplink's MTU and its first IPv4 address.
	Uplink(name string) (mtu int, ip netip.Addr, err error)
	// EnsureBridge makes the bridge exist, up, with exactly the address gw
	// (e.g. 10.244.1.1/24) and the MTU.
	EnsureBridge(name string, gw netip.Prefix, mtu int) error
	// EnsureVXLAN makes flannel.1 exist with VNI 1, UDP 8472, local ip on
	// uplink, learning off, the address vtep/32, the MTU, up; it returns the
	// device's MAC.
	EnsureVXLAN(uplink string, local, vtep netip.Addr, mtu int) (mac string, err error)
	// DeleteVXLAN removes flannel.1 if it exists.
	DeleteVXLAN() error
	// Actual reads the state the agent owns: routes, permanent neighbours
	// and FDB entries on flannel.1, and routes into cluster on the uplink.
	Actual(uplink string, cluster netip.Prefix) (State, error)
	// Apply makes the changes, deletions first, and returns every failure.
	Apply(c Changes) error
}

// Netlink is the Dataplane of the real kernel.
type Netlink struct{}

var _ Dataplane = Netlink{}

func toNetIP(a netip.Addr) net.IP { return net.IP(a.AsSlice()) }

func toIPNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: toNetIP(p.Addr()), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}

func fromIPNet(n *net.IPNet) (netip.Prefix, bool) {
	if n == nil {
		return netip.Prefix{}, false
	}
	a, ok := netip.AddrFromSlice(n.IP)
	if !ok {
		return netip.Prefix{}, false
	}
	ones, _ := n.Mask.Size()
	return netip.PrefixFrom(a.Unmap(), ones), true
}

func fromIP(ip net.IP) (netip.Addr, bool) {
	a, ok := netip.AddrFromSlice(ip)
	return a.Unmap(), ok
}

func isNotFound(err error) bool {
	var nf netlink.LinkNotFoundError
	return errors.As(err, &nf)
}

// Uplink implements Dataplane.
func (Netlink) Uplink(name string) (int, netip.Addr, error) {
	l, err := netlink.LinkByName(name)
	if err != nil {
		return 0, netip.Addr{}, fmt.Errorf("uplink %s: %w", name, err)
	}
	addrs, err := netlink.AddrList(l, netlink.FAMILY_V4)
	if err != nil {
		return 0, netip.Addr{}, fmt.Errorf("addresses of %s: %w", name, err)
	}
	for _, a := range addrs {
		if ip, ok := fromIP(a.IP); ok && ip.Is4() {
			return l.Attrs().MTU, ip, nil
		}
	}
	return l.Attrs().MTU, netip.Addr{}, nil
}

// ensureAddr makes p the only IPv4 address of l.
func ensureAddr(l netlink.Link, p netip.Prefix) error {
	addrs, err := netlink.AddrList(l, netlink.FAMILY_V4)
	if err != nil {
		return fmt.Errorf("addresses of %s: %w", l.Attrs().Name, err)
	}
	found := false
	for _, a := range addrs {
		if got, ok := fromIPNet(a.IPNet); ok && got == p {
			found = true
			continue
		}
		if err := netlink.AddrDel(l, &a); err != nil {
			return fmt.Errorf("removing %s from %s: %w", a.IPNet, l.Attrs().Name, err)
		}
	}
	if !found {
		if err := netlink.AddrAdd(l, &netlink.Addr{IPNet: toIPNet(p)}); err != nil {
			return fmt.Errorf("adding %s to %s: %w", p, l.Attrs().Name, err)
		}
	}
	return nil
}

func ensureUp(l netlink.Link, mtu int) error {
	if mtu > 0 && l.Attrs().MTU != mtu {
		if err := netlink.LinkSetMTU(l, mtu); err != nil {
			return fmt.Errorf("mtu %d on %s: %w", mtu, l.Attrs().Name, err)
		}
	}
	if l.Attrs().Flags&net.FlagUp == 0 {
		if err := netlink.LinkSetUp(l); err != nil {
			return fmt.Errorf("setting %s up: %w", l.Attrs().Name, err)
		}
	}
	return nil
}

// EnsureBridge implements Dataplane.
func (Netlink) EnsureBridge(name string, gw netip.Prefix, mtu int) error {
	l, err := netlink.LinkByName(name)
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("bridge %s: %w", name, err)
	}
	if l != nil && l.Type() != "bridge" {
		return fmt.Errorf("%s exists and is a %s, not a bridge", name, l.Type())
	}
	if l == nil {
		br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: name, MTU: mtu, TxQLen: -1}}
		if err := netlink.LinkAdd(br); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("creating bridge %s: %w", name, err)
		}
		if l, err = netlink.LinkByName(name); err != nil {
			return fmt.Errorf("bridge %s: %w", name, err)
		}
	}
	// IPv6 is not part of the pod network; a bridge without it sends no
	// router solicitations (tolerate kernels without IPv6).
	_ = os.WriteFile("/proc/sys/net/ipv6/conf/"+name+"/disable_ipv6", []byte("1"), 0o644)
	if err := ensureAddr(l, gw); err != nil {
		return err
	}
	return ensureUp(l, mtu)
}

// EnsureVXLAN implements Dataplane, like flannel's ensureLink: an existing
// device with other settings is deleted and re-created.
func (Netlink) EnsureVXLAN(uplink string, local, vtep netip.Addr, mtu int) (string, error) {
	up, err := netlink.LinkByName(uplink)
	if err != nil {
		return "", fmt.Errorf("uplink %s: %w", uplink, err)
	}
	want := &netlink.Vxlan{
		LinkAttrs:    netlink.LinkAttrs{Name: VXLANDevice, MTU: mtu, TxQLen: -1},
		VxlanId:      VXLANID,
		VtepDevIndex: up.Attrs().Index,
		SrcAddr:      toNetIP(local),
		Port:         VXLANPort,
		Learning:     false,
	}
	l, err := netlink.LinkByName(VXLANDevice)
	if err != nil && !isNotFound(err) {
		return "", fmt.Errorf("%s: %w", VXLANDevice, err)
	}
	if l != nil {
		v, ok := l.(*netlink.Vxlan)
		if !ok || v.VxlanId != want.VxlanId || v.VtepDevIndex != want.VtepDevIndex || !v.SrcAddr.Equal(want.SrcAddr) || v.Port != want.Port || v.Learning {
			if err := netlink.LinkDel(l); err != nil {
				return "", fmt.Errorf("deleting the incompatible %s: %w", VXLANDevice, err)
			}
			l = nil
		}
	}
	if l == nil {
		if err := netlink.LinkAdd(want); err != nil {
			return "", fmt.Errorf("creating %s: %w", VXLANDevice, err)
		}
		if l, err = netlink.LinkByName(VXLANDevice); err != nil {
			return "", fmt.Errorf("%s: %w", VXLANDevice, err)
		}
	}
	_ = os.WriteFile("/proc/sys/net/ipv6/conf/"+VXLANDevice+"/disable_ipv6", []byte("1"), 0o644)
	if err := ensureAddr(l, netip.PrefixFrom(vtep, 32)); err != nil {
		return "", err
	}
	if err := ensureUp(l, mtu); err != nil {
		return "", err
	}
	return l.Attrs().HardwareAddr.String(), nil
}

// DeleteVXLAN implements Dataplane.
func (Netlink) DeleteVXLAN() error {
	l, err := netlink.LinkByName(VXLANDevice)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", VXLANDevice, err)
	}
	if err := netlink.LinkDel(l); err != nil {
		return fmt.Errorf("deleting %s: %w", VXLANDevice, err)
	}
	return nil
}

func routesOf(l netlink.Link, keep func(netip.Prefix) bool) ([]Route, error) {
	rs, err := netlink.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{LinkIndex: l.Attrs().Index, Table: unix.RT_TABLE_MAIN},
		netlink.RT_FILTER_OIF|netlink.RT_FILTER_TABLE)
	if err != nil {
		return nil, fmt.Errorf("routes of %s: %w", l.Attrs().Name, err)
	}
	var out []Route
	for _, r := range rs {
		dst, ok := fromIPNet(r.Dst)
		gw, gok := fromIP(r.Gw)
		if !ok || !gok || !keep(dst) {
			continue
		}
		out = append(out, Route{Dst: dst, Gw: gw, Dev: l.Attrs().Name, Onlink: r.Flags&int(netlink.FLAG_ONLINK) != 0})
	}
	return out, nil
}

// Actual implements Dataplane.
func (Netlink) Actual(uplink string, cluster netip.Prefix) (State, error) {
	var s State
	up, err := netlink.LinkByName(uplink)
	if err != nil {
		return s, fmt.Errorf("uplink %s: %w", uplink, err)
	}
	inCluster := func(p netip.Prefix) bool { return p.Bits() >= cluster.Bits() && cluster.Contains(p.Addr()) }
	if s.Routes, err = routesOf(up, inCluster); err != nil {
		return s, err
	}
	vx, err := netlink.LinkByName(VXLANDevice)
	if isNotFound(err) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("%s: %w", VXLANDevice, err)
	}
	rs, err := routesOf(vx, func(netip.Prefix) bool { return true })
	if err != nil {
		return s, err
	}
	s.Routes = append(s.Routes, rs...)
	ns, err := netlink.NeighList(vx.Attrs().Index, netlink.FAMILY_V4)
	if err != nil {
		return s, fmt.Errorf("neighbours of %s: %w", VXLANDevice, err)
	}
	for _, n := range ns {
		ip, ok := fromIP(n.IP)
		if !ok || n.State&netlink.NUD_PERMANENT == 0 || len(n.HardwareAddr) == 0 {
			continue // the kernel's own entries
		}
		s.Neighs = append(s.Neighs, Neigh{IP: ip, MAC: n.HardwareAddr.String(), Dev: VXLANDevice})
	}
	fdbs, err := netlink.NeighList(vx.Attrs().Index, unix.AF_BRIDGE)
	if err != nil {
		return s, fmt.Errorf("fdb of %s: %w", VXLANDevice, err)
	}
	for _, f := range fdbs {
		ip, ok := fromIP(f.IP)
		if !ok || !ip.Is4() || len(f.HardwareAddr) == 0 {
			continue
		}
		s.FDBs = append(s.FDBs, FDB{MAC: f.HardwareAddr.String(), Dst: ip, Dev: VXLANDevice})
	}
	return s, nil
}

func linkIndex(name string) (int, error) {
	l, err := netlink.LinkByName(name)
	if err != nil {
		return 0, fmt.Errorf("link %s: %w", name, err)
	}
	return l.Attrs().Index, nil
}

func (r Route) netlink(idx int) *netlink.Route {
	nr := &netlink.Route{LinkIndex: idx, Dst: toIPNet(r.Dst), Gw: toNetIP(r.Gw), Scope: netlink.SCOPE_UNIVERSE, Table: unix.RT_TABLE_MAIN}
	if r.Onlink {
		nr.Flags = int(netlink.FLAG_ONLINK)
	}
	return nr
}

// Apply implements Dataplane.
func (Netlink) Apply(c Changes) error {
	var errs []error
	idx := map[string]int{}
	index := func(dev string) (int, bool) {
		if i, ok := idx[dev]; ok {
			return i, true
		}
		i, err := linkIndex(dev)
		if err != nil {
			errs = append(errs, err)
			return 0, false
		}
		idx[dev] = i
		return i, true
	}
	for _, r := range c.DelRoutes {
		if i, ok := index(r.Dev); ok {
			if err := netlink.RouteDel(r.netlink(i)); err != nil && !errors.Is(err, unix.ESRCH) {
				errs = append(errs, fmt.Errorf("del route %s: %w", r, err))
			}
		}
	}
	for _, n := range c.DelNeighs {
		if i, ok := index(n.Dev); ok {
			if err := netlink.NeighDel(&netlink.Neigh{LinkIndex: i, Family: netlink.FAMILY_V4, IP: toNetIP(n.IP)}); err != nil && !errors.Is(err, unix.ENOENT) {
				errs = append(errs, fmt.Errorf("del neigh %s: %w", n, err))
			}
		}
	}
	for _, f := range c.DelFDBs {
		if i, ok := index(f.Dev); ok {
			mac, _ := net.ParseMAC(f.MAC)
			err := netlink.NeighDel(&netlink.Neigh{LinkIndex: i, Family: unix.AF_BRIDGE, Flags: netlink.NTF_SELF, IP: toNetIP(f.Dst), HardwareAddr: mac})
			if err != nil && !errors.Is(err, unix.ENOENT) {
				errs = append(errs, fmt.Errorf("del fdb %s: %w", f, err))
			}
		}
	}
	// Neighbours and FDB entries before the routes that use them.
	for _, n := range c.SetNeighs {
		if i, ok := index(n.Dev); ok {
			mac, err := net.ParseMAC(n.MAC)
			if err == nil {
				err = netlink.NeighSet(&netlink.Neigh{LinkIndex: i, Family: netlink.FAMILY_V4, State: netlink.NUD_PERMANENT, Type: unix.RTN_UNICAST, IP: toNetIP(n.IP), HardwareAddr: mac})
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("set neigh %s: %w", n, err))
			}
		}
	}
	for _, f := range c.SetFDBs {
		if i, ok := index(f.Dev); ok {
			mac, err := net.ParseMAC(f.MAC)
			if err == nil {
				err = netlink.NeighSet(&netlink.Neigh{LinkIndex: i, Family: unix.AF_BRIDGE, State: netlink.NUD_PERMANENT, Flags: netlink.NTF_SELF, IP: toNetIP(f.Dst), HardwareAddr: mac})
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("set fdb %s: %w", f, err))
			}
		}
	}
	for _, r := range c.SetRoutes {
		if i, ok := index(r.Dev); ok {
			if err := netlink.RouteReplace(r.netlink(i)); err != nil {
				errs = append(errs, fmt.Errorf("set route %s: %w", r, err))
			}
		}
	}
	return errors.Join(errs...)
}
