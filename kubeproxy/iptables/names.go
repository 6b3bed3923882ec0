package iptables

import (
	"crypto/sha256"
	"encoding/base32"
	"strings"
)

// Top-level chains.
const (
	ChainServices         = "KUBE-SERVICES"
	ChainExternalServices = "KUBE-EXTERNAL-SERVICES"
	ChainNodePorts        = "KUBE-NODEPORTS"
	ChainPostrouting      = "KUBE-POSTROUTING"
	ChainMarkMasq         = "KUBE-MARK-MASQ"
	ChainForward          = "KUBE-FORWARD"
	ChainProxyFirewall    = "KUBE-PROXY-FIREWALL"
)

// Prefixes of the per-service chains.
const (
	PrefixService         = "KUBE-SVC-"
	PrefixServiceLocal    = "KUBE-SVL-"
	PrefixServiceFirewall = "KUBE-FW-"
	PrefixServiceExternal = "KUBE-EXT-"
	PrefixEndpoint        = "KUBE-SEP-"
)

// portProtoHash is base32(sha256(portName + protocol))[:16], Kubernetes'
// portProtoHash (protocol lower-case).
func portProtoHash(portName, protocol string) string {
	h := sha256.Sum256([]byte(portName + strings.ToLower(protocol)))
	return base32.StdEncoding.EncodeToString(h[:])[:16]
}

// ServiceChain is the KUBE-SVC- chain of a service port ("ns/name:port"):
// its endpoints for Cluster traffic policy.
func ServiceChain(portName, protocol string) string {
	return PrefixService + portProtoHash(portName, protocol)
}

// ServiceLocalChain is the KUBE-SVL- chain: the endpoints on this node,
// for Local traffic policy.
func ServiceLocalChain(portName, protocol string) string {
	return PrefixServiceLocal + portProtoHash(portName, protocol)
}

// ServiceExternalChain is the KUBE-EXT- chain: traffic to the port's
// NodePort, external and load-balancer IPs.
func ServiceExternalChain(portName, protocol string) string {
	return PrefixServiceExternal + portProtoHash(portName, protocol)
}

// EndpointChain is the KUBE-SEP- chain of one endpoint ("ip:port").
func EndpointChain(portName, protocol, endpoint string) string {
	h := sha256.Sum256([]byte(portName + strings.ToLower(protocol) + endpoint))
	return PrefixEndpoint + base32.StdEncoding.EncodeToString(h[:])[:16]
}

// IsServiceChain reports whether chain is a per-service chain of
// kube-proxy's (one Payload deletes when it is no longer used).
func IsServiceChain(chain string) bool {
	for _, p := range []string{PrefixService, PrefixServiceLocal, PrefixServiceFirewall, PrefixServiceExternal, PrefixEndpoint} {
		if strings.HasPrefix(chain, p) {
			return true
		}
	}
	return false
}
