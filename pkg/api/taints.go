package api

// ToleratesTaint is Kubernetes' Toleration.ToleratesTaint (k8s.io/api
// core/v1): an empty effect matches every effect, an empty key matches
// every key (with Exists: every taint), an empty operator is Equal, Equal
// needs the same value, Exists any value, and any other operator nothing.
func (t *Toleration) ToleratesTaint(taint *Taint) bool {
	if t.Effect != "" && t.Effect != taint.Effect {
		return false
	}
	if t.Key != "" && t.Key != taint.Key {
		return false
	}
	switch t.Operator {
	case "", TolerationOpEqual:
		return t.Value == taint.Value
	case TolerationOpExists:
		return true
	}
	return false
}

// TaintToleratedByTolerations is Kubernetes' v1helper function of that
// name: whether any of tolerations tolerates taint.
func TaintToleratedByTolerations(taint *Taint, tolerations []Toleration) bool {
	for i := range tolerations {
		if tolerations[i].ToleratesTaint(taint) {
			return true
		}
	}
	return false
}
