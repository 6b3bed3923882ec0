package labels

import (
	"fmt"
	"regexp"
	"strings"
)

const (
	qualifiedNameMaxLength = 63
	labelValueMaxLength    = 63
	dns1123SubdomainMax    = 253
)

var (
	qualifiedNameRe    = regexp.MustCompile(`^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`)
	dns1123SubdomainRe = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
)

// ValidateKey checks a label key ("app", "app.kubernetes.io/name"): an
// optional DNS-1123 subdomain prefix and "/", then a name of at most 63
// alphanumerics, '-', '_' or '.', starting and ending alphanumeric. It
// returns the problems in Kubernetes' words (none when valid).
func ValidateKey(key string) []string {
	var errs []string
	name := key
	if prefix, n, ok := strings.Cut(key, "/"); ok {
		name = n
		switch {
		case prefix == "":
			errs = append(errs, "prefix part must be non-empty")
		case len(prefix) > dns1123SubdomainMax:
			errs = append(errs, fmt.Sprintf("prefix part must be no more than %d characters", dns1123SubdomainMax))
		case !dns1123SubdomainRe.MatchString(prefix):
			errs = append(errs, "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')")
		}
		if strings.Contains(name, "/") {
			return append(errs, "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')")
		}
	}
	switch {
	case name == "":
		errs = append(errs, "name part must be non-empty")
	case len(name) > qualifiedNameMaxLength:
		errs = append(errs, fmt.Sprintf("name part must be no more than %d characters", qualifiedNameMaxLength))
	case !qualifiedNameRe.MatchString(name):
		errs = append(errs, "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
	}
	return errs
}

// ValidateValue checks a label value: empty, or at most 63 alphanumerics,
// '-', '_' or '.', starting and ending alphanumeric.
func ValidateValue(v string) []string {
	var errs []string
	if len(v) > labelValueMaxLength {
		errs = append(errs, fmt.Sprintf("must be no more than %d characters", labelValueMaxLength))
	}
	if v != "" && !qualifiedNameRe.MatchString(v) {
		errs = append(errs, "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")
	}
	return errs
}
