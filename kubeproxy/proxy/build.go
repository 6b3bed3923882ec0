package proxy

import (
	"strings"

	"minik8s/pkg/api"
)

// Build turns Services and EndpointSlices into the sorted service ports and
// their endpoints by PortKey. Slices belong to the Service their
// kubernetes.io/service-name label names; a slice without it is ignored.
func Build(services []*api.Service, slices []*api.EndpointSlice, nodeName string) ([]ServicePort, map[string][]Endpoint) {
	bySvc := map[string][]*api.EndpointSlice{}
	for _, s := range slices {
		name := s.Labels[api.LabelServiceName]
		if name == "" {
			continue
		}
		k := s.Namespace + "/" + name
		bySvc[k] = append(bySvc[k], s)
	}
	var ports []ServicePort
	eps := map[string][]Endpoint{}
	for _, svc := range services {
		sp := ServicePorts(svc)
		if len(sp) == 0 {
			continue
		}
		ports = append(ports, sp...)
		for k, v := range EndpointsFor(svc.Namespace, svc.Name, nodeName, bySvc[svc.Namespace+"/"+svc.Name]) {
			eps[k] = v
		}
	}
	SortServicePorts(ports)
	return ports, eps
}

// Builder is Build with a cache: a Service whose object and slices have
// the same resourceVersions as at the last Build is not converted again
// (objects without a resourceVersion are always converted).
type Builder struct {
	NodeName string
	m        map[string]built
}

type built struct {
	key   string
	ports []ServicePort
	eps   map[string][]Endpoint
}

// Build is the package's Build, cached; versions maps each Service
// ("ns/name") whose objects all have resourceVersions to a string that
// changes whenever they do (the rule generator's cache key).
func (b *Builder) Build(services []*api.Service, slices []*api.EndpointSlice) (ports []ServicePort, eps map[string][]Endpoint, versions map[string]string) {
	bySvc := map[string][]*api.EndpointSlice{}
	for _, s := range slices {
		if name := s.Labels[api.LabelServiceName]; name != "" {
			k := s.Namespace + "/" + name
			bySvc[k] = append(bySvc[k], s)
		}
	}
	next := make(map[string]built, len(services))
	eps = map[string][]Endpoint{}
	versions = make(map[string]string, len(services))
	for _, svc := range services {
		k := svc.Namespace + "/" + svc.Name
		key := cacheKey(svc, bySvc[k])
		e, ok := b.m[k]
		if !ok || key == "" || e.key != key {
			e = built{key: key, ports: ServicePorts(svc)}
			if len(e.ports) > 0 {
				e.eps = EndpointsFor(svc.Namespace, svc.Name, b.NodeName, bySvc[k])
			}
		}
		if key != "" {
			next[k] = e
			versions[k] = key
		}
		ports = append(ports, e.ports...)
		for pk, v := range e.eps {
			eps[pk] = v
		}
	}
	b.m = next
	SortServicePorts(ports)
	return ports, eps, versions
}

// cacheKey is the resourceVersions of svc and its slices ("" when one
// has none).
func cacheKey(svc *api.Service, slices []*api.EndpointSlice) string {
	if svc.ResourceVersion == "" {
		return ""
	}
	var b strings.Builder
	b.WriteString(svc.ResourceVersion)
	names := make([]string, 0, len(slices))
	for _, s := range slices {
		if s.ResourceVersion == "" {
			return ""
		}
		names = append(names, s.Name+"@"+s.ResourceVersion)
	}
	sortStrings(names)
	for _, n := range names {
		b.WriteString("|" + n)
	}
	return b.String()
}
