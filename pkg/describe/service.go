package describe

import (
	"strings"

	"minik8s/pkg/api"
	"minik8s/pkg/printers"
)

func (d *describer) service(svc *api.Service, events []api.Event) {
	s := &svc.Spec
	d.write(level0, "Name:\t%s\n", svc.Name)
	d.write(level0, "Namespace:\t%s\n", svc.Namespace)
	d.labelsMultiline("", "Labels", svc.Labels)
	d.annotationsMultiline("", "Annotations", svc.Annotations)
	d.write(level0, "Selector:\t%s\n", printers.FormatLabels(s.Selector))
	d.write(level0, "Type:\t%s\n", s.Type)
	if s.IPFamilyPolicy != nil {
		d.write(level0, "IP Family Policy:\t%s\n", *s.IPFamilyPolicy)
	}
	d.write(level0, "IP Families:\t%s\n", orNone(strings.Join(s.IPFamilies, ",")))
	d.write(level0, "IP:\t%s\n", s.ClusterIP)
	d.write(level0, "IPs:\t%s\n", orNone(strings.Join(s.ClusterIPs, ",")))
	if len(s.ExternalIPs) > 0 {
		d.write(level0, "External IPs:\t%v\n", strings.Join(s.ExternalIPs, ","))
	}
	if s.LoadBalancerIP != "" {
		d.write(level0, "Desired LoadBalancer IP:\t%s\n", s.LoadBalancerIP)
	}
	if s.ExternalName != "" {
		d.write(level0, "External Name:\t%s\n", s.ExternalName)
	}
	if in := svc.Status.LoadBalancer.Ingress; len(in) > 0 {
		var list []string
		for _, i := range in {
			if i.IP != "" {
				list = append(list, i.IP)
			} else {
				list = append(list, i.Hostname)
			}
		}
		d.write(level0, "LoadBalancer Ingress:\t%s\n", strings.Join(list, ", "))
	}
	for _, p := range s.Ports {
		name := p.Name
		if name == "" {
			name = "<unset>"
		}
		proto := p.Protocol
		if proto == "" {
			proto = "TCP"
		}
		d.write(level0, "Port:\t%s\t%d/%s\n", name, p.Port, proto)
		target := p.TargetPort.String()
		if target == "" || target == "0" {
			target = printers.CellString(int64(p.Port))
		}
		d.write(level0, "TargetPort:\t%s/%s\n", target, proto)
		if p.NodePort != 0 {
			d.write(level0, "NodePort:\t%s\t%d/%s\n", name, p.NodePort, proto)
		}
		d.write(level0, "Endpoints:\t%s\n", printers.FormatSliceEndpoints(d.rel.EndpointSlices, map[string]bool{p.Name: true}))
	}
	d.write(level0, "Session Affinity:\t%s\n", s.SessionAffinity)
	if s.ExternalTrafficPolicy != "" {
		d.write(level0, "External Traffic Policy:\t%s\n", s.ExternalTrafficPolicy)
	}
	if s.InternalTrafficPolicy != nil {
		d.write(level0, "Internal Traffic Policy:\t%s\n", *s.InternalTrafficPolicy)
	}
	d.events(events)
}

func (d *describer) endpoints(ep *api.Endpoints, events []api.Event) {
	d.write(level0, "Name:\t%s\n", ep.Name)
	d.write(level0, "Namespace:\t%s\n", ep.Namespace)
	d.labelsMultiline("", "Labels", ep.Labels)
	d.annotationsMultiline("", "Annotations", ep.Annotations)
	d.write(level0, "Subsets:\n")
	ips := func(as []api.EndpointAddress) string {
		var l []string
		for _, a := range as {
			l = append(l, a.IP)
		}
		return orNone(strings.Join(l, ","))
	}
	for _, ss := range ep.Subsets {
		d.write(level1, "Addresses:\t%s\n", ips(ss.Addresses))
		d.write(level1, "NotReadyAddresses:\t%s\n", ips(ss.NotReadyAddresses))
		if len(ss.Ports) > 0 {
			d.write(level1, "Ports:\n")
			d.write(level2, "Name\tPort\tProtocol\n")
			d.write(level2, "----\t----\t--------\n")
			for _, p := range ss.Ports {
				name := p.Name
				if name == "" {
					name = "<unset>"
				}
				d.write(level2, "%s\t%d\t%s\n", name, p.Port, p.Protocol)
			}
		}
		d.write(level0, "\n")
	}
	d.events(events)
}
