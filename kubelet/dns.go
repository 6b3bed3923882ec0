package kubelet

// Pod DNS: the resolv.conf settings and host names of a pod, computed as
// Kubernetes' kubelet does (pkg/kubelet/network/dns GetPodDNS and
// GeneratePodHostNameAndDomain); the runtime renders them into files.

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"minik8s/kubelet/runtime"
	"minik8s/pkg/api"
)

// DNS limits, as Kubernetes' validation (ExpandedDNSConfig, GA in 1.28).
const (
	maxDNSNameservers     = 3
	maxDNSSearchPaths     = 32
	maxDNSSearchListChars = 2048
	maxDNSSearchPathLen   = 253 // longer paths make some resolvers abort
	maxHostnameLen        = 63
	maxResolvConfLen      = 10 << 20
)

// Event reasons of pod DNS.
const (
	reasonMissingClusterDNS = "MissingClusterDNS"
	reasonDNSConfigForming  = "DNSConfigForming"
)

// defaultDNSOptions are ClusterFirst's options.
var defaultDNSOptions = []string{"ndots:5"}

// hostDNS is the node's resolver configuration (its resolv.conf parsed).
type hostDNS struct {
	Nameservers, Searches, Options []string
}

// parseResolvConf parses a resolv.conf as Kubernetes does: nameservers
// accumulate, the last search and options lines win, a search domain's
// trailing dot is dropped, comments are skipped.
func parseResolvConf(data []byte) (hostDNS, error) {
	h := hostDNS{Nameservers: []string{}, Searches: []string{}, Options: []string{}}
	var errs []error
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "nameserver":
			if len(f) < 2 {
				errs = append(errs, errors.New("nameserver list is empty"))
				continue
			}
			h.Nameservers = append(h.Nameservers, f[1])
		case "search":
			h.Searches = []string{}
			for _, s := range f[1:] {
				h.Searches = append(h.Searches, strings.TrimSuffix(s, "."))
			}
		case "options":
			h.Options = f[1:]
		}
	}
	return h, errors.Join(errs...)
}

// dnsEvent is a warning podDNS asks to record about the pod and, when
// NodeMessage is set, about the node.
type dnsEvent struct {
	Reason, Message, NodeMessage string
}

// dnsSettings are the kubelet's DNS flags.
type dnsSettings struct {
	ClusterDNS    []string // --cluster-dns
	ClusterDomain string   // --cluster-domain
	// HostFile is --resolv-conf; "" means no host resolver (pods of
	// policy Default get nameserver 127.0.0.1 and search ".").
	HostFile string
}

// podDNSType is how a pod's resolver is based.
type podDNSType int

const (
	podDNSCluster podDNSType = iota
	podDNSHost
	podDNSNone
)

// podDNSTypeOf maps dnsPolicy; ClusterFirst on the host network falls back
// to Default, as Kubernetes does (ClusterFirstWithHostNet is the opt-in).
func podDNSTypeOf(pod *api.Pod) (podDNSType, error) {
	switch pod.Spec.DNSPolicy {
	case "None":
		return podDNSNone, nil
	case "ClusterFirstWithHostNet":
		return podDNSCluster, nil
	case "ClusterFirst", "":
		if !pod.Spec.HostNetwork {
			return podDNSCluster, nil
		}
		return podDNSHost, nil
	case "Default":
		return podDNSHost, nil
	}
	return podDNSCluster, fmt.Errorf("invalid DNSPolicy=%s", pod.Spec.DNSPolicy)
}

// podDNS is the pod's resolver configuration and the warnings to record.
// host is the parsed --resolv-conf (ignored when s.HostFile is ""). Pure.
func podDNS(pod *api.Pod, s dnsSettings, host hostDNS) (*runtime.DNSConfig, []dnsEvent) {
	var events []dnsEvent
	cfg := &runtime.DNSConfig{}
	if s.HostFile != "" {
		cfg = &runtime.DNSConfig{
			Nameservers: append([]string(nil), host.Nameservers...),
			Searches:    append([]string(nil), host.Searches...),
			Options:     append([]string(nil), host.Options...),
		}
	}
	typ, err := podDNSTypeOf(pod)
	if err != nil {
		typ = podDNSCluster // the apiserver rejects other policies
	}
	switch typ {
	case podDNSNone:
		cfg = &runtime.DNSConfig{}
	case podDNSCluster:
		if len(s.ClusterDNS) > 0 {
			cfg.Nameservers = append([]string(nil), s.ClusterDNS...)
			cfg.Searches = clusterFirstSearches(cfg.Searches, pod.Namespace, s.ClusterDomain)
			cfg.Options = append([]string(nil), defaultDNSOptions...)
			break
		}
		msg := `kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.`
		events = append(events, dnsEvent{Reason: reasonMissingClusterDNS, Message: fmt.Sprintf("pod: %q. %s", formatPod(pod), msg), NodeMessage: msg})
		fallthrough
	case podDNSHost:
		if s.HostFile == "" {
			cfg.Nameservers = []string{"127.0.0.1"}
			cfg.Searches = []string{"."}
		}
	}
	if d := pod.Spec.DNSConfig; d != nil {
		cfg.Nameservers = omitDuplicates(append(cfg.Nameservers, d.Nameservers...))
		cfg.Searches = omitDuplicates(append(cfg.Searches, d.Searches...))
		cfg.Options = mergeDNSOptions(cfg.Options, d.Options)
	}
	var ev []dnsEvent
	cfg.Nameservers, ev = fitNameservers(cfg.Nameservers)
	events = append(events, ev...)
	cfg.Searches, ev = fitSearches(cfg.Searches)
	events = append(events, ev...)
	return cfg, events
}

