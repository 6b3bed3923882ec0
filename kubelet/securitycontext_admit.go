package kubelet

import (
	"bytes"
	"errors"
	"os"

	"minik8s/pkg/api"
)

// podRejection is a reason the kubelet refuses a pod at admission, with
// the pod status reason Kubernetes' admit handler gives.
type podRejection struct {
	Reason  string
	Message string
}

func (r *podRejection) Error() string { return r.Message }

// rejectionReason is the status reason of a rejection err ("" if err is
// not a podRejection).
func rejectionReason(err error) string {
	var r *podRejection
	if errors.As(err, &r) {
		return r.Reason
	}
	return ""
}

// hostAppArmorEnabled says whether the host enforces AppArmor (runc's
// apparmor.IsEnabled); a variable for tests.
var hostAppArmorEnabled = func() bool {
	if _, err := os.Stat("/sys/kernel/security/apparmor"); err != nil {
		return false
	}
	buf, err := os.ReadFile("/sys/module/apparmor/parameters/enabled")
	return err == nil && bytes.HasPrefix(buf, []byte("Y"))
}

// appArmorRequired: some container's effective AppArmor profile is set and
// not Unconfined (Kubernetes' apparmor isRequired).
func appArmorRequired(pod *api.Pod) bool {
	all := append(append([]api.Container(nil), pod.Spec.InitContainers...), pod.Spec.Containers...)
	for i := range all {
		if ap := effectiveSecurityContext(pod, &all[i]).AppArmorProfile; ap != nil && ap.Type != api.SeccompProfileTypeUnconfined {
			return true
		}
	}
	return false
}

// securityAdmissionError is Kubernetes' AppArmor admit handler: a pod that
// needs AppArmor on a host without it is rejected (reason AppArmor).
func securityAdmissionError(pod *api.Pod, appArmorEnabled bool) error {
	if appArmorRequired(pod) && !appArmorEnabled {
		return &podRejection{Reason: "AppArmor", Message: "Cannot enforce AppArmor: AppArmor is not enabled on the host"}
	}
	return nil
}
