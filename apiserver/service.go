package apiserver

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"minik8s/pkg/api"
	"minik8s/pkg/api/validation"
)

// serviceAllocator describes the service ClusterIP range and NodePort
// range; the allocations themselves live in etcd (alloc.go).
type serviceAllocator struct {
	base       uint32 // network address of the service CIDR
	size       uint32 // number of addresses in it
	portLo     int32
	portHi     int32
	cidrString string

	leaks leakCounter // the repair loop's memory of unused allocations
}

func newServiceAllocator(cidr, portRange string) (*serviceAllocator, error) {
	_, n, err := net.ParseCIDR(cidr)
	if err != nil || n.IP.To4() == nil {
		return nil, fmt.Errorf("service cluster IP range %q: want an IPv4 CIDR", cidr)
	}
	ones, bits := n.Mask.Size()
	if bits-ones < 2 || bits-ones > 24 {
		return nil, fmt.Errorf("service cluster IP range %q: prefix must be /8 to /30", cidr)
	}
	lo, hi, ok := strings.Cut(portRange, "-")
	l, err1 := strconv.Atoi(lo)
	h, err2 := strconv.Atoi(hi)
	if !ok || err1 != nil || err2 != nil || l < 1 || h > 65535 || l > h {
		return nil, fmt.Errorf("service node port range %q: want low-high", portRange)
	}
	return &serviceAllocator{base: binary.BigEndian.Uint32(n.IP.To4()), size: 1 << (bits - ones),
		portLo: int32(l), portHi: int32(h), cidrString: cidr}, nil
}

func (a *serviceAllocator) contains(ip net.IP) bool {
	v4 := ip.To4()
	if v4 == nil {
		return false
	}
	v := binary.BigEndian.Uint32(v4)
	return v > a.base && v < a.base+a.size-1
}

func (a *serviceAllocator) ipAt(off uint32) string {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], a.base+off)
	return net.IP(b[:]).String()
}

// portRange is the NodePort range as Kubernetes prints it ("30000-32767").
func (a *serviceAllocator) portRange() string {
	return fmt.Sprintf("%d-%d", a.portLo, a.portHi)
}

// ipOffset is the offset of ip in the service CIDR, or -1 when ip is not
// an allocatable address of it.
func (a *serviceAllocator) ipOffset(ip string) int {
	p := net.ParseIP(ip)
	if p == nil || !a.contains(p) {
		return -1
	}
	return int(binary.BigEndian.Uint32(p.To4()) - a.base)
}

// Offsets 1 and 10 (the kubernetes service, the cluster DNS) are never
// picked at random: they are for static assignment.
var reservedIPOffsets = map[int]bool{1: true, 10: true}

// serviceClaims are the offsets a service holds in the two ranges.
type serviceClaims struct {
	ips   []int // offsets in the service CIDR
	ports []int // offsets in the NodePort range
}

// claimsOf lists what svc holds (nil: nothing). Values outside the ranges
// are not claims (validation refuses them on create).
func (a *serviceAllocator) claimsOf(svc *api.Service) serviceClaims {
	var c serviceClaims
	if svc == nil {
		return c
	}
	sp := &svc.Spec
	if sp.Type != api.ServiceTypeExternalName && sp.ClusterIP != "" && sp.ClusterIP != "None" {
		if off := a.ipOffset(sp.ClusterIP); off >= 0 {
			c.ips = append(c.ips, off)
		}
	}
	seen := map[int32]bool{}
	for _, p := range sp.Ports {
		if p.NodePort >= a.portLo && p.NodePort <= a.portHi && !seen[p.NodePort] {
			seen[p.NodePort] = true
			c.ports = append(c.ports, int(p.NodePort-a.portLo))
		}
	}
	return c
}

// minus returns the offsets of xs that are not in ys.
func minus(xs, ys []int) []int {
	var out []int
	for _, x := range xs {
		found := false
		for _, y := range ys {
			found = found || x == y
		}
		if !found {
			out = append(out, x)
		}
	}
	return out
}

