package endpoint

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"minik8s/pkg/api"
	"minik8s/pkg/controller"
	"minik8s/pkg/controller/endpointutil"
)

// Subsets computes the subsets of svc's Endpoints from the pods its
// selector matches, as Kubernetes' syncService: a pod with an IP that is
// not terminating (unless publishNotReadyAddresses) is ready or not ready
// by its Ready condition (always ready with publishNotReadyAddresses); each
// service port whose targetPort resolves in the pod adds the pod to that
// port; a headless service without ports lists its pods with no ports. The
// result is repacked (RepackSubsets).
func Subsets(svc *api.Service, pods []*api.Pod) []api.EndpointSubset {
	publish := svc.Spec.PublishNotReadyAddresses
	var subsets []api.EndpointSubset
	for _, p := range pods {
		if !endpointutil.ShouldPodBeInEndpoints(p, publish) {
			continue
		}
		addr := addressOf(svc, p)
		ready := publish || controller.IsPodReady(p)
		add := func(ports []api.EndpointPort) {
			ss := api.EndpointSubset{Ports: ports}
			if ready {
				ss.Addresses = []api.EndpointAddress{addr}
			} else {
				ss.NotReadyAddresses = []api.EndpointAddress{addr}
			}
			subsets = append(subsets, ss)
		}
		if len(svc.Spec.Ports) == 0 {
			if svc.Spec.ClusterIP == "None" {
				add(nil)
			}
			continue
		}
		for i := range svc.Spec.Ports {
			sp := &svc.Spec.Ports[i]
			port, err := endpointutil.FindPort(p, sp)
			if err != nil {
				continue // this pod does not serve this port
			}
			add([]api.EndpointPort{{Name: sp.Name, Port: port, Protocol: protocolOf(sp), AppProtocol: sp.AppProtocol}})
		}
	}
	return RepackSubsets(subsets)
}

func protocolOf(sp *api.ServicePort) string {
	if sp.Protocol == "" {
		return "TCP"
	}
	return sp.Protocol
}

// addressOf is the pod's address entry: IP, node, target reference and,
// when the pod's subdomain is the service, its hostname.
func addressOf(svc *api.Service, p *api.Pod) api.EndpointAddress {
	a := api.EndpointAddress{IP: endpointutil.PodIP(p),
		TargetRef: &api.ObjectReference{Kind: "Pod", Namespace: p.Namespace, Name: p.Name, UID: p.UID}}
	if p.Spec.NodeName != "" {
		n := p.Spec.NodeName
		a.NodeName = &n
	}
	if endpointutil.ShouldSetHostname(p, svc) {
		a.Hostname = p.Spec.Hostname
	}
	return a
}

// addrKey tells addresses apart: the IP and the pod it belongs to.
type addrKey struct{ ip, uid string }

func keyOfAddr(a *api.EndpointAddress) addrKey {
	k := addrKey{ip: a.IP}
	if a.TargetRef != nil {
		k.uid = a.TargetRef.UID
	}
	return k
}

func portKey(p api.EndpointPort) string {
	ap := ""
	if p.AppProtocol != nil {
		ap = *p.AppProtocol
	}
	return fmt.Sprintf("%s\x00%d\x00%s\x00%s", p.Name, p.Port, p.Protocol, ap)
}

