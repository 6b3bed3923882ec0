package network

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"minik8s/pkg/api"
)

// HostPortConflictReason is the reason the kubelet reports on a pod it
// refuses because of HostPortConflicts (Kubernetes' kubelet admission says
// "NodePorts" for the same check).
const HostPortConflictReason = "NodePorts"

// HostPortConflictError says which pod already holds a requested host port.
type HostPortConflictError struct {
	HostIP   string // "" = every address
	HostPort int32
	Protocol string
	Holder   string // namespace/name of the pod that keeps the port
}

func (e *HostPortConflictError) Error() string {
	ip := e.HostIP
	if ip == "" {
		ip = "0.0.0.0"
	}
	return fmt.Sprintf("node didn't have free ports for the requested pod ports: hostPort %s:%d/%s is already used by pod %s", ip, e.HostPort, e.Protocol, e.Holder)
}

// hostPortKey is one use of a host port.
type hostPortKey struct {
	ip    string // "" = every address
	port  int32
	proto string
}

// podHostPorts are the host ports a pod uses: its containers' hostPorts, and
// for hostNetwork pods every containerPort (the pod binds it on the node).
func podHostPorts(pod *api.Pod) []hostPortKey {
	var out []hostPortKey
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			port := p.HostPort
			if pod.Spec.HostNetwork && port == 0 {
				port = p.ContainerPort
			}
			if port <= 0 {
				continue
			}
			ip := p.HostIP
			if ip == "0.0.0.0" || ip == "::" {
				ip = ""
			}
			out = append(out, hostPortKey{ip: ip, port: port, proto: protocolOf(p.Protocol)})
		}
	}
	return out
}

func protocolOf(p string) string {
	if p == "" {
		return "TCP"
	}
	return strings.ToUpper(p)
}

func (k hostPortKey) conflicts(o hostPortKey) bool {
	return k.port == o.port && k.proto == o.proto && (k.ip == "" || o.ip == "" || k.ip == o.ip)
}

func podFullName(p *api.Pod) string { return p.Namespace + "/" + p.Name }

// active is whether a pod still holds its ports (not Succeeded/Failed).
func active(p *api.Pod) bool {
	return p.Status.Phase != api.PodSucceeded && p.Status.Phase != api.PodFailed
}

// HostPortConflicts decides which pods of one node cannot have their host
// ports because an earlier pod holds them: pods are taken oldest first
// (creationTimestamp, then namespace/name); a pod is refused (its UID maps
// to a *HostPortConflictError) if one of its ports conflicts with a port of
// a pod accepted before it (same port and protocol, and the same hostIP or
// either of them unset). Succeeded and Failed pods hold nothing. A pod that
// repeats a port within itself is refused too. The kubelet calls it with
// the pods bound to its node and refuses the pods in the map (phase Failed,
// reason HostPortConflictReason); the agent leaves them out of the rules.
func HostPortConflicts(pods []*api.Pod) map[string]error {
	sorted := make([]*api.Pod, 0, len(pods))
	for _, p := range pods {
		if active(p) {
			sorted = append(sorted, p)
		}
	}
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if !a.CreationTimestamp.Time.Equal(b.CreationTimestamp.Time) {
			return a.CreationTimestamp.Time.Before(b.CreationTimestamp.Time)
		}
		return podFullName(a) < podFullName(b)
	})
	type holder struct {
		key hostPortKey
		pod string
	}
	var held []holder
	out := map[string]error{}
	for _, p := range sorted {
		mine := podHostPorts(p)
		var conflict error
	check:
		for i, k := range mine {
			for _, h := range held {
				if k.conflicts(h.key) {
					conflict = &HostPortConflictError{HostIP: k.ip, HostPort: k.port, Protocol: k.proto, Holder: h.pod}
					break check
				}
			}
			for _, k2 := range mine[:i] {
				if k.conflicts(k2) {
					conflict = &HostPortConflictError{HostIP: k.ip, HostPort: k.port, Protocol: k.proto, Holder: podFullName(p)}
					break check
				}
			}
		}
		if conflict != nil {
			out[p.UID] = conflict
			continue
		}
		for _, k := range mine {
			held = append(held, holder{key: k, pod: podFullName(p)})
		}
	}
	return out
}

// HostPortMapping is one hostPort DNAT of a pod.
type HostPortMapping struct {
	Pod           string // name_namespace, as the seeds' comments show it
	PodIP         netip.Addr
	HostIP        string // "" = every local address
	HostPort      int32
	ContainerPort int32
	Protocol      string // TCP, UDP or SCTP
}

// Chain is the mapping's KUBE-HP-<hash> chain (a hash of the pod, the
// port, the protocol and the host IP, like the kubelet's hostport manager).
func (m HostPortMapping) Chain() string {
	h := sha256.Sum256([]byte(m.Pod + strconv.Itoa(int(m.HostPort)) + m.Protocol + m.HostIP))
	return "KUBE-HP-" + base32.StdEncoding.EncodeToString(h[:])[:16]
}

func (m HostPortMapping) comment() string {
	return fmt.Sprintf("%s hostport %d", m.Pod, m.HostPort)
}

// HostPortMappings are the DNATs the node's pods need: pods with a pod IP,
// not on the host network, not Succeeded/Failed, not refused by
// HostPortConflicts. Sorted by host port, protocol, host IP.
func HostPortMappings(pods []*api.Pod) []HostPortMapping {
	refused := HostPortConflicts(pods)
	var out []HostPortMapping
	for _, p := range pods {
		if p.Spec.HostNetwork || !active(p) || refused[p.UID] != nil {
			continue
		}
		ip, err := netip.ParseAddr(p.Status.PodIP)
		if err != nil || !ip.Is4() {
			continue
		}
		for _, c := range p.Spec.Containers {
			for _, port := range c.Ports {
				if port.HostPort <= 0 {
					continue
				}
				hostIP := port.HostIP
				if hostIP == "0.0.0.0" {
					hostIP = ""
				}
				out = append(out, HostPortMapping{
					Pod: p.Name + "_" + p.Namespace, PodIP: ip, HostIP: hostIP,
					HostPort: port.HostPort, ContainerPort: port.ContainerPort, Protocol: protocolOf(port.Protocol),
				})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.HostPort != b.HostPort {
			return a.HostPort < b.HostPort
		}
		if a.Protocol != b.Protocol {
			return a.Protocol < b.Protocol
		}
		return a.HostIP < b.HostIP
	})
	return out
}