// allocateService fills in the ClusterIP and NodePorts of a new service
// (old nil) or of an updated one (old: kept values carry over) and reserves
// in etcd what svc holds beyond old, atomically (alloc.go). If the write of
// svc then fails the caller gives them back with
// s.releaseAllocations(ctx, svc, old); once the write succeeded it frees
// what old held and svc no longer does with s.releaseAllocations(ctx, old,
// svc). A reservation the caller never writes nor releases (a crash) is
// freed by the repair loop.
func (s *Server) allocateService(ctx context.Context, svc, old *api.Service) error {
	info, _ := api.ForResource("", "v1", "services")
	invalid := func(e *validation.FieldError) error {
		return errInvalid(info, svc.Name, validation.ErrorList{e})
	}
	sp := &svc.Spec
	if sp.Type == "" {
		sp.Type = api.ServiceTypeClusterIP
	}
	if old != nil && sp.ClusterIP == "" && sp.Type != api.ServiceTypeExternalName {
		sp.ClusterIP, sp.ClusterIPs = old.Spec.ClusterIP, old.Spec.ClusterIPs
	}
	oldClaims := s.alloc.claimsOf(old)
	var newIP []int // the offset this call reserved, to undo on failure
	switch {
	case sp.Type == api.ServiceTypeExternalName:
		sp.ClusterIP, sp.ClusterIPs = "", nil
	case sp.ClusterIP == "None":
		sp.ClusterIPs = []string{"None"}
	case sp.ClusterIP == "":
		off, err := s.reserveIP(ctx, -1)
		if err != nil {
			return err
		}
		newIP = []int{off}
		sp.ClusterIP = s.alloc.ipAt(uint32(off))
		sp.ClusterIPs = []string{sp.ClusterIP}
	default:
		sp.ClusterIPs = []string{sp.ClusterIP}
		off := s.alloc.ipOffset(sp.ClusterIP)
		if off < 0 {
			return invalid(validation.Invalid("spec.clusterIPs", sp.ClusterIPs, fmt.Sprintf("failed to allocate IP %s: the provided IP (%s) is not in the valid range. The range of valid IPs is %s", sp.ClusterIP, sp.ClusterIP, s.alloc.cidrString)))
		}
		if len(minus([]int{off}, oldClaims.ips)) > 0 {
			if _, err := s.reserveIP(ctx, off); errors.Is(err, errAllocated) {
				return invalid(validation.Invalid("spec.clusterIPs", sp.ClusterIPs, fmt.Sprintf("failed to allocate IP %s: provided IP is already allocated", sp.ClusterIP)))
			} else if err != nil {
				return err
			}
			newIP = []int{off}
		}
	}
	if sp.Type != api.ServiceTypeExternalName {
		if len(sp.IPFamilies) == 0 {
			sp.IPFamilies = []string{"IPv4"}
		}
		if sp.IPFamilyPolicy == nil {
			single := "SingleStack"
			sp.IPFamilyPolicy = &single
		}
	}
	if err := s.allocateNodePorts(ctx, svc, old, oldClaims); err != nil {
		if len(newIP) > 0 {
			s.releaseOffsets(ctx, serviceClaims{ips: newIP})
		}
		return err
	}
	return nil
}

// allocateNodePorts carries over, checks and picks the NodePorts of svc
// and reserves the new ones in one compare-and-swap.
func (s *Server) allocateNodePorts(ctx context.Context, svc, old *api.Service, oldClaims serviceClaims) error {
	info, _ := api.ForResource("", "v1", "services")
	sp := &svc.Spec
	wantNodePorts := sp.Type == api.ServiceTypeNodePort || sp.Type == api.ServiceTypeLoadBalancer
	var specific []int // requested offsets not held by old
	var pick []int     // indexes of ports that need one
	for i := range sp.Ports {
		p := &sp.Ports[i]
		if !wantNodePorts {
			p.NodePort = 0
			continue
		}
		if p.NodePort == 0 && old != nil {
			for _, op := range old.Spec.Ports {
				if op.Port == p.Port && op.Protocol == p.Protocol && op.NodePort != 0 {
					p.NodePort = op.NodePort
				}
			}
		}
		if p.NodePort == 0 {
			pick = append(pick, i)
			continue
		}
		fld := validation.Path("spec.ports").Index(i).Child("nodePort")
		if p.NodePort < s.alloc.portLo || p.NodePort > s.alloc.portHi {
			return errInvalid(info, svc.Name, validation.ErrorList{validation.Invalid(fld, p.NodePort,
				"provided port is not in the valid range. The range of valid ports is "+s.alloc.portRange())})
		}
		off := int(p.NodePort - s.alloc.portLo)
		if len(minus([]int{off}, append(oldClaims.ports, specific...))) > 0 {
			specific = append(specific, off)
		}
	}
	if len(specific) == 0 && len(pick) == 0 {
		return nil
	}
	picked, taken, err := s.reservePorts(ctx, specific, len(pick))
	if errors.Is(err, errAllocated) {
		port := s.alloc.portLo + int32(taken)
		for i, p := range sp.Ports {
			if p.NodePort == port {
				return errInvalid(info, svc.Name, validation.ErrorList{validation.Invalid(
					validation.Path("spec.ports").Index(i).Child("nodePort"), port, "provided port is already allocated")})
			}
		}
	}
	if err != nil {
		return err
	}
	for k, i := range pick {
		sp.Ports[i].NodePort = s.alloc.portLo + int32(picked[k])
	}
	return nil
}