// RepackSubsets regroups subsets so that each address appears once per
// port and addresses offering the same ports share one subset, as
// Kubernetes' endpoints.RepackSubsets: an address ready on a port in any
// input subset is ready there. Addresses sort by IP then pod UID, ports by
// name, port and protocol, subsets by their ports then first address, so
// equal inputs give identical output.
func RepackSubsets(subsets []api.EndpointSubset) []api.EndpointSubset {
	type portAddrs struct {
		port  api.EndpointPort
		ready map[addrKey]bool
	}
	addrs := map[addrKey]api.EndpointAddress{}
	byPort := map[string]*portAddrs{}
	var portOrder []string
	note := func(port api.EndpointPort, a *api.EndpointAddress, ready bool) {
		k := keyOfAddr(a)
		if _, ok := addrs[k]; !ok {
			addrs[k] = *a
		}
		pk := portKey(port)
		pa := byPort[pk]
		if pa == nil {
			pa = &portAddrs{port: port, ready: map[addrKey]bool{}}
			byPort[pk] = pa
			portOrder = append(portOrder, pk)
		}
		if was, seen := pa.ready[k]; !seen || !was {
			pa.ready[k] = ready
		}
	}
	for i := range subsets {
		ss := &subsets[i]
		ports := ss.Ports
		if len(ports) == 0 {
			ports = []api.EndpointPort{{Port: -1}} // a sentinel: addresses without ports
		}
		for _, port := range ports {
			for j := range ss.Addresses {
				note(port, &ss.Addresses[j], true)
			}
			for j := range ss.NotReadyAddresses {
				note(port, &ss.NotReadyAddresses[j], false)
			}
		}
	}
	// Group the ports by the exact set of (address, readiness) they have.
	type group struct {
		ports []api.EndpointPort
		ready map[addrKey]bool
	}
	groups := map[string]*group{}
	var groupOrder []string
	for _, pk := range portOrder {
		pa := byPort[pk]
		keys := make([]string, 0, len(pa.ready))
		for k, r := range pa.ready {
			keys = append(keys, fmt.Sprintf("%s/%s/%t", k.ip, k.uid, r))
		}
		slices.Sort(keys)
		gk := strings.Join(keys, ",")
		g := groups[gk]
		if g == nil {
			g = &group{ready: pa.ready}
			groups[gk] = g
			groupOrder = append(groupOrder, gk)
		}
		if pa.port.Port > 0 {
			g.ports = append(g.ports, pa.port)
		}
	}
	out := make([]api.EndpointSubset, 0, len(groups))
	for _, gk := range groupOrder {
		g := groups[gk]
		var ss api.EndpointSubset
		for k, r := range g.ready {
			if r {
				ss.Addresses = append(ss.Addresses, addrs[k])
			} else {
				ss.NotReadyAddresses = append(ss.NotReadyAddresses, addrs[k])
			}
		}
		ss.Ports = g.ports
		sortSubset(&ss)
		out = append(out, ss)
	}
	slices.SortFunc(out, compareSubsets)
	if len(out) == 0 {
		return nil
	}
	return out
}

func compareAddrs(a, b api.EndpointAddress) int {
	ka, kb := keyOfAddr(&a), keyOfAddr(&b)
	return cmp.Or(compareIPs(ka.ip, kb.ip), cmp.Compare(ka.uid, kb.uid))
}

// compareIPs orders dotted IPv4 addresses numerically (10.0.0.9 before
// 10.0.0.10), others as strings.
func compareIPs(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	if len(pa) == 4 && len(pb) == 4 {
		for i := range pa {
			if c := cmp.Compare(len(pa[i]), len(pb[i])); c != 0 {
				return c
			}
			if c := cmp.Compare(pa[i], pb[i]); c != 0 {
				return c
			}
		}
		return 0
	}
	return cmp.Compare(a, b)
}

func comparePorts(a, b api.EndpointPort) int {
	return cmp.Compare(portKey(a), portKey(b))
}

func sortSubset(ss *api.EndpointSubset) {
	slices.SortFunc(ss.Addresses, compareAddrs)
	slices.SortFunc(ss.NotReadyAddresses, compareAddrs)
	slices.SortFunc(ss.Ports, comparePorts)
}

func compareSubsets(a, b api.EndpointSubset) int {
	if c := slices.CompareFunc(a.Ports, b.Ports, comparePorts); c != 0 {
		return c
	}
	first := func(ss api.EndpointSubset) api.EndpointAddress {
		if len(ss.Addresses) > 0 {
			return ss.Addresses[0]
		}
		if len(ss.NotReadyAddresses) > 0 {
			return ss.NotReadyAddresses[0]
		}
		return api.EndpointAddress{}
	}
	return compareAddrs(first(a), first(b))
}
