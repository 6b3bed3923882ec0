package runtime

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Seccomp profile kinds of SecurityConfig.Seccomp.
const (
	SeccompUnconfined     = "Unconfined"
	SeccompRuntimeDefault = "RuntimeDefault"
	SeccompLocalhost      = "Localhost"
)

// SecurityConfig is a container's effective security settings: the pod's
// and the container's securityContext merged by the kubelet (the
// container's fields win), in the terms of CRI's
// LinuxContainerSecurityContext.
type SecurityConfig struct {
	RunAsUser          *int64  // nil: the image's USER
	RunAsGroup         *int64  // nil: the user's primary group
	SupplementalGroups []int64 // fsGroup then the pod's supplementalGroups
	// StrictGroups (supplementalGroupsPolicy Strict): the groups of the
	// image's /etc/group are not added, only the primary group and
	// SupplementalGroups.
	StrictGroups bool
	// RunAsNonRoot: the runtime must refuse (ConfigError) to run the
	// container as uid 0 (see VerifyRunAsNonRoot).
	RunAsNonRoot bool
	Privileged   bool
	// CapAdd and CapDrop are capability names with the CAP_ prefix, or
	// "ALL"; they apply to the runtime's default set.
	CapAdd         []string
	CapDrop        []string
	ReadOnlyRootFS bool
	NoNewPrivs     bool
	// Seccomp is SeccompUnconfined, SeccompRuntimeDefault or
	// SeccompLocalhost (then SeccompProfilePath is the profile file).
	Seccomp            string
	SeccompProfilePath string
	// AppArmor is "" (the runtime's default: none here), SeccompUnconfined,
	// SeccompRuntimeDefault or SeccompLocalhost (AppArmorProfile names the
	// loaded profile); the kubelet refuses pods that need AppArmor on a
	// host without it.
	AppArmor        string
	AppArmorProfile string
	HostPID         bool
	HostIPC         bool
}

// ConfigError is an error in a container's configuration found when the
// runtime creates it (the kubelet reports CreateContainerConfigError).
type ConfigError struct{ Msg string }

func (e *ConfigError) Error() string { return e.Msg }

// IsConfigError says whether err is (or wraps) a ConfigError.
func IsConfigError(err error) bool {
	var ce *ConfigError
	return errors.As(err, &ce)
}

// FormatPod is a pod as the kubelet's messages name it: name_namespace(uid).
func FormatPod(name, namespace, uid string) string {
	return fmt.Sprintf("%s_%s(%s)", name, namespace, uid)
}

// ImageUser splits an image's USER ("uid", "name", "uid:gid", "" = root)
// into a numeric uid or a user name, as CRI's image status reports it.
func ImageUser(user string) (*int64, string) {
	u, _, _ := strings.Cut(user, ":")
	if u == "" {
		var root int64
		return &root, ""
	}
	if n, err := strconv.ParseInt(u, 10, 64); err == nil {
		return &n, ""
	}
	return nil, u
}

// VerifyRunAsNonRoot is Kubernetes' verifyRunAsNonRoot: with RunAsNonRoot
// the effective uid (RunAsUser, else the image's USER) must be known and
// not 0. pod is FormatPod's; imageUser is the image config's USER.
func VerifyRunAsNonRoot(sc *SecurityConfig, imageUser, pod, container string) error {
	if sc == nil || !sc.RunAsNonRoot {
		return nil
	}
	if sc.RunAsUser != nil {
		if *sc.RunAsUser == 0 {
			return &ConfigError{fmt.Sprintf("container's runAsUser breaks non-root policy (pod: %q, container: %s)", pod, container)}
		}
		return nil
	}
	uid, name := ImageUser(imageUser)
	switch {
	case uid != nil && *uid == 0:
		return &ConfigError{fmt.Sprintf("container has runAsNonRoot and image will run as root (pod: %q, container: %s)", pod, container)}
	case uid == nil:
		return &ConfigError{fmt.Sprintf("container has runAsNonRoot and image has non-numeric user (%s), cannot verify user is non-root (pod: %q, container: %s)", name, pod, container)}
	}
	return nil
}