func needsClusterIP(s *api.Service) bool { return s.Spec.Type != api.ServiceTypeExternalName }

func needsNodePorts(s *api.Service) bool {
	return s.Spec.Type == api.ServiceTypeNodePort || s.Spec.Type == api.ServiceTypeLoadBalancer
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// prepareServiceUpdate fixes up an update of a service before it is
// validated, as Kubernetes' service strategy and REST do:
// dropTypeDependentFields (a type change that no longer needs the cluster
// IP, the node ports or externalTrafficPolicy drops them when the update
// left them as they were), patchAllocatedValues (cluster IPs and node
// ports the update left out are carried over, node ports by port name)
// and normalizeClusterIPs (clusterIPs follows clusterIP).
func prepareServiceUpdate(svc, old *api.Service) {
	sp, op := &svc.Spec, &old.Spec
	if sp.Type == "" {
		sp.Type = api.ServiceTypeClusterIP
	}
	// dropTypeDependentFields
	if needsClusterIP(old) && !needsClusterIP(svc) {
		if sp.ClusterIP == op.ClusterIP && sameStrings(sp.ClusterIPs, op.ClusterIPs) {
			sp.ClusterIP, sp.ClusterIPs = "", nil
		}
		if sameStrings(sp.IPFamilies, op.IPFamilies) {
			sp.IPFamilies = nil
		}
		if sp.IPFamilyPolicy != nil && op.IPFamilyPolicy != nil && *sp.IPFamilyPolicy == *op.IPFamilyPolicy {
			sp.IPFamilyPolicy = nil
		}
	}
	if needsNodePorts(old) && !needsNodePorts(svc) {
		same := len(sp.Ports) == len(op.Ports)
		for i := 0; same && i < len(sp.Ports); i++ {
			same = sp.Ports[i].NodePort == op.Ports[i].NodePort
		}
		if same {
			for i := range sp.Ports {
				sp.Ports[i].NodePort = 0
			}
		}
	}
	if externallyAccessible(old) && !externallyAccessible(svc) && sp.ExternalTrafficPolicy == op.ExternalTrafficPolicy {
		sp.ExternalTrafficPolicy = ""
	}
	// patchAllocatedValues
	if needsClusterIP(old) && needsClusterIP(svc) {
		if sp.ClusterIP == "" {
			sp.ClusterIP = op.ClusterIP
		}
		if len(sp.ClusterIPs) == 0 && len(op.ClusterIPs) > 0 {
			sp.ClusterIPs = op.ClusterIPs
		}
	}
	if needsNodePorts(old) && needsNodePorts(svc) {
		used := map[int32]bool{}
		for _, p := range sp.Ports {
			if p.NodePort != 0 {
				used[p.NodePort] = true
			}
		}
		byName := map[string]int32{}
		for _, p := range op.Ports {
			byName[p.Name] = p.NodePort
		}
		for i := range sp.Ports {
			if p := &sp.Ports[i]; p.NodePort == 0 && !used[byName[p.Name]] {
				p.NodePort = byName[p.Name]
			}
		}
	}
	// normalizeClusterIPs
	if len(op.ClusterIPs) > 0 && len(sp.ClusterIPs) == 0 && op.ClusterIP == sp.ClusterIP {
		sp.ClusterIPs = op.ClusterIPs
	}
	if op.ClusterIP != sp.ClusterIP {
		sameIPs := sameStrings(sp.ClusterIPs, op.ClusterIPs)
		if op.ClusterIP != "" && sp.ClusterIP == "" && sameIPs {
			sp.ClusterIPs = nil
		}
		if sameIPs && sp.ClusterIP != "" {
			sp.ClusterIPs = []string{sp.ClusterIP}
		}
	}
}

// externallyAccessible: NodePort and LoadBalancer services, and ClusterIP
// services with external IPs (Kubernetes' ExternallyAccessible).
func externallyAccessible(s *api.Service) bool {
	return needsNodePorts(s) || (s.Spec.Type == api.ServiceTypeClusterIP && len(s.Spec.ExternalIPs) > 0)
}
