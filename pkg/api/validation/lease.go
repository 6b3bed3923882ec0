package validation

import "minik8s/pkg/api"

// validateLeaseSpec checks a Lease as Kubernetes' ValidateLeaseSpec.
func validateLeaseSpec(s *api.LeaseSpec, p Path) ErrorList {
	var errs ErrorList
	if s.LeaseDurationSeconds != nil && *s.LeaseDurationSeconds <= 0 {
		errs = append(errs, Invalid(p.Child("leaseDurationSeconds"), *s.LeaseDurationSeconds, "must be greater than 0"))
	}
	if s.LeaseTransitions != nil && *s.LeaseTransitions < 0 {
		errs = append(errs, Invalid(p.Child("leaseTransitions"), *s.LeaseTransitions, "must be greater than or equal to 0"))
	}
	return errs
}
