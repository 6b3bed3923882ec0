package validation

import (
	"fmt"

	"minik8s/pkg/api"
)

// validateLifecycle checks a container's postStart and preStop hooks as
// Kubernetes' validateLifecycle does: each names exactly one handler, a
// sleep is non-negative and at most the pod's grace period.
func validateLifecycle(l *api.Lifecycle, grace *int64, p Path) ErrorList {
	if l == nil {
		return nil
	}
	var errs ErrorList
	if l.PostStart != nil {
		errs = append(errs, validateLifecycleHandler(l.PostStart, grace, p.Child("postStart"))...)
	}
	if l.PreStop != nil {
		errs = append(errs, validateLifecycleHandler(l.PreStop, grace, p.Child("preStop"))...)
	}
	return errs
}

func validateLifecycleHandler(h *api.LifecycleHandler, grace *int64, p Path) ErrorList {
	var errs ErrorList
	n := 0
	one := func(name string, check func() ErrorList) {
		if n > 0 {
			errs = append(errs, Forbidden(p.Child(name), "may not specify more than 1 handler type"))
			return
		}
		n++
		errs = append(errs, check()...)
	}
	if h.Exec != nil {
		one("exec", func() ErrorList {
			if len(h.Exec.Command) == 0 {
				return ErrorList{Required(p.Child("exec").Child("command"), "")}
			}
			return nil
		})
	}
	if h.HTTPGet != nil {
		one("httpGet", func() ErrorList {
			errs := validatePortRef(h.HTTPGet.Port, p.Child("httpGet").Child("port"))
			if s := h.HTTPGet.Scheme; s != "" {
				errs = append(errs, oneOf(p.Child("httpGet").Child("scheme"), s, "HTTP", "HTTPS")...)
			}
			return errs
		})
	}
	if h.TCPSocket != nil {
		one("tcpSocket", func() ErrorList {
			return validatePortRef(h.TCPSocket.Port, p.Child("tcpSocket").Child("port"))
		})
	}
	if h.Sleep != nil {
		one("sleep", func() ErrorList { return validateSleepAction(h.Sleep, grace, p.Child("sleep")) })
	}
	if n == 0 {
		errs = append(errs, Required(p, "must specify a handler type"))
	}
	return errs
}

// validateSleepAction: a nil grace period is left to its own check (as in
// Kubernetes, which then flags no second error here).
func validateSleepAction(s *api.SleepAction, grace *int64, p Path) ErrorList {
	if grace != nil && (s.Seconds < 0 || s.Seconds > *grace) {
		return ErrorList{Invalid(p, s.Seconds,
			fmt.Sprintf("must be non-negative and less than terminationGracePeriodSeconds (%d)", *grace))}
	}
	return nil
}
