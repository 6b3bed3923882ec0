package podsecurity

import (
	"reflect"
	"testing"

	"minik8s/pkg/api"
)

// restrictedPod is a pod the restricted level admits.
const restrictedPod = `{"securityContext":{"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}},
	"containers":[{"name":"c","image":"busybox","securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]}}}],
	"volumes":[{"name":"v","emptyDir":{}}]}`

func TestCheckLevels(t *testing.T) {
	baseline := LevelVersion{LevelBaseline, Latest()}
	restricted := LevelVersion{LevelRestricted, Latest()}
	tests := []struct {
		name   string
		lv     LevelVersion
		spec   string
		reason string
		detail string
	}{
		{"privileged admits everything", LevelVersion{LevelPrivileged, Latest()},
			`{"hostNetwork":true,"containers":[{"name":"c","securityContext":{"privileged":true}}]}`, "", ""},
		{"baseline admits a plain pod", baseline, `{"containers":[{"name":"c","image":"busybox"}]}`, "", ""},
		{"baseline: several checks in ID order", baseline,
			`{"hostNetwork":true,"hostPID":true,"volumes":[{"name":"root","hostPath":{"path":"/"}}],
			"containers":[{"name":"c","securityContext":{"privileged":true}}]}`,
			"host namespaces, hostPath volumes, privileged",
			`host namespaces (hostNetwork=true, hostPID=true), hostPath volumes (volume "root"), privileged (container "c" must not set securityContext.privileged=true)`},
		{"restricted admits a compliant pod", restricted, restrictedPod, "", ""},
		{"restricted: a plain pod", restricted, `{"containers":[{"name":"c","image":"busybox"}]}`,
			"allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile",
			`allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), ` +
				`unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), ` +
				`runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), ` +
				`seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`},
		{"restricted: restrictedVolumes overrides hostPathVolumes, runAsUser=0", restricted,
			`{"securityContext":{"runAsNonRoot":true,"runAsUser":0,"seccompProfile":{"type":"RuntimeDefault"}},
			"containers":[{"name":"c","securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]}}}],
			"volumes":[{"name":"root","hostPath":{"path":"/"}}]}`,
			"restricted volume types, runAsUser=0",
			`restricted volume types (volume "root" uses restricted volume type "hostPath"), runAsUser=0 (pod must not set runAsUser=0)`},
		{"restricted: capabilities_restricted overrides capabilities_baseline", restricted,
			`{"securityContext":{"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}},
			"containers":[{"name":"c","securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"add":["NET_RAW"],"drop":["ALL"]}}}]}`,
			"unrestricted capabilities",
			`unrestricted capabilities (container "c" must not include "NET_RAW" in securityContext.capabilities.add)`},
		{"restricted: seccompProfile_restricted overrides the baseline check", restricted,
			`{"securityContext":{"runAsNonRoot":true,"seccompProfile":{"type":"Unconfined"}},
			"containers":[{"name":"c","securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]}}}]}`,
			"seccompProfile", `seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")`},
		{"restricted v1.22 has no runAsUser check", LevelVersion{LevelRestricted, V1(22)},
			`{"securityContext":{"runAsNonRoot":true,"runAsUser":0,"seccompProfile":{"type":"RuntimeDefault"}},
			"containers":[{"name":"c","securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]}}}]}`, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := Check(tc.lv, &api.ObjectMeta{}, mustSpec(t, tc.spec))
			if tc.reason == "" {
				if !a.Allowed {
					t.Fatalf("want allowed, got %s", a.ForbiddenDetail())
				}
				return
			}
			if a.Allowed {
				t.Fatal("want forbidden, got allowed")
			}
			if a.ForbiddenReason() != tc.reason {
				t.Errorf("reason\n got %s\nwant %s", a.ForbiddenReason(), tc.reason)
			}
			if a.ForbiddenDetail() != tc.detail {
				t.Errorf("detail\n got %s\nwant %s", a.ForbiddenDetail(), tc.detail)
			}
		})
	}
}

