package rbac

import (
	"fmt"
	"sort"
	"strings"

	"minik8s/pkg/api"
)

// Escalation prevention (Kubernetes' component-helpers rbac/validation
// Covers and registry/rbac/validation ConfirmNoEscalation): a user may only
// grant the rules it holds itself.

// Covers reports whether owner's rules cover every rule of servant, and
// returns the atomic rules (one verb, group, resource and name each) that
// they do not.
func Covers(owner, servant []api.PolicyRule) (bool, []api.PolicyRule) {
	var missing []api.PolicyRule
	for _, r := range servant {
		for _, sub := range r.Breakdown() {
			covered := false
			for i := range owner {
				if ruleCovers(&owner[i], &sub) {
					covered = true
					break
				}
			}
			if !covered {
				missing = append(missing, sub)
			}
		}
	}
	return len(missing) == 0, missing
}

func ruleCovers(owner, sub *api.PolicyRule) bool {
	verbs := contains(owner.Verbs, "*") || hasAll(owner.Verbs, sub.Verbs)
	groups := contains(owner.APIGroups, "*") || hasAll(owner.APIGroups, sub.APIGroups)
	names := len(owner.ResourceNames) == 0 || (len(sub.ResourceNames) > 0 && hasAll(owner.ResourceNames, sub.ResourceNames))
	return verbs && groups && names && resourcesCover(owner.Resources, sub.Resources) && urlsCover(owner.NonResourceURLs, sub.NonResourceURLs)
}

func hasAll(set, values []string) bool {
	for _, v := range values {
		if !contains(set, v) {
			return false
		}
	}
	return true
}

func resourcesCover(owner, servant []string) bool {
	if hasAll(owner, servant) || contains(owner, "*") {
		return true
	}
	for _, s := range servant {
		_, sub, ok := strings.Cut(s, "/")
		if !ok || !contains(owner, "*/"+sub) {
			return false
		}
	}
	return true
}

func urlsCover(owner, servant []string) bool {
	for _, s := range servant {
		ok := false
		for _, o := range owner {
			if o == s || (strings.HasSuffix(o, "*") && strings.HasPrefix(s, strings.TrimRight(o, "*"))) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// CompactRules merges atomic rules that differ only in their verb, as
// Kubernetes' CompactRules does for the escalation message.
func CompactRules(rules []api.PolicyRule) []api.PolicyRule {
	var out []api.PolicyRule
	idx := map[string]int{}
	for _, r := range rules {
		if len(r.APIGroups) == 1 && len(r.Resources) == 1 && len(r.ResourceNames) == 0 && len(r.NonResourceURLs) == 0 {
			k := r.APIGroups[0] + "\x00" + r.Resources[0]
			if i, ok := idx[k]; ok {
				if !contains(out[i].Verbs, r.Verbs[0]) {
					out[i].Verbs = append(out[i].Verbs, r.Verbs...)
				}
				continue
			}
			idx[k] = len(out)
			r.Verbs = append([]string(nil), r.Verbs...)
		}
		out = append(out, r)
	}
	return out
}

// EscalationMessage is ConfirmNoEscalation's error text for the rules a
// user lacks: `user "bob" (groups=["system:authenticated"]) is attempting
// to grant RBAC permissions not currently held:` and one line per rule.
func EscalationMessage(name string, groups []string, missing []api.PolicyRule, resolutionErrs []error) string {
	seen := map[string]bool{}
	var lines []string
	for _, r := range CompactRules(missing) {
		s := r.CompactString()
		if !seen[s] {
			seen[s] = true
			lines = append(lines, s)
		}
	}
	sort.Strings(lines)
	if groups == nil {
		groups = []string{}
	}
	msg := fmt.Sprintf("user %q (groups=%q) is attempting to grant RBAC permissions not currently held:\n%s", name, groups, strings.Join(lines, "\n"))
	if len(resolutionErrs) > 0 {
		msg += fmt.Sprintf("; resolution errors: %v", resolutionErrs)
	}
	return msg
}
