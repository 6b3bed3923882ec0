package printers

import (
	"fmt"
	"sort"
	"strings"

	"minik8s/pkg/api"
)

// FormatLabels renders a label map as kubectl does: "a=1,b=2" sorted by
// key, or "<none>" when empty.
func FormatLabels(m map[string]string) string {
	if len(m) == 0 {
		return "<none>"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, ",")
}

// SelectorString renders a LabelSelector in the string form
// ("app=web,env in (a,b),!canary"), terms sorted by key, as
// labels.Selector.String does. A nil or empty selector gives "".
func SelectorString(s *api.LabelSelector) (string, error) {
	if s == nil {
		return "", nil
	}
	type term struct{ key, text string }
	var terms []term
	for k, v := range s.MatchLabels {
		terms = append(terms, term{k, k + "=" + v})
	}
	for _, e := range s.MatchExpressions {
		values := append([]string(nil), e.Values...)
		sort.Strings(values)
		var text string
		switch e.Operator {
		case "In":
			text = fmt.Sprintf("%s in (%s)", e.Key, strings.Join(values, ","))
		case "NotIn":
			text = fmt.Sprintf("%s notin (%s)", e.Key, strings.Join(values, ","))
		case "Exists":
			text = e.Key
		case "DoesNotExist":
			text = "!" + e.Key
		default:
			return "", fmt.Errorf("%q is not a valid label selector operator", e.Operator)
		}
		terms = append(terms, term{e.Key, text})
	}
	sort.SliceStable(terms, func(i, j int) bool {
		if terms[i].key != terms[j].key {
			return terms[i].key < terms[j].key
		}
		return terms[i].text < terms[j].text
	})
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = t.text
	}
	return strings.Join(parts, ","), nil
}

// FormatLabelSelector is SelectorString for display: "<none>" when the
// selector selects by nothing, "<error>" when it is invalid.
func FormatLabelSelector(s *api.LabelSelector) string {
	str, err := SelectorString(s)
	if err != nil {
		return "<error>"
	}
	if str == "" {
		return "<none>"
	}
	return str
}

// NodeRoles lists a node's roles, sorted: the suffixes of its
// node-role.kubernetes.io/<role> labels and the value of kubernetes.io/role.
func NodeRoles(n *api.Node) []string {
	const prefix = "node-role.kubernetes.io/"
	set := map[string]bool{}
	for k, v := range n.Labels {
		switch {
		case strings.HasPrefix(k, prefix):
			if role := strings.TrimPrefix(k, prefix); role != "" {
				set[role] = true
			}
		case k == "kubernetes.io/role" && v != "":
			set[v] = true
		}
	}
	roles := make([]string, 0, len(set))
	for r := range set {
		roles = append(roles, r)
	}
	sort.Strings(roles)
	return roles
}

// FormatEndpoints renders the ready addresses of an Endpoints object as
// "ip:port,..." capped at three entries and then " + N more...", or
// "<none>". With ports non-nil, only ports of those names count (the
// service describer passes one port name).
func FormatEndpoints(ep *api.Endpoints, ports map[string]bool) string {
	if ep == nil || len(ep.Subsets) == 0 {
		return "<none>"
	}
	const max = 3
	var list []string
	more := false
	count := 0
	add := func(s string) {
		if len(list) == max {
			more = true
			return
		}
		list = append(list, s)
	}
	for _, ss := range ep.Subsets {
		if len(ss.Ports) == 0 {
			// Headless services may have no ports.
			count += len(ss.Addresses)
			for _, a := range ss.Addresses {
				add(a.IP)
			}
			continue
		}
		for _, p := range ss.Ports {
			if ports != nil && !ports[p.Name] {
				continue
			}
			count += len(ss.Addresses)
			for _, a := range ss.Addresses {
				add(joinHostPort(a.IP, p.Port))
			}
		}
	}
	ret := strings.Join(list, ",")
	if more {
		return fmt.Sprintf("%s + %d more...", ret, count-max)
	}
	if ret == "" {
		return "<none>"
	}
	return ret
}

func joinHostPort(ip string, port int32) string {
	if strings.Contains(ip, ":") {
		return fmt.Sprintf("[%s]:%d", ip, port)
	}
	return fmt.Sprintf("%s:%d", ip, port)
}

// ServicePorts renders a service's ports as "80/TCP,443:30443/TCP", or ""
// when it has none.
func ServicePorts(ports []api.ServicePort) string {
	parts := make([]string, len(ports))
	for i, p := range ports {
		proto := p.Protocol
		if proto == "" {
			proto = "TCP"
		}
		if p.NodePort > 0 {
			parts[i] = fmt.Sprintf("%d:%d/%s", p.Port, p.NodePort, proto)
		} else {
			parts[i] = fmt.Sprintf("%d/%s", p.Port, proto)
		}
	}
	return strings.Join(parts, ",")
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}
