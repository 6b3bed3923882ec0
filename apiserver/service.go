package apiserver

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"strconv"
	"strings"

	"minik8s/pkg/api"
	"minik8s/pkg/api/validation"
	"minik8s/pkg/fields"
	"minik8s/pkg/labels"
)

// serviceAllocator hands out service ClusterIPs and NodePorts.
type serviceAllocator struct {
	base       uint32 // network address of the service CIDR
	size       uint32 // number of addresses in it
	portLo     int32
	portHi     int32
	cidrString string
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

// pickIP returns a free address: random, avoiding the network and broadcast
// addresses and the first (kubernetes service) and tenth (cluster DNS)
// addresses, which are for static assignment.
func (a *serviceAllocator) pickIP(used map[string]bool) (string, bool) {
	span := a.size - 2
	start, _ := rand.Int(rand.Reader, big.NewInt(int64(span)))
	for i := uint32(0); i < span; i++ {
		off := 1 + (uint32(start.Int64())+i)%span
		if off == 1 || off == 10 {
			continue
		}
		if ip := a.ipAt(off); !used[ip] {
			return ip, true
		}
	}
	return "", false
}

func (a *serviceAllocator) pickPort(used map[int32]bool) (int32, bool) {
	span := a.portHi - a.portLo + 1
	start, _ := rand.Int(rand.Reader, big.NewInt(int64(span)))
	for i := int32(0); i < span; i++ {
		p := a.portLo + (int32(start.Int64())+i)%span
		if !used[p] {
			return p, true
		}
	}
	return 0, false
}

// allocateService fills in the ClusterIP and NodePorts of a new service
// (old nil) or of an updated one (old: kept values carry over). The caller
// holds s.svcMu.
func (s *Server) allocateService(ctx context.Context, svc, old *api.Service) error {
	info, _ := api.ForResource("", "v1", "services")
	objs, _, err := s.listObjects(ctx, info, "", selectors{label: labels.Everything(), field: fields.Everything()})
	if err != nil {
		return err
	}
	usedIPs, usedPorts := map[string]bool{}, map[int32]bool{}
	for _, o := range objs {
		other := o.(*api.Service)
		if other.UID == svc.UID {
			continue
		}
		usedIPs[other.Spec.ClusterIP] = true
		for _, p := range other.Spec.Ports {
			if p.NodePort != 0 {
				usedPorts[p.NodePort] = true
			}
		}
	}
	invalid := func(field, detail string) error {
		return errInvalid(info, svc.Name, validation.ErrorList{{Field: field, Type: validation.TypeInvalid, Detail: detail}})
	}
	sp := &svc.Spec
	if sp.Type == "" {
		sp.Type = api.ServiceTypeClusterIP
	}
	if old != nil && sp.ClusterIP == "" && sp.Type != api.ServiceTypeExternalName {
		sp.ClusterIP, sp.ClusterIPs = old.Spec.ClusterIP, old.Spec.ClusterIPs
	}
	switch {
	case sp.Type == api.ServiceTypeExternalName:
		sp.ClusterIP, sp.ClusterIPs = "", nil
	case sp.ClusterIP == "None":
		sp.ClusterIPs = []string{"None"}
	case sp.ClusterIP == "":
		ip, ok := s.alloc.pickIP(usedIPs)
		if !ok {
			return newStatusError(http.StatusInternalServerError, reasonInternal,
				fmt.Sprintf("Internal error occurred: failed to allocate a serviceIP: range %s is full", s.alloc.cidrString), nil)
		}
		sp.ClusterIP, sp.ClusterIPs = ip, []string{ip}
	default:
		if old == nil || old.Spec.ClusterIP != sp.ClusterIP {
			ip := net.ParseIP(sp.ClusterIP)
			if ip == nil || !s.alloc.contains(ip) {
				return invalid("spec.clusterIPs", fmt.Sprintf("Invalid value: %q: provided IP is not in the valid range. The range of valid IPs is %s", sp.ClusterIP, s.alloc.cidrString))
			}
			if usedIPs[sp.ClusterIP] {
				return invalid("spec.clusterIPs", fmt.Sprintf("Invalid value: %q: provided IP is already allocated", sp.ClusterIP))
			}
		}
		sp.ClusterIPs = []string{sp.ClusterIP}
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
	wantNodePorts := sp.Type == api.ServiceTypeNodePort || sp.Type == api.ServiceTypeLoadBalancer
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
			np, ok := s.alloc.pickPort(usedPorts)
			if !ok {
				return newStatusError(http.StatusInternalServerError, reasonInternal, "Internal error occurred: failed to allocate a nodePort: range is full", nil)
			}
			p.NodePort = np
		} else {
			if p.NodePort < s.alloc.portLo || p.NodePort > s.alloc.portHi {
				return invalid(fmt.Sprintf("spec.ports[%d].nodePort", i), fmt.Sprintf("Invalid value: %d: provided port is not in the valid range. The range of valid ports is %d-%d", p.NodePort, s.alloc.portLo, s.alloc.portHi))
			}
			if usedPorts[p.NodePort] {
				return invalid(fmt.Sprintf("spec.ports[%d].nodePort", i), fmt.Sprintf("Invalid value: %d: provided port is already allocated", p.NodePort))
			}
		}
		usedPorts[p.NodePort] = true
	}
	return nil
}
