package printers

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"minik8s/pkg/api"
)

// EndpointSlice columns, as Kubernetes prints them: NAME ADDRESSTYPE PORTS
// ENDPOINTS AGE, at most three ports and three addresses each ("+ N
// more..."), "<unset>" for none.
func init() {
	register("EndpointSlice", []api.TableColumnDefinition{
		nameCol(),
		col("AddressType", TypeString, "The type of address carried by this EndpointSlice: IPv4, IPv6 or FQDN."),
		col("Ports", TypeString, "The network ports exposed by each endpoint of the slice."),
		col("Endpoints", TypeString, "The unique endpoints of the slice."),
		ageCol(),
	}, func(s *api.EndpointSlice, now time.Time) ([]any, []api.TableRowCondition) {
		return []any{s.Name, s.AddressType, SlicePorts(s.Ports), SliceEndpoints(s.Endpoints), Age(s.CreationTimestamp, now)}, nil
	})
}

// SlicePorts is the PORTS column of an EndpointSlice: each port's number
// (its name without one, "*" without either).
func SlicePorts(ports []api.EndpointSlicePort) string {
	var list []string
	for _, p := range ports {
		switch {
		case p.Port != nil:
			list = append(list, strconv.Itoa(int(*p.Port)))
		case p.Name != nil:
			list = append(list, *p.Name)
		default:
			list = append(list, "*")
		}
	}
	return listWithMore(list)
}

// SliceEndpoints is the ENDPOINTS column: every address of every endpoint.
func SliceEndpoints(eps []api.Endpoint) string {
	var list []string
	for _, e := range eps {
		list = append(list, e.Addresses...)
	}
	return listWithMore(list)
}

// listWithMore is Kubernetes' listWithMoreString over a full list: the
// first three, "+ N more...", or "<unset>" when empty.
func listWithMore(all []string) string {
	const max = 3
	if len(all) > max {
		return fmt.Sprintf("%s + %d more...", strings.Join(all[:max], ","), len(all)-max)
	}
	if len(all) == 0 {
		return "<unset>"
	}
	return strings.Join(all, ",")
}

// FormatSliceEndpoints is the Endpoints line of `kubectl describe service`
// (kubectl v1.32 reads EndpointSlices): the ready endpoints' address:port
// for the ports named in ports (all when nil), at most three and "+ N
// more..." (N counts ready endpoints past the third; as kubectl, a
// not-ready one past the third still marks the list as cut), "<none>"
// without slices.
func FormatSliceEndpoints(slices []*api.EndpointSlice, ports map[string]bool) string {
	if len(slices) == 0 {
		return "<none>"
	}
	const max = 3
	var list []string
	more, count := false, 0
	add := func(e api.Endpoint, hostPort func(string) string) {
		if len(list) == max {
			more = true
		}
		if (e.Conditions.Ready != nil && !*e.Conditions.Ready) || len(e.Addresses) == 0 {
			return
		}
		if !more {
			list = append(list, hostPort(e.Addresses[0]))
		}
		count++
	}
	for _, s := range slices {
		if len(s.Ports) == 0 {
			// Headless services may have no ports.
			for _, e := range s.Endpoints {
				add(e, func(a string) string { return a })
			}
			continue
		}
		for _, p := range s.Ports {
			name, port := "", int32(0)
			if p.Name != nil {
				name = *p.Name
			}
			if p.Port != nil {
				port = *p.Port
			}
			if ports != nil && !ports[name] {
				continue
			}
			for _, e := range s.Endpoints {
				add(e, func(a string) string { return joinHostPort(a, port) })
			}
		}
	}
	ret := strings.Join(list, ",")
	if more {
		return fmt.Sprintf("%s + %d more...", ret, count-max)
	}
	return ret
}
