package validation

import (
	"strings"
	"testing"

	"minik8s/pkg/api"
)

// Cases from Kubernetes' validation_test.go (TestValidatePodSpec's
// security contexts, TestValidateSecurityContext, TestValidateSeccomp*,
// TestValidateAppArmorProfileFormat, TestValidateSysctls), plus what the
// kubelet here cannot honour.
func TestValidateSecurityContexts(t *testing.T) {
	str := func(s string) *string { return &s }
	cases := []struct {
		name string
		mut  func(s *api.PodSpec)
		want []string // "" = valid
	}{
		{"empty pod securityContext", func(s *api.PodSpec) { s.SecurityContext = &api.PodSecurityContext{} }, nil},
		{"full valid pod", func(s *api.PodSpec) {
			s.SecurityContext = &api.PodSecurityContext{
				RunAsUser: ptr(int64(1000)), RunAsGroup: ptr(int64(3000)), FSGroup: ptr(int64(2000)), SupplementalGroups: []int64{1, 2},
				RunAsNonRoot: ptr(true), FSGroupChangePolicy: str("OnRootMismatch"), SupplementalGroupsPolicy: str("Strict"),
				SeccompProfile: &api.SeccompProfile{Type: "RuntimeDefault"},
				Sysctls:        []api.Sysctl{{Name: "net.ipv4.ip_unprivileged_port_start", Value: "0"}, {Name: "kernel.shm_rmid_forced", Value: "1"}, {Name: "net/ipv4/ping_group_range", Value: "0 1"}},
			}
			s.Containers[0].SecurityContext = &api.SecurityContext{
				Capabilities: &api.Capabilities{Drop: []string{"ALL"}, Add: []string{"NET_BIND_SERVICE", "cap_chown"}}, ReadOnlyRootFilesystem: ptr(true),
				AllowPrivilegeEscalation: ptr(false), ProcMount: str("Default"),
				SeccompProfile: &api.SeccompProfile{Type: "Localhost", LocalhostProfile: str("profiles/a.json")},
			}
			s.Containers[1].SecurityContext = &api.SecurityContext{Privileged: ptr(true), AppArmorProfile: &api.AppArmorProfile{Type: "Unconfined"}}
		}, nil},
		{"negative ids", func(s *api.PodSpec) {
			s.SecurityContext = &api.PodSecurityContext{RunAsUser: ptr(int64(-1)), RunAsGroup: ptr(int64(-2)), FSGroup: ptr(int64(-3)), SupplementalGroups: []int64{5, -4}}
			s.Containers[0].SecurityContext = &api.SecurityContext{RunAsUser: ptr(int64(2147483648))}
		}, []string{
			"spec.containers[0].securityContext.runAsUser: Invalid value: 2147483648: must be between 0 and 2147483647, inclusive",
			"spec.securityContext.fsGroup: Invalid value: -3: must be between 0 and 2147483647, inclusive",
			"spec.securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive",
			"spec.securityContext.runAsGroup: Invalid value: -2: must be between 0 and 2147483647, inclusive",
			"spec.securityContext.supplementalGroups[1]: Invalid value: -4: must be between 0 and 2147483647, inclusive",
		}},
		{"privileged without escalation", func(s *api.PodSpec) {
			s.Containers[0].SecurityContext = &api.SecurityContext{Privileged: ptr(true), AllowPrivilegeEscalation: ptr(false)}
		}, []string{"spec.containers[0].securityContext: Invalid value: {\"privileged\":true,\"allowPrivilegeEscalation\":false}: cannot set `allowPrivilegeEscalation` to false and `privileged` to true"}},
		{"CAP_SYS_ADMIN without escalation", func(s *api.PodSpec) {
			s.InitContainers = []api.Container{{Name: "i", Image: "x", SecurityContext: &api.SecurityContext{Capabilities: &api.Capabilities{Add: []string{"CAP_SYS_ADMIN"}}, AllowPrivilegeEscalation: ptr(false)}}}
		}, []string{"spec.initContainers[0].securityContext: Invalid value: {\"capabilities\":{\"add\":[\"CAP_SYS_ADMIN\"]},\"allowPrivilegeEscalation\":false}: cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN"}},
		{"unknown capability", func(s *api.PodSpec) {
			s.Containers[0].SecurityContext = &api.SecurityContext{Capabilities: &api.Capabilities{Drop: []string{"NET_RAW", "FLY"}}}
		}, []string{`spec.containers[0].securityContext.capabilities.drop[1]: Invalid value: "FLY": unknown capability`}},
		{"seccomp type", func(s *api.PodSpec) {
			s.SecurityContext = &api.PodSecurityContext{SeccompProfile: &api.SeccompProfile{Type: "Custom"}}
			s.Containers[0].SecurityContext = &api.SecurityContext{SeccompProfile: &api.SeccompProfile{}}
		}, []string{
			"spec.containers[0].securityContext.seccompProfile.type: Required value: type is required when seccompProfile is set",
			`spec.securityContext.seccompProfile.type: Unsupported value: "Custom": supported values: "Localhost", "RuntimeDefault", "Unconfined"`,
		}},
		{"seccomp Localhost needs a relative localhostProfile", func(s *api.PodSpec) {
			s.Containers[0].SecurityContext = &api.SecurityContext{SeccompProfile: &api.SeccompProfile{Type: "Localhost"}}
			s.Containers[1].SecurityContext = &api.SecurityContext{SeccompProfile: &api.SeccompProfile{Type: "Localhost", LocalhostProfile: str("/abs/../x")}}
		}, []string{
			"spec.containers[0].securityContext.seccompProfile.localhostProfile: Required value: must be set when seccomp type is Localhost",
			`spec.containers[1].securityContext.seccompProfile.localhostProfile: Invalid value: "/abs/../x": must be a relative path`,
			`spec.containers[1].securityContext.seccompProfile.localhostProfile: Invalid value: "/abs/../x": must not contain '..'`,
		}},
		{"localhostProfile only with Localhost", func(s *api.PodSpec) {
			s.SecurityContext = &api.PodSecurityContext{SeccompProfile: &api.SeccompProfile{Type: "RuntimeDefault", LocalhostProfile: str("a.json")}}
		}, []string{`spec.securityContext.seccompProfile.localhostProfile: Invalid value: {"type":"RuntimeDefault","localhostProfile":"a.json"}: can only be set when seccomp type is Localhost`}},
		{"procMount", func(s *api.PodSpec) {
			s.Containers[0].SecurityContext = &api.SecurityContext{ProcMount: str("Unmasked")}
			s.Containers[1].SecurityContext = &api.SecurityContext{ProcMount: str("Masked")}
		}, []string{
			"spec.containers[0].securityContext.procMount: Invalid value: \"Unmasked\": `hostUsers` must be false to use `Unmasked`",
			`spec.containers[1].securityContext.procMount: Unsupported value: "Masked": supported values: "Default", "Unmasked"`,
		}},
		{"policies", func(s *api.PodSpec) {
			s.SecurityContext = &api.PodSecurityContext{FSGroupChangePolicy: str("Sometimes"), SupplementalGroupsPolicy: str("Loose")}
		}, []string{
			`spec.securityContext.supplementalGroupsPolicy: Unsupported value: "Loose": supported values: "Merge", "Strict"`,
			`spec.securityContext.fsGroupChangePolicy: Unsupported value: "Sometimes": supported values: "OnRootMismatch", "Always"`,
		}},
		{"sysctls", func(s *api.PodSpec) {
			s.SecurityContext = &api.PodSecurityContext{Sysctls: []api.Sysctl{
				{Name: ""}, {Name: "Bad.Name"}, {Name: "kernel.msgmax"}, {Name: "kernel.msgmax"}, {Name: "vm.swappiness"},
			}}
		}, []string{
			"spec.securityContext.sysctls[0].name: Required value",
			`spec.securityContext.sysctls[1].name: Invalid value: "Bad.Name": must have at most 253 characters and match regex ^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$`,
			`spec.securityContext.sysctls[3].name: Duplicate value: "kernel.msgmax"`,
			`spec.securityContext.sysctls[4].name: Invalid value: "vm.swappiness": is not a namespaced sysctl: the kubelet cannot set it for one pod`,
		}},
		{"sysctls of host namespaces", func(s *api.PodSpec) {
			s.HostNetwork, s.HostIPC = true, true
			s.SecurityContext = &api.PodSecurityContext{Sysctls: []api.Sysctl{{Name: "net.ipv4.tcp_syncookies"}, {Name: "kernel.shm_rmid_forced"}, {Name: "fs.mqueue.msg_max"}}}
		}, []string{
			`spec.securityContext.sysctls[0].name: Invalid value: "net.ipv4.tcp_syncookies": may not be specified when 'hostNetwork' is true`,
			`spec.securityContext.sysctls[1].name: Invalid value: "kernel.shm_rmid_forced": may not be specified when 'hostIPC' is true`,
			`spec.securityContext.sysctls[2].name: Invalid value: "fs.mqueue.msg_max": may not be specified when 'hostIPC' is true`,
		}},
		{"appArmor", func(s *api.PodSpec) {
			s.SecurityContext = &api.PodSecurityContext{AppArmorProfile: &api.AppArmorProfile{Type: "Localhost"}}
			s.Containers[0].SecurityContext = &api.SecurityContext{AppArmorProfile: &api.AppArmorProfile{Type: "Localhost", LocalhostProfile: str(" p ")}}
			s.Containers[1].SecurityContext = &api.SecurityContext{AppArmorProfile: &api.AppArmorProfile{Type: "Bogus"}}
		}, []string{
			`spec.containers[0].securityContext.appArmorProfile.localhostProfile: Invalid value: " p ": must not be padded with whitespace`,
			`spec.containers[1].securityContext.appArmorProfile.type: Unsupported value: "Bogus": supported values: "Localhost", "RuntimeDefault", "Unconfined"`,
			"spec.securityContext.appArmorProfile.localhostProfile: Required value: must be set when AppArmor type is Localhost",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pod := basePod()
			tc.mut(&pod.Spec)
			var got []string
			for _, e := range Validate(pod) {
				got = append(got, e.Error())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}
