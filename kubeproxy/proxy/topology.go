package proxy

import (
	"net/netip"
	"sort"
)

// LabelTopologyZone is the node label topology hints refer to.
const LabelTopologyZone = "topology.kubernetes.io/zone"

// Categorized is CategorizeEndpoints' answer.
type Categorized struct {
	// Cluster are the endpoints of Cluster traffic policy (nil when the
	// port never uses it), Local those of Local policy (nil likewise).
	Cluster, Local []Endpoint
	// Reachable is every endpoint this node may send to: the union of
	// Cluster and Local, each once, sorted.
	Reachable []Endpoint
	// HasAny reports whether the port has a usable endpoint anywhere in
	// the cluster (even when none is reachable from here).
	HasAny bool
}

// CategorizeEndpoints picks the endpoints of sp this node uses, as
// Kubernetes' CategorizeEndpoints: Ready endpoints (limited to this zone
// when every ready endpoint has zone hints and one is for the node's zone),
// falling back to serving-and-terminating ones (independently for Cluster
// and Local) when there are no ready ones.
func CategorizeEndpoints(eps []Endpoint, sp *ServicePort, zone string) Categorized {
	var c Categorized
	topology := false
	if sp.UsesClusterEndpoints() {
		topology = useZoneHints(eps, zone)
		c.Cluster = filter(eps, func(e Endpoint) bool { return e.Ready && (!topology || e.HasZoneHint(zone)) })
		if len(c.Cluster) == 0 {
			c.Cluster = filter(eps, func(e Endpoint) bool { return e.Serving && e.Terminating })
		}
		c.HasAny = len(c.Cluster) > 0
	}
	if !sp.UsesLocalEndpoints() {
		c.Reachable = c.Cluster
		return c
	}
	var localReady, localTerminating bool
	for _, e := range eps {
		if e.Ready {
			c.HasAny = true
			localReady = localReady || e.Local
		} else if e.Serving && e.Terminating {
			c.HasAny = true
			localTerminating = localTerminating || e.Local
		}
	}
	servingTerminating := false
	switch {
	case localReady:
		c.Local = filter(eps, func(e Endpoint) bool { return e.Local && e.Ready })
	case localTerminating:
		servingTerminating = true
		c.Local = filter(eps, func(e Endpoint) bool { return e.Local && e.Serving && e.Terminating })
	}
	if !sp.UsesClusterEndpoints() {
		c.Reachable = c.Local
		return c
	}
	if !topology && !servingTerminating {
		c.Reachable = c.Cluster // a superset of Local
		return c
	}
	seen := map[string]bool{}
	for _, e := range append(append([]Endpoint(nil), c.Cluster...), c.Local...) {
		if !seen[e.String()] {
			seen[e.String()] = true
			c.Reachable = append(c.Reachable, e)
		}
	}
	sortEndpoints(c.Reachable)
	return c
}

// useZoneHints reports whether every ready endpoint has a zone hint and
// one is hinted for zone.
func useZoneHints(eps []Endpoint, zone string) bool {
	all, forZone := true, false
	for _, e := range eps {
		if !e.Ready {
			continue
		}
		if len(e.ZoneHints) == 0 {
			all = false
		} else if e.HasZoneHint(zone) {
			forZone = true
		}
	}
	return all && forZone && zone != ""
}

func filter(eps []Endpoint, keep func(Endpoint) bool) []Endpoint {
	out := make([]Endpoint, 0, len(eps))
	for _, e := range eps {
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}

func sortEndpoints(eps []Endpoint) {
	sort.Slice(eps, func(i, j int) bool { return lessEndpoint(eps[i], eps[j]) })
}

func parseAddr(s string) (netip.Addr, error) { return netip.ParseAddr(s) }
