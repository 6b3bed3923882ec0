package proxy

import "minik8s/pkg/api"

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
