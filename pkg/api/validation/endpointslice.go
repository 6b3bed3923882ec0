package validation

import (
	"fmt"
	"net"
	"strings"

	"minik8s/pkg/api"
)

// Limits of an EndpointSlice, as Kubernetes' discovery validation.
const (
	maxSliceEndpoints    = 1000
	maxEndpointAddresses = 100
	maxSlicePorts        = 20000
	maxZoneHints         = 8
)

var addressTypes = []string{api.AddressTypeIPv4, api.AddressTypeIPv6, api.AddressTypeFQDN}

// defaultEndpointSlice sets a port's protocol to TCP and its name to ""
// when unset (Kubernetes' SetDefaults_EndpointPort).
func defaultEndpointSlice(s *api.EndpointSlice) {
	for i := range s.Ports {
		p := &s.Ports[i]
		if p.Protocol == nil {
			p.Protocol = ptr("TCP")
		}
		if p.Name == nil {
			p.Name = ptr("")
		}
	}
}

// validateEndpointSlice is Kubernetes' ValidateEndpointSlice: the address
// type, every endpoint's addresses (1 to 100, each of the address type),
// hostname, nodeName and hints, and the ports (names DNS-1123 labels and
// unique, protocol TCP/UDP/SCTP, port 1-65535).
func validateEndpointSlice(s *api.EndpointSlice) ErrorList {
	var errs ErrorList
	if s.AddressType == "" {
		errs = append(errs, Required("addressType", ""))
	} else {
		errs = append(errs, oneOf("addressType", s.AddressType, addressTypes...)...)
	}
	if len(s.Endpoints) > maxSliceEndpoints {
		errs = append(errs, Invalid("endpoints", len(s.Endpoints), fmt.Sprintf("must have at most %d items", maxSliceEndpoints)))
	}
	for i, ep := range s.Endpoints {
		p := Path("endpoints").Index(i)
		ap := p.Child("addresses")
		switch {
		case len(ep.Addresses) == 0:
			errs = append(errs, Required(ap, "must contain at least 1 address"))
		case len(ep.Addresses) > maxEndpointAddresses:
			errs = append(errs, Invalid(ap, len(ep.Addresses), fmt.Sprintf("must have at most %d items", maxEndpointAddresses)))
		}
		for j, a := range ep.Addresses {
			errs = append(errs, validateSliceAddress(ap.Index(j), a, s.AddressType)...)
		}
		if ep.Hostname != nil {
			errs = append(errs, checkName(p.Child("hostname"), *ep.Hostname, IsDNS1123Label)...)
		}
		if ep.NodeName != nil {
			errs = append(errs, checkName(p.Child("nodeName"), *ep.NodeName, IsDNS1123Subdomain)...)
		}
		if ep.Hints != nil && len(ep.Hints.ForZones) > maxZoneHints {
			errs = append(errs, Invalid(p.Child("hints").Child("forZones"), len(ep.Hints.ForZones), fmt.Sprintf("must have at most %d items", maxZoneHints)))
		}
	}
	if len(s.Ports) > maxSlicePorts {
		errs = append(errs, Invalid("ports", len(s.Ports), fmt.Sprintf("must have at most %d items", maxSlicePorts)))
	}
	names := map[string]bool{}
	for i, port := range s.Ports {
		p := Path("ports").Index(i)
		if port.Name != nil {
			if *port.Name != "" {
				errs = append(errs, checkName(p.Child("name"), *port.Name, IsDNS1123Label)...)
			}
			if names[*port.Name] {
				errs = append(errs, Duplicate(p.Child("name"), *port.Name))
			}
			names[*port.Name] = true
		}
		if port.Protocol == nil {
			errs = append(errs, Required(p.Child("protocol"), ""))
		} else {
			errs = append(errs, oneOf(p.Child("protocol"), *port.Protocol, protocols...)...)
		}
		if port.Port != nil {
			errs = append(errs, inRange(p.Child("port"), int64(*port.Port), 1, 65535)...)
		}
	}
	return errs
}

func validateSliceAddress(p Path, a, addressType string) ErrorList {
	ip := net.ParseIP(a)
	switch addressType {
	case api.AddressTypeIPv4:
		if ip == nil || ip.To4() == nil || strings.Contains(a, ":") {
			return ErrorList{Invalid(p, a, "must be a valid IPv4 address")}
		}
	case api.AddressTypeIPv6:
		if ip == nil || !strings.Contains(a, ":") {
			return ErrorList{Invalid(p, a, "must be a valid IPv6 address")}
		}
	case api.AddressTypeFQDN:
		return checkName(p, strings.TrimSuffix(a, "."), IsDNS1123Subdomain)
	}
	return nil
}
