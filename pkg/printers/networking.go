package printers

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"minik8s/pkg/api"
)

// Ingress and IngressClass columns, as Kubernetes' printIngress and
// printIngressClass: NAME CLASS HOSTS ADDRESS PORTS AGE and
// NAME CONTROLLER PARAMETERS AGE.
func init() {
	register("Ingress", []api.TableColumnDefinition{
		nameCol(),
		col("Class", TypeString, "The name of the IngressClass resource that should be used for additional configuration"),
		col("Hosts", TypeString, "Hosts that incoming requests are matched against before the ingress rule"),
		col("Address", TypeString, "Address is a list containing ingress points for the load-balancer"),
		col("Ports", TypeString, "Ports of TLS configurations that open"),
		ageCol(),
	}, func(ing *api.Ingress, now time.Time) ([]any, []api.TableRowCondition) {
		class := "<none>"
		if ing.Spec.IngressClassName != nil {
			class = *ing.Spec.IngressClassName
		}
		return []any{ing.Name, class, IngressHosts(ing.Spec.Rules), IngressAddress(ing.Status.LoadBalancer),
			IngressPorts(ing.Spec.TLS), Age(ing.CreationTimestamp, now)}, nil
	})
	register("IngressClass", []api.TableColumnDefinition{
		nameCol(),
		col("Controller", TypeString, "Controller that is responsible for handling this class"),
		col("Parameters", TypeString, "A reference to a resource with additional parameters"),
		ageCol(),
	}, func(c *api.IngressClass, now time.Time) ([]any, []api.TableRowCondition) {
		params := "<none>"
		if p := c.Spec.Parameters; p != nil {
			params = p.Kind
			if p.APIGroup != nil {
				params += "." + *p.APIGroup
			}
			params += "/" + p.Name
		}
		return []any{c.Name, c.Spec.Controller, params, Age(c.CreationTimestamp, now)}, nil
	})
}

// IngressHosts is the HOSTS cell: up to three hosts, "+ N more..." for the
// rest of the rules, "*" when no rule names a host.
func IngressHosts(rules []api.IngressRule) string {
	const max = 3
	var list []string
	more := false
	for _, r := range rules {
		if len(list) == max {
			more = true
		}
		if !more && r.Host != "" {
			list = append(list, r.Host)
		}
	}
	if len(list) == 0 {
		return "*"
	}
	s := strings.Join(list, ",")
	if more {
		return fmt.Sprintf("%s + %d more...", s, len(rules)-max)
	}
	return s
}

// IngressAddress is the ADDRESS cell: the IPs (or host names) of the
// status, sorted, without repeats.
func IngressAddress(s api.IngressLoadBalancerStatus) string {
	seen := map[string]bool{}
	var out []string
	for _, in := range s.Ingress {
		a := in.IP
		if a == "" {
			a = in.Hostname
		}
		if a != "" && !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

// IngressPorts is the PORTS cell: "80", or "80, 443" with TLS.
func IngressPorts(tls []api.IngressTLS) string {
	if len(tls) != 0 {
		return "80, 443"
	}
	return "80"
}
