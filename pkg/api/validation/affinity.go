package validation

import "minik8s/pkg/api"

// validateAffinity checks node affinity as Kubernetes'
// validateNodeAffinity, with its messages.
func validateAffinity(a *api.Affinity, p Path) ErrorList {
	if a == nil || a.NodeAffinity == nil {
		return nil
	}
	var errs ErrorList
	na, np := a.NodeAffinity, p.Child("nodeAffinity")
	if r := na.RequiredDuringSchedulingIgnoredDuringExecution; r != nil {
		rp := np.Child("requiredDuringSchedulingIgnoredDuringExecution")
		if len(r.NodeSelectorTerms) == 0 {
			errs = append(errs, Required(rp.Child("nodeSelectorTerms"), "must have at least one node selector term"))
		}
		for i := range r.NodeSelectorTerms {
			errs = append(errs, validateNodeSelectorTerm(&r.NodeSelectorTerms[i], rp.Child("nodeSelectorTerms").Index(i))...)
		}
	}
	for i, t := range na.PreferredDuringSchedulingIgnoredDuringExecution {
		tp := np.Child("preferredDuringSchedulingIgnoredDuringExecution").Index(i)
		if t.Weight <= 0 || t.Weight > 100 {
			errs = append(errs, Invalid(tp.Child("weight"), t.Weight, "must be in the range 1-100"))
		}
		errs = append(errs, validateNodeSelectorTerm(&t.Preference, tp.Child("preference"))...)
	}
	return errs
}

func validateNodeSelectorTerm(t *api.NodeSelectorTerm, p Path) ErrorList {
	var errs ErrorList
	for i, r := range t.MatchExpressions {
		rp := p.Child("matchExpressions").Index(i)
		switch r.Operator {
		case api.NodeSelectorOpIn, api.NodeSelectorOpNotIn:
			if len(r.Values) == 0 {
				errs = append(errs, Required(rp.Child("values"), "must be specified when `operator` is 'In' or 'NotIn'"))
			}
		case api.NodeSelectorOpExists, api.NodeSelectorOpDoesNotExist:
			if len(r.Values) > 0 {
				errs = append(errs, Forbidden(rp.Child("values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
			}
		case api.NodeSelectorOpGt, api.NodeSelectorOpLt:
			if len(r.Values) != 1 {
				errs = append(errs, Required(rp.Child("values"), "must be specified single value when `operator` is 'Lt' or 'Gt'"))
			}
		default:
			errs = append(errs, Invalid(rp.Child("operator"), r.Operator, "not a valid selector operator"))
		}
		if r.Key == "" {
			errs = append(errs, Required(rp.Child("key"), ""))
		}
	}
	for i, r := range t.MatchFields {
		rp := p.Child("matchFields").Index(i)
		if r.Key != "metadata.name" {
			errs = append(errs, Invalid(rp.Child("key"), r.Key, "not a valid field selector key"))
		}
		switch r.Operator {
		case api.NodeSelectorOpIn, api.NodeSelectorOpNotIn:
			if len(r.Values) != 1 {
				errs = append(errs, Required(rp.Child("values"), "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"))
			}
		default:
			errs = append(errs, Invalid(rp.Child("operator"), r.Operator, "not a valid selector operator"))
		}
	}
	return errs
}
