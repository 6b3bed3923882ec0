package ingress

import (
	"net/netip"
	"reflect"
	"sort"

	"minik8s/pkg/api"
	"minik8s/pkg/controller"
)

// PublishAddresses is what status.loadBalancer.ingress says for every
// Ingress of the class: the InternalIP of each node that runs a ready,
// not terminating controller pod (pods: those of --publish-selector),
// sorted and without repeats. node looks a Node up by name.
func PublishAddresses(pods []*api.Pod, node func(name string) (*api.Node, bool)) []api.IngressLoadBalancerIngress {
	seen := map[string]bool{}
	var ips []netip.Addr
	for _, p := range pods {
		if p.DeletionTimestamp != nil || p.Spec.NodeName == "" || !controller.IsPodReady(p) {
			continue
		}
		n, ok := node(p.Spec.NodeName)
		if !ok {
			continue
		}
		for _, a := range n.Status.Addresses {
			if a.Type != api.NodeInternalIP || seen[a.Address] {
				continue
			}
			if ip, err := netip.ParseAddr(a.Address); err == nil {
				seen[a.Address] = true
				ips = append(ips, ip)
			}
		}
	}
	sort.Slice(ips, func(i, j int) bool { return ips[i].Less(ips[j]) })
	out := make([]api.IngressLoadBalancerIngress, 0, len(ips))
	for _, ip := range ips {
		out = append(out, api.IngressLoadBalancerIngress{IP: ip.String()})
	}
	return out
}

// statusDiffers reports whether an Ingress's status must be rewritten to want.
func statusDiffers(have, want []api.IngressLoadBalancerIngress) bool {
	if len(have) == 0 && len(want) == 0 {
		return false
	}
	return !reflect.DeepEqual(have, want)
}
