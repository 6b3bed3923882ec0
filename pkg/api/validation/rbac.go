package validation

import (
	"reflect"

	"minik8s/pkg/api"
)

// RBAC validation, as Kubernetes' pkg/apis/rbac/validation: names are path
// segments, every rule has verbs, resource rules name groups and resources,
// non-resource URLs only in ClusterRoles, bindings point at a Role or
// ClusterRole of the RBAC group, subjects are Users, Groups or
// ServiceAccounts (with a namespace in ClusterRoleBindings), and a
// binding's roleRef never changes.

// DefaultRBAC fills in what Kubernetes' v1 defaulting does: User and
// Group subjects get the RBAC API group.
func DefaultRBAC(obj api.Object) {
	var subjects []api.Subject
	switch o := obj.(type) {
	case *api.RoleBinding:
		subjects = o.Subjects
	case *api.ClusterRoleBinding:
		subjects = o.Subjects
	}
	for i := range subjects {
		if subjects[i].APIGroup == "" && (subjects[i].Kind == api.UserKind || subjects[i].Kind == api.GroupKind) {
			subjects[i].APIGroup = api.RBACGroup
		}
	}
}

// ValidateRBAC checks a Role, ClusterRole, RoleBinding or ClusterRoleBinding.
func ValidateRBAC(obj api.Object) ErrorList {
	switch o := obj.(type) {
	case *api.Role:
		errs := validateObjectMeta(&o.ObjectMeta, true, IsValidPathSegmentName)
		return append(errs, validatePolicyRules(o.Rules, true)...)
	case *api.ClusterRole:
		errs := validateObjectMeta(&o.ObjectMeta, false, IsValidPathSegmentName)
		errs = append(errs, validatePolicyRules(o.Rules, false)...)
		if ar := o.AggregationRule; ar != nil {
			p := Path("aggregationRule").Child("clusterRoleSelectors")
			if len(ar.ClusterRoleSelectors) == 0 {
				errs = append(errs, Required(p, "at least one clusterRoleSelector required if aggregationRule is non-nil"))
			}
			for i := range ar.ClusterRoleSelectors {
				errs = append(errs, ValidateLabelSelector(&ar.ClusterRoleSelectors[i], p.Index(i))...)
			}
		}
		return errs
	case *api.RoleBinding:
		errs := validateObjectMeta(&o.ObjectMeta, true, IsValidPathSegmentName)
		return append(errs, validateBinding(o.RoleRef, o.Subjects, true)...)
	case *api.ClusterRoleBinding:
		errs := validateObjectMeta(&o.ObjectMeta, false, IsValidPathSegmentName)
		return append(errs, validateBinding(o.RoleRef, o.Subjects, false)...)
	}
	return Validate(obj)
}

// ValidateRBACUpdate checks what an update may not change: a binding's
// roleRef ("cannot change roleRef"), besides ValidateUpdate's metadata.
func ValidateRBACUpdate(obj, old api.Object) ErrorList {
	errs := ValidateUpdate(obj, old)
	var ref, oldRef api.RoleRef
	switch o := obj.(type) {
	case *api.RoleBinding:
		ref, oldRef = o.RoleRef, old.(*api.RoleBinding).RoleRef
	case *api.ClusterRoleBinding:
		ref, oldRef = o.RoleRef, old.(*api.ClusterRoleBinding).RoleRef
	default:
		return errs
	}
	if !reflect.DeepEqual(ref, oldRef) {
		errs = append(errs, Invalid("roleRef", ref, "cannot change roleRef"))
	}
	return errs
}

func validatePolicyRules(rules []api.PolicyRule, namespaced bool) ErrorList {
	var errs ErrorList
	for i, r := range rules {
		p := Path("rules").Index(i)
		if len(r.Verbs) == 0 {
			errs = append(errs, Required(p.Child("verbs"), "verbs must contain at least one value"))
		}
		if len(r.NonResourceURLs) > 0 {
			if namespaced {
				errs = append(errs, Invalid(p.Child("nonResourceURLs"), r.NonResourceURLs, "namespaced rules cannot apply to non-resource URLs"))
			}
			if len(r.APIGroups) > 0 || len(r.Resources) > 0 || len(r.ResourceNames) > 0 {
				errs = append(errs, Invalid(p.Child("nonResourceURLs"), r.NonResourceURLs, "rules cannot apply to both regular resources and non-resource URLs"))
			}
			continue
		}
		if len(r.APIGroups) == 0 {
			errs = append(errs, Required(p.Child("apiGroups"), "resource rules must supply at least one api group"))
		}
		if len(r.Resources) == 0 {
			errs = append(errs, Required(p.Child("resources"), "resource rules must supply at least one resource"))
		}
	}
	return errs
}

func validateBinding(ref api.RoleRef, subjects []api.Subject, namespaced bool) ErrorList {
	var errs ErrorList
	rp := Path("roleRef")
	if ref.APIGroup != api.RBACGroup {
		errs = append(errs, NotSupported(rp.Child("apiGroup"), ref.APIGroup, []string{api.RBACGroup}))
	}
	kinds := []string{"ClusterRole"}
	if namespaced {
		kinds = []string{"Role", "ClusterRole"}
	}
	errs = append(errs, oneOf(rp.Child("kind"), ref.Kind, kinds...)...)
	if ref.Name == "" {
		errs = append(errs, Required(rp.Child("name"), ""))
	} else {
		errs = append(errs, checkName(rp.Child("name"), ref.Name, IsValidPathSegmentName)...)
	}
	for i, s := range subjects {
		errs = append(errs, validateSubject(s, namespaced, Path("subjects").Index(i))...)
	}
	return errs
}

func validateSubject(s api.Subject, namespaced bool, p Path) ErrorList {
	var errs ErrorList
	if s.Name == "" {
		errs = append(errs, Required(p.Child("name"), ""))
	}
	switch s.Kind {
	case api.ServiceAccountKind:
		if s.Name != "" {
			errs = append(errs, checkName(p.Child("name"), s.Name, IsDNS1123Subdomain)...)
		}
		if s.APIGroup != "" {
			errs = append(errs, NotSupported(p.Child("apiGroup"), s.APIGroup, []string{""}))
		}
		if !namespaced && s.Namespace == "" {
			errs = append(errs, Required(p.Child("namespace"), ""))
		}
	case api.UserKind, api.GroupKind:
		if s.APIGroup != api.RBACGroup {
			errs = append(errs, NotSupported(p.Child("apiGroup"), s.APIGroup, []string{api.RBACGroup}))
		}
	default:
		errs = append(errs, NotSupported(p.Child("kind"), s.Kind, []string{api.ServiceAccountKind, api.UserKind, api.GroupKind}))
	}
	return errs
}
