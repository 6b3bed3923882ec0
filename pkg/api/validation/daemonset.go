package validation

import (
	"encoding/json"
	"reflect"

	"k8s.io/apimachinery/pkg/util/intstr"

	"minik8s/pkg/api"
)

// DaemonSet and ControllerRevision: defaults, validation and the update
// rules of Kubernetes' apps/v1 (pkg/apis/apps/validation and v1 defaults).

// Default values of a daemon set's rolling update.
const (
	DefaultDaemonSetMaxUnavailable = 1
	DefaultDaemonSetMaxSurge       = 0
)

func defaultDaemonSet(d *api.DaemonSet) {
	s := &d.Spec
	if s.UpdateStrategy.Type == "" {
		s.UpdateStrategy.Type = api.RollingUpdateDaemonSetStrategyType
	}
	if s.UpdateStrategy.Type == api.RollingUpdateDaemonSetStrategyType {
		if s.UpdateStrategy.RollingUpdate == nil {
			s.UpdateStrategy.RollingUpdate = &api.RollingUpdateDaemonSet{}
		}
		ru := s.UpdateStrategy.RollingUpdate
		if ru.MaxUnavailable == nil {
			ru.MaxUnavailable = ptr(intstr.FromInt32(DefaultDaemonSetMaxUnavailable))
		}
		if ru.MaxSurge == nil {
			ru.MaxSurge = ptr(intstr.FromInt32(DefaultDaemonSetMaxSurge))
		}
	}
	if s.RevisionHistoryLimit == nil {
		s.RevisionHistoryLimit = ptr(int32(DefaultRevisionHistoryLimit))
	}
	DefaultPodSpec(&s.Template.Spec)
}

func validateDaemonSetSpec(s *api.DaemonSetSpec, p Path) ErrorList {
	errs := validateSelectorAndTemplate(s.Selector, &s.Template, "daemonset", p)
	errs = append(errs, nonNegative(p.Child("minReadySeconds"), int64(s.MinReadySeconds))...)
	if s.RevisionHistoryLimit != nil {
		errs = append(errs, nonNegative(p.Child("revisionHistoryLimit"), int64(*s.RevisionHistoryLimit))...)
	}
	return append(errs, validateDaemonSetUpdateStrategy(&s.UpdateStrategy, p.Child("updateStrategy"))...)
}

// validateDaemonSetUpdateStrategy: RollingUpdate (the default when empty)
// or OnDelete; a rolling update has exactly one of maxUnavailable and
// maxSurge non-zero. An unset rollingUpdate or field takes the default.
func validateDaemonSetUpdateStrategy(st *api.DaemonSetUpdateStrategy, p Path) ErrorList {
	switch st.Type {
	case api.OnDeleteDaemonSetStrategyType:
		return nil
	case "", api.RollingUpdateDaemonSetStrategyType:
	default:
		return ErrorList{NotSupported(p.Child("type"), st.Type, []string{api.OnDeleteDaemonSetStrategyType, api.RollingUpdateDaemonSetStrategyType})}
	}
	ru := st.RollingUpdate
	if ru == nil {
		return nil
	}
	rp := p.Child("rollingUpdate")
	errs := validateIntOrPercent(ru.MaxUnavailable, rp.Child("maxUnavailable"), true)
	errs = append(errs, validateIntOrPercent(ru.MaxSurge, rp.Child("maxSurge"), true)...)
	unavailable := ru.MaxUnavailable == nil || !isZero(ru.MaxUnavailable) // unset: 1
	surge := ru.MaxSurge != nil && !isZero(ru.MaxSurge)                   // unset: 0
	switch {
	case unavailable && surge:
		errs = append(errs, Invalid(rp.Child("maxSurge"), formatIntOrString(ru.MaxSurge), "may not be set when maxUnavailable is non-zero"))
	case !unavailable && !surge:
		errs = append(errs, Required(rp.Child("maxUnavailable"), "cannot be 0 when maxSurge is 0"))
	}
	return errs
}

func validateControllerRevision(r *api.ControllerRevision) ErrorList {
	var errs ErrorList
	if len(r.Data) == 0 || string(r.Data) == "null" {
		errs = append(errs, Required("data", "data is mandatory"))
	}
	return append(errs, nonNegative("revision", r.Revision)...)
}

// jsonEqual compares two JSON documents by value.
func jsonEqual(a, b []byte) bool {
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return string(a) == string(b)
	}
	return reflect.DeepEqual(va, vb)
}
