package proxy

import (
	"net"
	"strconv"
)

// ServicePortName names one port of a Service: "ns/name:port" (":port" is
// left out for an unnamed port), as Kubernetes' proxy.ServicePortName.
type ServicePortName struct {
	Namespace, Name string
	Port            string // the ServicePort's name, "" for an unnamed port
	Protocol        string // TCP, UDP or SCTP
}

// String is "ns/name:port" ("ns/name" for an unnamed port), the string the
// chain names are hashed from and the rules' comments show.
func (n ServicePortName) String() string {
	s := n.Namespace + "/" + n.Name
	if n.Port != "" {
		s += ":" + n.Port
	}
	return s
}

// ServiceKey is the Service's "ns/name".
func (n ServicePortName) ServiceKey() string { return n.Namespace + "/" + n.Name }

// ServicePort is one port of a Service as kube-proxy proxies it.
type ServicePort struct {
	Name            ServicePortName
	ClusterIP       string
	Port            int
	NodePort        int
	ExternalIPs     []string
	LoadBalancerIPs []string
	// StickySeconds > 0 is sessionAffinity ClientIP with that timeout.
	StickySeconds       int
	ExternalPolicyLocal bool // externalTrafficPolicy: Local on a NodePort/LoadBalancer Service
	InternalPolicyLocal bool // internalTrafficPolicy: Local
}

// ExternallyAccessible reports whether the port has "external" addresses
// (a NodePort, external IPs or load-balancer IPs).
func (p *ServicePort) ExternallyAccessible() bool {
	return p.NodePort != 0 || len(p.ExternalIPs) > 0 || len(p.LoadBalancerIPs) > 0
}

// UsesClusterEndpoints reports whether some traffic to the port uses the
// Cluster policy's endpoints.
func (p *ServicePort) UsesClusterEndpoints() bool {
	return !p.InternalPolicyLocal || (p.ExternallyAccessible() && !p.ExternalPolicyLocal)
}

// UsesLocalEndpoints reports whether some traffic to the port uses the
// Local policy's endpoints.
func (p *ServicePort) UsesLocalEndpoints() bool {
	return p.InternalPolicyLocal || (p.ExternallyAccessible() && p.ExternalPolicyLocal)
}

// Endpoint is one backend of a service port.
type Endpoint struct {
	IP          string
	Port        int
	Local       bool // on this node
	Ready       bool
	Serving     bool
	Terminating bool
	ZoneHints   []string
}

// String is "ip:port".
func (e Endpoint) String() string { return net.JoinHostPort(e.IP, strconv.Itoa(e.Port)) }

// HasZoneHint reports whether the endpoint is hinted for zone.
func (e Endpoint) HasZoneHint(zone string) bool {
	for _, z := range e.ZoneHints {
		if z == zone {
			return true
		}
	}
	return false
}
