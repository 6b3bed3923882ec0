package podsecurity

import (
	"encoding/json"
	"testing"

	"minik8s/pkg/api"
)

// checkCase is one case of Kubernetes' check_*_test.go tables: a pod (its
// annotations and spec as JSON) and the reason and detail the check must
// give ("" reason: allowed).
type checkCase struct {
	name        string
	fn          checkFunc
	version     Version
	annotations map[string]string
	spec        string
	reason      string
	detail      string
}

const aa = "container.apparmor.security.beta.kubernetes.io/"

var checkCases = []checkCase{
	// check_hostNamespaces_test.go
	{name: "hostNamespaces all", fn: hostNamespaces, spec: `{"hostNetwork":true,"hostIPC":true,"hostPID":true}`,
		reason: "host namespaces", detail: "hostNetwork=true, hostPID=true, hostIPC=true"},
	{name: "hostNamespaces none", fn: hostNamespaces, spec: `{"containers":[{"name":"a"}]}`},
	// check_privileged_test.go
	{name: "privileged", fn: privileged, spec: `{"containers":[{"name":"a"},{"name":"b","securityContext":{}},
		{"name":"c","securityContext":{"privileged":false}},{"name":"d","securityContext":{"privileged":true}},
		{"name":"e","securityContext":{"privileged":true}}]}`,
		reason: "privileged", detail: `containers "d", "e" must not set securityContext.privileged=true`},
	{name: "privileged init container", fn: privileged, spec: `{"initContainers":[{"name":"i","securityContext":{"privileged":true}}],"containers":[{"name":"a"}]}`,
		reason: "privileged", detail: `container "i" must not set securityContext.privileged=true`},
	{name: "privileged false", fn: privileged, spec: `{"containers":[{"name":"a","securityContext":{"privileged":false}}]}`},
	// check_capabilities_baseline_test.go
	{name: "capabilities_baseline", fn: capabilitiesBaseline, spec: `{"containers":[
		{"name":"a","securityContext":{"capabilities":{"add":["FOO","BAR"]}}},
		{"name":"b","securityContext":{"capabilities":{"add":["BAR","BAZ"]}}}]}`,
		reason: "non-default capabilities", detail: `containers "a", "b" must not include "BAR", "BAZ", "FOO" in securityContext.capabilities.add`},
	{name: "capabilities_baseline default set", fn: capabilitiesBaseline, spec: `{"containers":[
		{"name":"a","securityContext":{"capabilities":{"add":["NET_BIND_SERVICE","CHOWN","SYS_CHROOT"]}}}]}`},
	{name: "capabilities_baseline NET_RAW", fn: capabilitiesBaseline, spec: `{"containers":[
		{"name":"a","securityContext":{"capabilities":{"add":["NET_RAW"]}}}]}`,
		reason: "non-default capabilities", detail: `container "a" must not include "NET_RAW" in securityContext.capabilities.add`},
	// check_hostPathVolumes_test.go
	{name: "hostPathVolumes", fn: hostPathVolumes, spec: `{"volumes":[{"name":"a","hostPath":{"path":""}},
		{"name":"b","hostPath":{"path":""}},{"name":"c","emptyDir":{}}]}`,
		reason: "hostPath volumes", detail: `volumes "a", "b"`},
	{name: "hostPathVolumes one", fn: hostPathVolumes, spec: `{"volumes":[{"name":"root","hostPath":{"path":"/"}}]}`,
		reason: "hostPath volumes", detail: `volume "root"`},
	{name: "hostPathVolumes emptyDir", fn: hostPathVolumes, spec: `{"volumes":[{"name":"c","emptyDir":{}}]}`},
	// check_hostPorts_test.go
	{name: "hostPorts one", fn: hostPorts, spec: `{"containers":[{"name":"a","ports":[{"hostPort":0}]},
		{"name":"b","ports":[{"hostPort":0},{"hostPort":20}]}]}`,
		reason: "hostPort", detail: `container "b" uses hostPort 20`},
	{name: "hostPorts multiple", fn: hostPorts, spec: `{"containers":[{"name":"a","ports":[{"hostPort":0}]},
		{"name":"b","ports":[{"hostPort":0},{"hostPort":10},{"hostPort":20}]},
		{"name":"c","ports":[{"hostPort":0},{"hostPort":10},{"hostPort":30}]}]}`,
		reason: "hostPort", detail: `containers "b", "c" use hostPorts 10, 20, 30`},
	{name: "hostPorts none", fn: hostPorts, spec: `{"containers":[{"name":"a","ports":[{"containerPort":80}]}]}`},
	// check_appArmorProfile_test.go
	{name: "appArmor annotations allowed", fn: appArmorProfile, annotations: map[string]string{aa + "test": "runtime/default", "env": "prod"}, spec: `{}`},
	{name: "appArmor localhost annotation", fn: appArmorProfile, annotations: map[string]string{aa + "test": "localhost/sec-profile01"}, spec: `{}`},
	{name: "appArmor pod runtime default", fn: appArmorProfile, spec: `{"securityContext":{"appArmorProfile":{"type":"RuntimeDefault"}}}`},
	{name: "appArmor unconfined pod", fn: appArmorProfile, spec: `{"securityContext":{"appArmorProfile":{"type":"Unconfined"}}}`,
		reason: "forbidden AppArmor profile", detail: `pod must not set AppArmor profile type to "Unconfined"`},
	{name: "appArmor unconfined container", fn: appArmorProfile, spec: `{"securityContext":{"appArmorProfile":{"type":"RuntimeDefault"}},
		"containers":[{"name":"foo","securityContext":{"appArmorProfile":{"type":"Unconfined"}}}]}`,
		reason: "forbidden AppArmor profile", detail: `container "foo" must not set AppArmor profile type to "Unconfined"`},
	{name: "appArmor unconfined init container", fn: appArmorProfile, spec: `{"containers":[{"name":"foo"}],
		"initContainers":[{"name":"bar","securityContext":{"appArmorProfile":{"type":"Unconfined"}}}]}`,
		reason: "forbidden AppArmor profile", detail: `container "bar" must not set AppArmor profile type to "Unconfined"`},
	{name: "appArmor annotations", fn: appArmorProfile, annotations: map[string]string{aa: "bogus", aa + "a": "", aa + "b": "runtime/default",
		aa + "c": "localhost/", aa + "d": "localhost/foo", aa + "e": "unconfined", aa + "f": "unknown"}, spec: `{}`,
		reason: "forbidden AppArmor profiles", detail: `annotations must not set AppArmor profile type to ` +
			`"` + aa + `="bogus"", "` + aa + `e="unconfined"", "` + aa + `f="unknown""`},
	// check_seLinuxOptions_test.go
	{name: "seLinux pod and containers", fn: seLinuxOptions, spec: `{"securityContext":{"seLinuxOptions":{"type":"foo","user":"bar","role":"baz"}},
		"containers":[{"name":"a","securityContext":{"seLinuxOptions":{"type":"container_t"}}},
		{"name":"b","securityContext":{"seLinuxOptions":{"type":"container_init_t"}}},
		{"name":"c","securityContext":{"seLinuxOptions":{"type":"container_kvm_t"}}},
		{"name":"d","securityContext":{"seLinuxOptions":{"type":"container_engine_t"}}},
		{"name":"e","securityContext":{"seLinuxOptions":{"type":"bar"}}},
		{"name":"f","securityContext":{"seLinuxOptions":{"user":"bar"}}},
		{"name":"g","securityContext":{"seLinuxOptions":{"role":"baz"}}}]}`,
		reason: "seLinuxOptions", detail: `pod and containers "e", "f", "g" set forbidden securityContext.seLinuxOptions: types "bar", "foo"; user may not be set; role may not be set`},
	{name: "seLinux pod", fn: seLinuxOptions, spec: `{"securityContext":{"seLinuxOptions":{"type":"foo","user":"bar","role":"baz"}}}`,
		reason: "seLinuxOptions", detail: `pod set forbidden securityContext.seLinuxOptions: type "foo"; user may not be set; role may not be set`},
	{name: "seLinux user only", fn: seLinuxOptions, spec: `{"securityContext":{"seLinuxOptions":{"user":"bad"}}}`,
		reason: "seLinuxOptions", detail: `pod set forbidden securityContext.seLinuxOptions: user may not be set`},
	{name: "seLinux engine type before 1.31", fn: seLinuxOptions, version: V1(30), spec: `{"securityContext":{"seLinuxOptions":{"type":"container_engine_t"}}}`,
		reason: "seLinuxOptions", detail: `pod set forbidden securityContext.seLinuxOptions: type "container_engine_t"`},
	{name: "seLinux allowed", fn: seLinuxOptions, spec: `{"securityContext":{"seLinuxOptions":{"type":"container_t","level":"s0:c1"}}}`},
	// check_procMount_test.go
	{name: "procMount", fn: procMount, spec: `{"containers":[{"name":"a"},{"name":"b","securityContext":{}},
		{"name":"c","securityContext":{"procMount":"Default"}},{"name":"d","securityContext":{"procMount":"Unmasked"}},
		{"name":"e","securityContext":{"procMount":"other"}}]}`,
		reason: "procMount", detail: `containers "d", "e" must not set securityContext.procMount to "Unmasked", "other"`},
	// check_seccompProfile_baseline_test.go
	{name: "seccomp baseline pod", fn: seccompProfileBaseline, spec: `{"securityContext":{"seccompProfile":{"type":"Unconfined"}},"containers":[{"name":"a"}]}`,
		reason: "seccompProfile", detail: `pod must not set securityContext.seccompProfile.type to "Unconfined"`},
	{name: "seccomp baseline containers", fn: seccompProfileBaseline, spec: seccompContainers,
		reason: "seccompProfile", detail: `containers "c", "d" must not set securityContext.seccompProfile.type to "Unconfined"`},
	{name: "seccomp baseline pod and containers", fn: seccompProfileBaseline,
		spec: `{"securityContext":{"seccompProfile":{"type":"Unconfined"}},"containers":[{"name":"c","securityContext":{"seccompProfile":{"type":"Unconfined"}}},
		{"name":"d","securityContext":{"seccompProfile":{"type":"Unconfined"}}},{"name":"e"}]}`,
		reason: "seccompProfile", detail: `pod and containers "c", "d" must not set securityContext.seccompProfile.type to "Unconfined"`},
	{name: "seccomp baseline unset", fn: seccompProfileBaseline, spec: `{"containers":[{"name":"a"}]}`},
	{name: "seccomp baseline annotations 1.0", fn: seccompProfileBaseline, version: V1(18),
		annotations: map[string]string{seccompPodAnnotation: "unconfined", seccompContainerAnnotationPrefix + "a": "unconfined", seccompContainerAnnotationPrefix + "b": "unknown"},
		spec:        `{"containers":[{"name":"a"},{"name":"b"},{"name":"c"}]}`,
		reason:      "seccompProfile", detail: `forbidden annotations container.seccomp.security.alpha.kubernetes.io/a="unconfined", ` +
			`container.seccomp.security.alpha.kubernetes.io/b="unknown", seccomp.security.alpha.kubernetes.io/pod="unconfined"`},
	// check_sysctls_test.go
	{name: "sysctls forbidden", fn: sysctls, spec: `{"securityContext":{"sysctls":[{"name":"a","value":"a"},{"name":"b","value":"b"}]}}`,
		reason: "forbidden sysctls", detail: "a, b"},
	{name: "sysctls safe", fn: sysctls, spec: `{"securityContext":{"sysctls":[{"name":"net.ipv4.ip_local_port_range","value":"1024 65535"},
		{"name":"net.ipv4.tcp_keepalive_time","value":"1"},{"name":"net.ipv4.tcp_rmem","value":"4096 87380 16777216"}]}}`},
	{name: "sysctls tcp_rmem before 1.32", fn: sysctls, version: V1(31), spec: `{"securityContext":{"sysctls":[{"name":"net.ipv4.tcp_rmem","value":"1"}]}}`,
		reason: "forbidden sysctls", detail: "net.ipv4.tcp_rmem"},
	// check_windowsHostProcess_test.go
	{name: "windowsHostProcess", fn: windowsHostProcess, spec: `{"securityContext":{"windowsOptions":{"hostProcess":true}},
		"containers":[{"name":"a"},{"name":"b","securityContext":{}},{"name":"c","securityContext":{"windowsOptions":{}}},
		{"name":"d","securityContext":{"windowsOptions":{"hostProcess":false}}},{"name":"e","securityContext":{"windowsOptions":{"hostProcess":true}}},
		{"name":"f","securityContext":{"windowsOptions":{"hostProcess":true}}}]}`,
		reason: "hostProcess", detail: `pod and containers "e", "f" must not set securityContext.windowsOptions.hostProcess=true`},

	// check_allowPrivilegeEscalation_test.go
	{name: "allowPrivilegeEscalation", fn: allowPrivilegeEscalation, spec: `{"containers":[{"name":"a"},{"name":"b","securityContext":{}},
		{"name":"c","securityContext":{"allowPrivilegeEscalation":true}},{"name":"d","securityContext":{"allowPrivilegeEscalation":false}}]}`,
		reason: "allowPrivilegeEscalation != false", detail: `containers "a", "b", "c" must set securityContext.allowPrivilegeEscalation=false`},
	{name: "allowPrivilegeEscalation false", fn: allowPrivilegeEscalation, spec: `{"containers":[{"name":"d","securityContext":{"allowPrivilegeEscalation":false}}]}`},
	// check_capabilities_restricted_test.go
	{name: "capabilities_restricted", fn: capabilitiesRestricted, spec: `{"containers":[
		{"name":"a","securityContext":{"capabilities":{"add":["FOO","BAR"]}}},
		{"name":"b","securityContext":{"capabilities":{"add":["BAR","BAZ"]}}},
		{"name":"c","securityContext":{"capabilities":{"add":["NET_BIND_SERVICE","CHOWN"],"drop":["ALL","FOO"]}}}]}`,
		reason: "unrestricted capabilities", detail: `containers "a", "b" must set securityContext.capabilities.drop=["ALL"]; ` +
			`containers "a", "b", "c" must not include "BAR", "BAZ", "CHOWN", "FOO" in securityContext.capabilities.add`},
	{name: "capabilities_restricted unset", fn: capabilitiesRestricted, spec: `{"containers":[{"name":"a"}]}`,
		reason: "unrestricted capabilities", detail: `container "a" must set securityContext.capabilities.drop=["ALL"]`},
	{name: "capabilities_restricted compliant", fn: capabilitiesRestricted, spec: `{"containers":[
		{"name":"a","securityContext":{"capabilities":{"add":["NET_BIND_SERVICE"],"drop":["ALL"]}}}]}`},
	// check_restrictedVolumes_test.go (the volume types minik8s has)
	{name: "restrictedVolumes", fn: restrictedVolumes, spec: `{"volumes":[{"name":"a1","emptyDir":{}},{"name":"a2","secret":{}},
		{"name":"a3","downwardAPI":{}},{"name":"a4","configMap":{}},{"name":"a5","projected":{}},
		{"name":"b1","hostPath":{"path":""}},{"name":"c1"}]}`,
		reason: "restricted volume types", detail: `volumes "b1", "c1" use restricted volume types "hostPath", "unknown"`},
	{name: "restrictedVolumes one", fn: restrictedVolumes, spec: `{"volumes":[{"name":"root","hostPath":{"path":"/"}}]}`,
		reason: "restricted volume types", detail: `volume "root" uses restricted volume type "hostPath"`},
	// check_runAsNonRoot_test.go
	{name: "runAsNonRoot no explicit", fn: runAsNonRoot, spec: `{"containers":[{"name":"a"}]}`,
		reason: "runAsNonRoot != true", detail: `pod or container "a" must set securityContext.runAsNonRoot=true`},
	{name: "runAsNonRoot pod false", fn: runAsNonRoot, spec: `{"securityContext":{"runAsNonRoot":false},"containers":[{"name":"a"}]}`,
		reason: "runAsNonRoot != true", detail: `pod must not set securityContext.runAsNonRoot=false`},
	{name: "runAsNonRoot containers false", fn: runAsNonRoot, spec: `{"securityContext":{"runAsNonRoot":true},"containers":[{"name":"a"},
		{"name":"b","securityContext":{}},{"name":"c","securityContext":{"runAsNonRoot":false}},{"name":"d","securityContext":{"runAsNonRoot":false}},
		{"name":"e","securityContext":{"runAsNonRoot":true}},{"name":"f","securityContext":{"runAsNonRoot":true}}]}`,
		reason: "runAsNonRoot != true", detail: `containers "c", "d" must not set securityContext.runAsNonRoot=false`},
	{name: "runAsNonRoot fallthrough", fn: runAsNonRoot, spec: `{"containers":[{"name":"a"},{"name":"b","securityContext":{}},
		{"name":"d","securityContext":{"runAsNonRoot":true}},{"name":"e","securityContext":{"runAsNonRoot":true}}]}`,
		reason: "runAsNonRoot != true", detail: `pod or containers "a", "b" must set securityContext.runAsNonRoot=true`},
	{name: "runAsNonRoot pod true", fn: runAsNonRoot, spec: `{"securityContext":{"runAsNonRoot":true},"containers":[{"name":"a"}]}`},
	// check_runAsUser_test.go
	{name: "runAsUser pod 0", fn: runAsUser, spec: `{"securityContext":{"runAsUser":0},"containers":[{"name":"a"}]}`,
		reason: "runAsUser=0", detail: "pod must not set runAsUser=0"},
	{name: "runAsUser pod non-zero", fn: runAsUser, spec: `{"securityContext":{"runAsUser":1000},"containers":[{"name":"a"}]}`},
	{name: "runAsUser containers 0", fn: runAsUser, spec: `{"securityContext":{"runAsUser":1000},"containers":[{"name":"a"},
		{"name":"b","securityContext":{}},{"name":"c","securityContext":{"runAsUser":0}},{"name":"d","securityContext":{"runAsUser":0}},
		{"name":"e","securityContext":{"runAsUser":1}},{"name":"f","securityContext":{"runAsUser":1}}]}`,
		reason: "runAsUser=0", detail: `containers "c", "d" must not set runAsUser=0`},
	// check_seccompProfile_restricted_test.go
	{name: "seccomp restricted no explicit", fn: seccompProfileRestricted, spec: `{"containers":[{"name":"a"}]}`,
		reason: "seccompProfile", detail: `pod or container "a" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`},
	{name: "seccomp restricted pod invalid", fn: seccompProfileRestricted, spec: `{"securityContext":{"seccompProfile":{"type":"Unconfined"}},"containers":[{"name":"a"}]}`,
		reason: "seccompProfile", detail: `pod must not set securityContext.seccompProfile.type to "Unconfined"`},
	{name: "seccomp restricted containers invalid", fn: seccompProfileRestricted, spec: seccompContainers,
		reason: "seccompProfile", detail: `containers "c", "d" must not set securityContext.seccompProfile.type to "Unconfined"`},
	{name: "seccomp restricted fallthrough", fn: seccompProfileRestricted, spec: `{"containers":[{"name":"a"},{"name":"b","securityContext":{}},
		{"name":"d","securityContext":{"seccompProfile":{"type":"RuntimeDefault"}}},{"name":"e","securityContext":{"seccompProfile":{"type":"RuntimeDefault"}}}]}`,
		reason: "seccompProfile", detail: `pod or containers "a", "b" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`},
	{name: "seccomp restricted pod RuntimeDefault", fn: seccompProfileRestricted, spec: `{"securityContext":{"seccompProfile":{"type":"RuntimeDefault"}},"containers":[{"name":"a"}]}`},
}

