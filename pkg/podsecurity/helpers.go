package podsecurity

import (
	"sort"
	"strings"

	"minik8s/pkg/api"
)

func pluralize(singular, plural string, n int) string {
	if n == 1 {
		return singular
	}
	return plural
}

// joinQuote quotes each item and joins them with ", " ("a", "b").
func joinQuote(items []string) string {
	if len(items) == 0 {
		return ""
	}
	return `"` + strings.Join(items, `", "`) + `"`
}

// containersOf visits init containers, then containers, as Kubernetes'
// visitContainers.
func containersOf(spec *api.PodSpec) []*api.Container {
	out := make([]*api.Container, 0, len(spec.InitContainers)+len(spec.Containers))
	for i := range spec.InitContainers {
		out = append(out, &spec.InitContainers[i])
	}
	for i := range spec.Containers {
		out = append(out, &spec.Containers[i])
	}
	return out
}

// stringSet is a sorted set of strings (sets.String's List).
type stringSet map[string]struct{}

func (s stringSet) add(v string) { s[v] = struct{}{} }

func (s stringSet) list() []string {
	out := make([]string, 0, len(s))
	for v := range s {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// containersPhrase is `container "a"` or `containers "a", "b"`.
func containersPhrase(names []string) string {
	return pluralize("container", "containers", len(names)) + " " + joinQuote(names)
}

// settersDetail joins the pod (if it is a bad setter) and the bad
// containers with " and ", then the suffix.
func settersDetail(pod bool, containers []string, suffix string) string {
	var setters []string
	if pod {
		setters = append(setters, "pod")
	}
	if len(containers) > 0 {
		setters = append(setters, containersPhrase(containers))
	}
	return strings.Join(setters, " and ") + suffix
}

// badContainers names the containers for which bad is true.
func badContainers(spec *api.PodSpec, bad func(c *api.Container) bool) []string {
	var names []string
	for _, c := range containersOf(spec) {
		if bad(c) {
			names = append(names, c.Name)
		}
	}
	return names
}

func sc(c *api.Container) *api.SecurityContext {
	if c.SecurityContext == nil {
		return &api.SecurityContext{}
	}
	return c.SecurityContext
}

func psc(spec *api.PodSpec) *api.PodSecurityContext {
	if spec.SecurityContext == nil {
		return &api.PodSecurityContext{}
	}
	return spec.SecurityContext
}