// clusterFirstSearches puts <ns>.svc.<domain> svc.<domain> <domain> before
// the host's search domains.
func clusterFirstSearches(hostSearch []string, ns, domain string) []string {
	if domain == "" {
		return hostSearch
	}
	return omitDuplicates(append([]string{ns + ".svc." + domain, "svc." + domain, domain}, hostSearch...))
}

func omitDuplicates(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// mergeDNSOptions overlays the pod's dnsConfig options on existing ones by
// name (a pod's ndots:2 replaces ndots:5); order: existing, then new.
func mergeDNSOptions(existing []string, opts []api.PodDNSConfigOption) []string {
	var names []string
	values := map[string]string{}
	set := func(name, value string) {
		if _, ok := values[name]; !ok {
			names = append(names, name)
		}
		values[name] = value
	}
	for _, o := range existing {
		name, value, _ := strings.Cut(o, ":")
		set(name, value)
	}
	for _, o := range opts {
		v := ""
		if o.Value != nil {
			v = *o.Value
		}
		set(o.Name, v)
	}
	out := make([]string, 0, len(names))
	for _, n := range names {
		if values[n] != "" {
			out = append(out, n+":"+values[n])
		} else {
			out = append(out, n)
		}
	}
	return out
}

func fitNameservers(ns []string) ([]string, []dnsEvent) {
	if len(ns) <= maxDNSNameservers {
		return ns, nil
	}
	ns = ns[:maxDNSNameservers]
	return ns, []dnsEvent{{Reason: reasonDNSConfigForming,
		Message: "Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: " + strings.Join(ns, " ")}}
}

// fitSearches keeps at most 32 search paths of at most 253 characters,
// 2048 characters in all (dropping from the end).
func fitSearches(search []string) ([]string, []dnsEvent) {
	exceeded := false
	if len(search) > maxDNSSearchPaths {
		search, exceeded = search[:maxDNSSearchPaths], true
	}
	var kept []string
	for _, s := range search {
		if len(s) > maxDNSSearchPathLen {
			exceeded = true
			continue
		}
		kept = append(kept, s)
	}
	for len(kept) > 0 && len(strings.Join(kept, " ")) > maxDNSSearchListChars {
		kept, exceeded = kept[:len(kept)-1], true
	}
	if !exceeded {
		return search, nil
	}
	return kept, []dnsEvent{{Reason: reasonDNSConfigForming,
		Message: "Search Line limits were exceeded, some search paths have been omitted, the applied search line is: " + strings.Join(kept, " ")}}
}

// podHostnameAndDomain is the pod's hostname (spec.hostname or its name,
// cut to 63 characters without a trailing '-' or '.') and, with a
// subdomain, its domain <subdomain>.<ns>.svc.<cluster domain>.
func podHostnameAndDomain(pod *api.Pod, clusterDomain string) (string, string) {
	hostname := pod.Name
	if pod.Spec.Hostname != "" {
		hostname = pod.Spec.Hostname
	}
	if len(hostname) > maxHostnameLen {
		hostname = strings.TrimRight(hostname[:maxHostnameLen], "-.")
	}
	domain := ""
	if pod.Spec.Subdomain != "" {
		domain = fmt.Sprintf("%s.%s.svc.%s", pod.Spec.Subdomain, pod.Namespace, clusterDomain)
	}
	return hostname, domain
}

// podDNSConfig reads --resolv-conf and computes pod's DNS, recording its
// warnings.
func (k *Kubelet) podDNSConfig(pod *api.Pod) (*runtime.DNSConfig, error) {
	s := k.dnsSettings()
	var host hostDNS
	if s.HostFile != "" {
		data, err := os.ReadFile(s.HostFile)
		if err != nil {
			return nil, fmt.Errorf("reading --resolv-conf: %w", err)
		}
		if len(data) > maxResolvConfLen {
			return nil, fmt.Errorf("--resolv-conf %s is longer than %d bytes", s.HostFile, maxResolvConfLen)
		}
		if host, err = parseResolvConf(data); err != nil {
			return nil, fmt.Errorf("parsing %s: %w", s.HostFile, err)
		}
	}
	cfg, events := podDNS(pod, s, host)
	rec := k.recorder()
	for _, e := range events {
		if e.NodeMessage != "" {
			rec.Eventf(k.nodeRef(), eventWarning, e.Reason, "%s", e.NodeMessage)
		}
		rec.Eventf(pod, eventWarning, e.Reason, "%s", e.Message)
	}
	return cfg, nil
}

func (k *Kubelet) dnsSettings() dnsSettings {
	return dnsSettings{ClusterDNS: k.opts.ClusterDNS, ClusterDomain: k.opts.ClusterDomain, HostFile: k.opts.ResolvConf}
}

// sandboxConfig is pod's sandbox config with its DNS.
func (k *Kubelet) sandboxConfig(pod *api.Pod) (*runtime.SandboxConfig, error) {
	cfg := sandboxConfig(pod, k.opts.CgroupRoot, k.opts.ClusterDomain)
	dns, err := k.podDNSConfig(pod)
	if err != nil {
		return nil, err
	}
	cfg.DNS = dns
	return cfg, nil
}