const seccompContainers = `{"securityContext":{"seccompProfile":{"type":"RuntimeDefault"}},"containers":[{"name":"a"},
	{"name":"b","securityContext":{}},{"name":"c","securityContext":{"seccompProfile":{"type":"Unconfined"}}},
	{"name":"d","securityContext":{"seccompProfile":{"type":"Unconfined"}}},{"name":"e","securityContext":{"seccompProfile":{"type":"RuntimeDefault"}}},
	{"name":"f","securityContext":{"seccompProfile":{"type":"RuntimeDefault"}}}]}`

func mustSpec(t *testing.T, s string) *api.PodSpec {
	t.Helper()
	var spec api.PodSpec
	if err := json.Unmarshal([]byte(s), &spec); err != nil {
		t.Fatalf("spec %s: %v", s, err)
	}
	return &spec
}

func TestChecks(t *testing.T) {
	for _, tc := range checkCases {
		t.Run(tc.name, func(t *testing.T) {
			v := tc.version
			if v == (Version{}) {
				v = Latest()
			}
			r := tc.fn(&api.ObjectMeta{Annotations: tc.annotations}, mustSpec(t, tc.spec), v)
			if tc.reason == "" {
				if !r.Allowed {
					t.Fatalf("want allowed, got %q (%s)", r.Reason, r.Detail)
				}
				return
			}
			if r.Allowed {
				t.Fatalf("want forbidden %q, got allowed", tc.reason)
			}
			if r.Reason != tc.reason || r.Detail != tc.detail {
				t.Errorf("got\n  %q (%s)\nwant\n  %q (%s)", r.Reason, r.Detail, tc.reason, tc.detail)
			}
		})
	}
}