func TestCheckOrder(t *testing.T) {
	var ids []string
	for _, r := range Evaluate(LevelVersion{LevelRestricted, Latest()}, nil, nil) {
		ids = append(ids, r.ID)
	}
	want := []string{"appArmorProfile", "capabilities_baseline", "hostNamespaces", "hostPathVolumes", "hostPorts", "privileged", "procMount",
		"seLinuxOptions", "seccompProfile_baseline", "sysctls", "windowsHostProcess",
		"allowPrivilegeEscalation", "capabilities_restricted", "restrictedVolumes", "runAsNonRoot", "runAsUser", "seccompProfile_restricted"}
	// the overridden baseline checks are left out at restricted
	want = removeAll(want, "capabilities_baseline", "hostPathVolumes", "seccompProfile_baseline")
	if !reflect.DeepEqual(ids, want) {
		t.Errorf("restricted checks\n got %v\nwant %v", ids, want)
	}
}

func removeAll(list []string, drop ...string) []string {
	var out []string
	for _, s := range list {
		keep := true
		for _, d := range drop {
			keep = keep && s != d
		}
		if keep {
			out = append(out, s)
		}
	}
	return out
}

func TestPolicyToEvaluate(t *testing.T) {
	lv := func(l Level, v Version) LevelVersion { return LevelVersion{l, v} }
	priv := lv(LevelPrivileged, Latest())
	tests := []struct {
		name   string
		labels map[string]string
		want   Policy
		errs   []string
	}{
		{"no labels", nil, Policy{priv, priv, priv}, nil},
		{"enforce baseline: warn follows", map[string]string{EnforceLevelLabel: "baseline"},
			Policy{lv(LevelBaseline, Latest()), priv, lv(LevelBaseline, Latest())}, nil},
		{"enforce with version: warn follows both", map[string]string{EnforceLevelLabel: "restricted", EnforceVersionLabel: "v1.30"},
			Policy{lv(LevelRestricted, V1(30)), priv, lv(LevelRestricted, V1(30))}, nil},
		{"explicit warn kept", map[string]string{EnforceLevelLabel: "restricted", WarnLevelLabel: "baseline", AuditLevelLabel: "restricted"},
			Policy{lv(LevelRestricted, Latest()), lv(LevelRestricted, Latest()), lv(LevelBaseline, Latest())}, nil},
		{"invalid enforce is restricted", map[string]string{EnforceLevelLabel: "foo"},
			Policy{lv(LevelRestricted, Latest()), priv, priv},
			[]string{`metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "foo": must be one of privileged, baseline, restricted`}},
		{"invalid warn fails open, invalid version", map[string]string{WarnLevelLabel: "x", AuditVersionLabel: "1.30"},
			Policy{priv, priv, priv},
			[]string{`metadata.labels[pod-security.kubernetes.io/audit-version]: Invalid value: "1.30": must be "latest" or "v1.x"`,
				`metadata.labels[pod-security.kubernetes.io/warn]: Invalid value: "x": must be one of privileged, baseline, restricted`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, errs := PolicyToEvaluate(tc.labels, DefaultPolicy())
			if p != tc.want {
				t.Errorf("policy\n got %+v\nwant %+v", p, tc.want)
			}
			var got []string
			for _, e := range errs {
				got = append(got, e.Error())
			}
			if !reflect.DeepEqual(got, tc.errs) {
				t.Errorf("errors\n got %q\nwant %q", got, tc.errs)
			}
		})
	}
}

func TestLevelVersionString(t *testing.T) {
	if s := (LevelVersion{LevelBaseline, Latest()}).String(); s != "baseline:latest" {
		t.Errorf("got %s", s)
	}
	if s := (LevelVersion{LevelRestricted, V1(30)}).String(); s != "restricted:v1.30" {
		t.Errorf("got %s", s)
	}
}
