package apiserver

import (
	"fmt"
	"strings"

	"minik8s/apiserver/authorization/rbac"
	"minik8s/pkg/api"
	"minik8s/pkg/auth/user"
)

// rulesReview is a SelfSubjectRulesReview's status: the user's RBAC rules
// in ns, split into resource and non-resource rules as Kubernetes'
// ConvertToSelfSubjectRulesReview does. Without RBAC, or with other
// authorizers besides it, the list is incomplete.
func (s *Server) rulesReview(u *user.Info, ns string) api.SubjectRulesReviewStatus {
	st := api.SubjectRulesReviewStatus{ResourceRules: []api.ResourceRule{}, NonResourceRules: []api.NonResourceRule{}}
	if s.rbac == nil {
		st.Incomplete = true
		return st
	}
	rules, errs := rbac.Resolver{L: s.rbac}.RulesFor(u, ns)
	for _, r := range rules {
		if len(r.NonResourceURLs) > 0 {
			st.NonResourceRules = append(st.NonResourceRules, api.NonResourceRule{Verbs: r.Verbs, NonResourceURLs: r.NonResourceURLs})
			continue
		}
		st.ResourceRules = append(st.ResourceRules, api.ResourceRule{Verbs: r.Verbs, APIGroups: r.APIGroups, Resources: r.Resources, ResourceNames: r.ResourceNames})
	}
	if len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.Error()
		}
		st.EvaluationError = fmt.Sprintf("[%s]", strings.Join(msgs, ", "))
		st.Incomplete = true
	}
	if len(s.opts.AuthorizationMode) > 1 {
		st.Incomplete = true
	}
	return st
}
