package validation

import (
	"fmt"
	"net"
	"regexp"
	"strings"
)

var (
	dns1123LabelRe     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	dns1123SubdomainRe = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	dns1035LabelRe     = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)
	portNameCharsRe    = regexp.MustCompile(`^[-a-z0-9]+$`)
	portNameOneLetter  = regexp.MustCompile(`[a-z]`)
)

// IsDNS1123Label returns why s is not a DNS-1123 label (none when it is).
func IsDNS1123Label(s string) []string {
	var errs []string
	if len(s) > 63 {
		errs = append(errs, "must be no more than 63 characters")
	}
	if !dns1123LabelRe.MatchString(s) {
		errs = append(errs, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
	}
	return errs
}

// IsDNS1123Subdomain returns why s is not a DNS-1123 subdomain.
func IsDNS1123Subdomain(s string) []string {
	var errs []string
	if len(s) > 253 {
		errs = append(errs, "must be no more than 253 characters")
	}
	if !dns1123SubdomainRe.MatchString(s) {
		errs = append(errs, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
	}
	return errs
}

// IsDNS1035Label returns why s is not a DNS-1035 label (service names).
func IsDNS1035Label(s string) []string {
	var errs []string
	if len(s) > 63 {
		errs = append(errs, "must be no more than 63 characters")
	}
	if !dns1035LabelRe.MatchString(s) {
		errs = append(errs, "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")
	}
	return errs
}

// IsValidPortName returns why s is not an IANA service name (container
// port names, named target ports).
func IsValidPortName(s string) []string {
	var errs []string
	if len(s) > 15 {
		errs = append(errs, "must be no more than 15 characters")
	}
	if !portNameCharsRe.MatchString(s) {
		errs = append(errs, "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
	}
	if !portNameOneLetter.MatchString(s) {
		errs = append(errs, "must contain at least one letter (a-z)")
	}
	if strings.Contains(s, "--") {
		errs = append(errs, "must not contain consecutive hyphens")
	}
	if strings.HasPrefix(s, "-") || strings.HasSuffix(s, "-") {
		errs = append(errs, "must not begin or end with a hyphen")
	}
	return errs
}

// IsValidPathSegmentName returns why s cannot be a name in a URL path
// (events and other objects with relaxed names).
func IsValidPathSegmentName(s string) []string {
	if s == "." || s == ".." {
		return []string{fmt.Sprintf("may not be '%s'", s)}
	}
	var errs []string
	for _, bad := range []string{"/", "%"} {
		if strings.Contains(s, bad) {
			errs = append(errs, fmt.Sprintf("may not contain '%s'", bad))
		}
	}
	return errs
}

// IsValidIP returns why s is not an IPv4 or IPv6 address.
func IsValidIP(s string) []string {
	if net.ParseIP(s) == nil {
		return []string{"must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"}
	}
	return nil
}

// nameFunc checks a name and returns its problems.
type nameFunc func(string) []string

// checkName appends an Invalid error for each problem of a name.
func checkName(p Path, name string, f nameFunc) ErrorList {
	var errs ErrorList
	for _, msg := range f(name) {
		errs = append(errs, Invalid(p, name, msg))
	}
	return errs
}

// portRange checks an inclusive numeric range.
func inRange(p Path, v, lo, hi int64) ErrorList {
	if v < lo || v > hi {
		return ErrorList{Invalid(p, v, fmt.Sprintf("must be between %d and %d, inclusive", lo, hi))}
	}
	return nil
}

func nonNegative(p Path, v int64) ErrorList {
	if v < 0 {
		return ErrorList{Invalid(p, v, "must be greater than or equal to 0")}
	}
	return nil
}

func oneOf(p Path, v string, supported ...string) ErrorList {
	for _, s := range supported {
		if v == s {
			return nil
		}
	}
	return ErrorList{NotSupported(p, v, supported)}
}
