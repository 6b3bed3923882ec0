package describe

import (
	"fmt"
	"strconv"
	"strings"

	"minik8s/pkg/api"
	"minik8s/pkg/printers"
)

// ingress is kubectl v1.32's describeIngressV1: address, class, default
// backend, TLS, the Rules table (Host, Path, Backends with each Service
// port's endpoints), annotations and events.
func (d *describer) ingress(ing *api.Ingress, events []api.Event) {
	d.write(level0, "Name:\t%s\n", ing.Name)
	d.labelsMultiline("", "Labels", ing.Labels)
	d.write(level0, "Namespace:\t%s\n", ing.Namespace)
	d.write(level0, "Address:\t%s\n", printers.IngressAddress(ing.Status.LoadBalancer))
	class := "<none>"
	if ing.Spec.IngressClassName != nil {
		class = *ing.Spec.IngressClassName
	}
	d.write(level0, "Ingress Class:\t%s\n", class)
	def := "<default>"
	if ing.Spec.DefaultBackend != nil {
		def = d.ingressBackend(ing.Namespace, ing.Spec.DefaultBackend)
	}
	d.write(level0, "Default backend:\t%s\n", def)
	if len(ing.Spec.TLS) != 0 {
		d.write(level0, "TLS:\n")
		for _, t := range ing.Spec.TLS {
			if t.SecretName == "" {
				d.write(level1, "SNI routes %s\n", strings.Join(t.Hosts, ","))
			} else {
				d.write(level1, "%s terminates %s\n", t.SecretName, strings.Join(t.Hosts, ","))
			}
		}
	}
	d.write(level0, "Rules:\n  Host\tPath\tBackends\n")
	d.write(level1, "----\t----\t--------\n")
	count := 0
	for _, r := range ing.Spec.Rules {
		if r.HTTP == nil {
			continue
		}
		count++
		host := r.Host
		if host == "" {
			host = "*"
		}
		d.write(level1, "%s\t\n", host)
		for i := range r.HTTP.Paths {
			p := &r.HTTP.Paths[i]
			d.write(level2, "\t%s \t%s\n", p.Path, d.ingressBackend(ing.Namespace, &p.Backend))
		}
	}
	if count == 0 {
		d.write(level1, "%s\t%s\t%s\n", "*", "*", def)
	}
	d.annotationsMultiline("", "Annotations", ing.Annotations)
	d.events(events)
}

// ingressBackend is "svc:port (endpoints)" or the resource reference.
func (d *describer) ingressBackend(ns string, b *api.IngressBackend) string {
	if s := b.Service; s != nil {
		port := s.Port.Name
		if s.Port.Number != 0 {
			port = strconv.Itoa(int(s.Port.Number))
		}
		sb := s.Name + ":" + port
		var svc *api.Service
		for _, c := range d.rel.Services {
			if c.Namespace == ns && c.Name == s.Name {
				svc = c
			}
		}
		if svc == nil {
			return fmt.Sprintf("%s (<error: services %q not found>)", sb, s.Name)
		}
		spName := ""
		for _, sp := range svc.Spec.Ports {
			if (s.Port.Number != 0 && s.Port.Number == sp.Port) || (s.Port.Name != "" && s.Port.Name == sp.Name) {
				spName = sp.Name
			}
		}
		var slices []*api.EndpointSlice
		for _, sl := range d.rel.EndpointSlices {
			if sl.Namespace == ns && sl.Labels[api.LabelServiceName] == s.Name {
				slices = append(slices, sl)
			}
		}
		return fmt.Sprintf("%s (%s)", sb, printers.FormatSliceEndpoints(slices, map[string]bool{spName: true}))
	}
	if r := b.Resource; r != nil {
		group := "<none>"
		if r.APIGroup != nil {
			group = *r.APIGroup
		}
		return fmt.Sprintf("APIGroup: %s, Kind: %s, Name: %s", group, r.Kind, r.Name)
	}
	return ""
}
