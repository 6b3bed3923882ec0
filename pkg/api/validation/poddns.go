package validation

import (
	"strings"

	"minik8s/pkg/api"
)

// Limits of a pod's dnsConfig, as Kubernetes' (ExpandedDNSConfig).
const (
	maxDNSNameservers     = 3
	maxDNSSearchPaths     = 32
	maxDNSSearchListChars = 2048
)

// validatePodDNS checks dnsPolicy and dnsConfig as Kubernetes'
// validatePodDNSConfig does: None needs a nameserver, at most 3
// nameservers, 32 search domains in 2048 characters, named options.
func validatePodDNS(s *api.PodSpec, p Path) ErrorList {
	var errs ErrorList
	if s.DNSPolicy != "" {
		errs = append(errs, oneOf(p.Child("dnsPolicy"), s.DNSPolicy, dnsPolicies...)...)
	}
	dp := p.Child("dnsConfig")
	if s.DNSPolicy == "None" {
		if s.DNSConfig == nil {
			return append(errs, Required(dp, "must provide `dnsConfig` when `dnsPolicy` is None"))
		}
		if len(s.DNSConfig.Nameservers) == 0 {
			errs = append(errs, Required(dp.Child("nameservers"), "must provide at least one DNS nameserver when `dnsPolicy` is None"))
		}
	}
	d := s.DNSConfig
	if d == nil {
		return errs
	}
	if len(d.Nameservers) > maxDNSNameservers {
		errs = append(errs, Invalid(dp.Child("nameservers"), d.Nameservers, "must not have more than 3 nameservers"))
	}
	for i, ns := range d.Nameservers {
		errs = append(errs, checkName(dp.Child("nameservers").Index(i), ns, IsValidIP)...)
	}
	if len(d.Searches) > maxDNSSearchPaths {
		errs = append(errs, Invalid(dp.Child("searches"), d.Searches, "must not have more than 32 search paths"))
	}
	if len(strings.Join(d.Searches, " ")) > maxDNSSearchListChars {
		errs = append(errs, Invalid(dp.Child("searches"), d.Searches, "must not have more than 2048 characters (including spaces) in the search list"))
	}
	for i, search := range d.Searches {
		if search == "." {
			continue // the root domain: resolvers treat it as no search domain
		}
		errs = append(errs, checkName(dp.Child("searches").Index(i), strings.TrimSuffix(search, "."), IsDNS1123Subdomain)...)
	}
	for i, o := range d.Options {
		if o.Name == "" {
			errs = append(errs, Required(dp.Child("options").Index(i), "Option.Name must not be empty"))
		}
	}
	return errs
}

// validateHostAliases checks spec.hostAliases: an IP and host names.
func validateHostAliases(aliases []api.HostAlias, p Path) ErrorList {
	var errs ErrorList
	for i, a := range aliases {
		ap := p.Index(i)
		errs = append(errs, checkName(ap.Child("ip"), a.IP, IsValidIP)...)
		for j, h := range a.Hostnames {
			errs = append(errs, checkName(ap.Child("hostnames").Index(j), h, IsDNS1123Subdomain)...)
		}
	}
	return errs
}
