package podsecurity

import (
	"sort"
	"strings"

	"minik8s/pkg/api"
)

// Result is one check's verdict on a pod: allowed, or forbidden with
// Kubernetes' reason and detail.
type Result struct {
	Allowed bool
	Reason  string
	Detail  string
}

var allowed = Result{Allowed: true}

func forbidden(reason, detail string) Result { return Result{Reason: reason, Detail: detail} }

// checkFunc evaluates a pod (its metadata and spec) at a version.
type checkFunc func(meta *api.ObjectMeta, spec *api.PodSpec, v Version) Result

// check is one Pod Security Standards check as Kubernetes' policy.Check:
// its ID, level, the first version that has it, and, for a restricted
// check, the baseline checks it replaces at the restricted level.
type check struct {
	id        string
	level     Level
	since     Version
	overrides []string
	fn        checkFunc
}

// checks are Kubernetes' DefaultChecks at v1.32 (the procMount and
// hostProbes/lifecycle changes of later releases excluded); the fields
// minik8s's PodSpec lacks (ephemeral containers, os, hostUsers, volume
// types other than hostPath, emptyDir, configMap, secret, downwardAPI,
// projected) cannot violate them.
var checks = []check{
	{id: "appArmorProfile", level: LevelBaseline, since: V1(0), fn: appArmorProfile},
	{id: "capabilities_baseline", level: LevelBaseline, since: V1(0), fn: capabilitiesBaseline},
	{id: "hostNamespaces", level: LevelBaseline, since: V1(0), fn: hostNamespaces},
	{id: "hostPathVolumes", level: LevelBaseline, since: V1(0), fn: hostPathVolumes},
	{id: "hostPorts", level: LevelBaseline, since: V1(0), fn: hostPorts},
	{id: "privileged", level: LevelBaseline, since: V1(0), fn: privileged},
	{id: "procMount", level: LevelBaseline, since: V1(0), fn: procMount},
	{id: "seLinuxOptions", level: LevelBaseline, since: V1(0), fn: seLinuxOptions},
	{id: "seccompProfile_baseline", level: LevelBaseline, since: V1(0), fn: seccompProfileBaseline},
	{id: "sysctls", level: LevelBaseline, since: V1(0), fn: sysctls},
	{id: "windowsHostProcess", level: LevelBaseline, since: V1(0), fn: windowsHostProcess},

	{id: "allowPrivilegeEscalation", level: LevelRestricted, since: V1(8), fn: allowPrivilegeEscalation},
	{id: "capabilities_restricted", level: LevelRestricted, since: V1(22), overrides: []string{"capabilities_baseline"}, fn: capabilitiesRestricted},
	{id: "restrictedVolumes", level: LevelRestricted, since: V1(0), overrides: []string{"hostPathVolumes"}, fn: restrictedVolumes},
	{id: "runAsNonRoot", level: LevelRestricted, since: V1(0), fn: runAsNonRoot},
	{id: "runAsUser", level: LevelRestricted, since: V1(23), fn: runAsUser},
	{id: "seccompProfile_restricted", level: LevelRestricted, since: V1(19), overrides: []string{"seccompProfile_baseline"}, fn: seccompProfileRestricted},
}

func init() {
	// Kubernetes runs a level's checks in ID order, baseline's first.
	sort.SliceStable(checks, func(i, j int) bool {
		if checks[i].level != checks[j].level {
			return checks[i].level == LevelBaseline
		}
		return checks[i].id < checks[j].id
	})
}

// CheckResult is one check's ID and result.
type CheckResult struct {
	ID string
	Result
}

// Evaluate runs the checks of lv's level at lv's version on a pod (or a
// workload's pod template) and returns each check's result in Kubernetes'
// order; the privileged level has no checks.
func Evaluate(lv LevelVersion, meta *api.ObjectMeta, spec *api.PodSpec) []CheckResult {
	if lv.Level == LevelPrivileged {
		return nil
	}
	if meta == nil {
		meta = &api.ObjectMeta{}
	}
	if spec == nil {
		spec = &api.PodSpec{}
	}
	overridden := map[string]bool{}
	if lv.Level == LevelRestricted {
		for _, c := range checks {
			if c.level == LevelRestricted && !lv.Version.Older(c.since) {
				for _, id := range c.overrides {
					overridden[id] = true
				}
			}
		}
	}
	var out []CheckResult
	for _, c := range checks {
		if c.level == LevelRestricted && lv.Level != LevelRestricted || overridden[c.id] || lv.Version.Older(c.since) {
			continue
		}
		out = append(out, CheckResult{ID: c.id, Result: c.fn(meta, spec, lv.Version)})
	}
	return out
}

// Aggregate is the verdict of several checks, as Kubernetes'
// policy.AggregateCheckResult.
type Aggregate struct {
	Allowed bool
	reasons []string
	details []string
}

// AggregateResults combines check results.
func AggregateResults(results []CheckResult) Aggregate {
	a := Aggregate{Allowed: true}
	for _, r := range results {
		if r.Allowed {
			continue
		}
		a.Allowed = false
		reason := r.Reason
		if reason == "" {
			reason = "unknown forbidden reason"
		}
		a.reasons = append(a.reasons, reason)
		a.details = append(a.details, r.Detail)
	}
	return a
}

// ForbiddenReason is the reasons, comma-separated.
func (a Aggregate) ForbiddenReason() string { return strings.Join(a.reasons, ", ") }

// ForbiddenDetail is each reason with its detail in parentheses
// ("host namespaces (hostNetwork=true), privileged (container ...)").
func (a Aggregate) ForbiddenDetail() string {
	parts := make([]string, len(a.reasons))
	for i, r := range a.reasons {
		if a.details[i] == "" {
			parts[i] = r
		} else {
			parts[i] = r + " (" + a.details[i] + ")"
		}
	}
	return strings.Join(parts, ", ")
}

// Check evaluates lv on a pod and aggregates the results.
func Check(lv LevelVersion, meta *api.ObjectMeta, spec *api.PodSpec) Aggregate {
	return AggregateResults(Evaluate(lv, meta, spec))
}
