package podsecurity

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Level is a Pod Security Standards level.
type Level string

// The levels, least strict first.
const (
	LevelPrivileged Level = "privileged"
	LevelBaseline   Level = "baseline"
	LevelRestricted Level = "restricted"
)

var validLevels = []string{string(LevelPrivileged), string(LevelBaseline), string(LevelRestricted)}

// The namespace labels that select a namespace's policy.
const (
	labelPrefix         = "pod-security.kubernetes.io/"
	EnforceLevelLabel   = labelPrefix + "enforce"
	EnforceVersionLabel = labelPrefix + "enforce-version"
	AuditLevelLabel     = labelPrefix + "audit"
	AuditVersionLabel   = labelPrefix + "audit-version"
	WarnLevelLabel      = labelPrefix + "warn"
	WarnVersionLabel    = labelPrefix + "warn-version"
)

// Audit annotation keys (prefixed with "pod-security.kubernetes.io/" in
// the audit event, as Kubernetes' admission plugin annotations are).
const (
	EnforcedPolicyAnnotationKey  = "enforce-policy"
	AuditViolationsAnnotationKey = "audit-violations"
)

// CompareLevels is 0 when a == b, -1 when a is less strict than b, +1 when
// stricter.
func CompareLevels(a, b Level) int {
	return levelRank(a) - levelRank(b)
}

func levelRank(l Level) int {
	switch l {
	case LevelPrivileged:
		return -1
	case LevelRestricted:
		return 1
	}
	return 0
}

// ParseLevel reads a level label value; an unknown value is restricted
// with an error, as Kubernetes.
func ParseLevel(s string) (Level, error) {
	switch Level(s) {
	case LevelPrivileged, LevelBaseline, LevelRestricted:
		return Level(s), nil
	}
	return LevelRestricted, fmt.Errorf("must be one of %s", strings.Join(validLevels, ", "))
}

// Version is a policy version: v1.N or latest (newer than any number).
type Version struct {
	minor  int
	latest bool
}

// Latest is the "latest" version.
func Latest() Version { return Version{latest: true} }

// V1 is the version v1.minor.
func V1(minor int) Version { return Version{minor: minor} }

func (v Version) String() string {
	if v.latest {
		return "latest"
	}
	return fmt.Sprintf("v1.%d", v.minor)
}

// Older says whether v is older than o.
func (v Version) Older(o Version) bool {
	if v.latest {
		return false
	}
	return o.latest || v.minor < o.minor
}

var versionRE = regexp.MustCompile(`^v1\.([0-9]|[1-9][0-9]*)$`)

// ParseVersion reads a version label value; an invalid one is latest
// with an error, as Kubernetes.
func ParseVersion(s string) (Version, error) {
	if s == "latest" {
		return Latest(), nil
	}
	m := versionRE.FindStringSubmatch(s)
	if m == nil {
		return Latest(), fmt.Errorf(`must be "latest" or "v1.x"`)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		return Latest(), fmt.Errorf(`must be "latest" or "v1.x"`)
	}
	return V1(n), nil
}

// LevelVersion is a level at a version ("baseline:latest").
type LevelVersion struct {
	Level   Level
	Version Version
}

func (lv LevelVersion) String() string { return fmt.Sprintf("%s:%s", lv.Level, lv.Version) }

// Policy is a namespace's level for each mode.
type Policy struct {
	Enforce, Audit, Warn LevelVersion
}

// DefaultPolicy is the policy of a namespace without labels: privileged
// everywhere (minik8s has no admission configuration for other defaults).
func DefaultPolicy() Policy {
	p := LevelVersion{LevelPrivileged, Latest()}
	return Policy{Enforce: p, Audit: p, Warn: p}
}

// FullyPrivileged says whether no mode checks anything.
func (p Policy) FullyPrivileged() bool {
	return p.Enforce.Level == LevelPrivileged && p.Audit.Level == LevelPrivileged && p.Warn.Level == LevelPrivileged
}

// LabelError is an invalid policy label, as Kubernetes' field.Invalid on
// metadata.labels[<label>].
type LabelError struct {
	Label, Value, Message string
}

// Field is the error's field path.
func (e LabelError) Field() string { return "metadata.labels[" + e.Label + "]" }

func (e LabelError) Error() string {
	return fmt.Sprintf("%s: Invalid value: %q: %s", e.Field(), e.Value, e.Message)
}

// PolicyToEvaluate resolves a namespace's labels over defaults, as
// Kubernetes' api.PolicyToEvaluate: an invalid level is restricted for
// enforce and privileged (fail open) for audit and warn; an invalid
// version is latest; every invalid label is reported. Without a warn
// label, warn follows an enforce level stricter than it (and, without a
// warn-version label, enforce's version).
func PolicyToEvaluate(labels map[string]string, defaults Policy) (Policy, []LabelError) {
	p := defaults
	if len(labels) == 0 {
		return p, nil
	}
	var errs []LabelError
	record := func(err error, label, value string) {
		if err != nil {
			errs = append(errs, LabelError{Label: label, Value: value, Message: err.Error()})
		}
	}
	level := func(lv *LevelVersion, label string, failOpen bool) bool {
		v, ok := labels[label]
		if !ok {
			return false
		}
		l, err := ParseLevel(v)
		record(err, label, v)
		if err != nil && failOpen {
			l = LevelPrivileged
		}
		lv.Level = l
		return err == nil
	}
	version := func(lv *LevelVersion, label string) bool {
		v, ok := labels[label]
		if !ok {
			return false
		}
		ver, err := ParseVersion(v)
		record(err, label, v)
		lv.Version = ver
		return true
	}
	hasEnforceLevel := level(&p.Enforce, EnforceLevelLabel, false)
	version(&p.Enforce, EnforceVersionLabel)
	level(&p.Audit, AuditLevelLabel, true)
	version(&p.Audit, AuditVersionLabel)
	_, hasWarnLevel := labels[WarnLevelLabel]
	level(&p.Warn, WarnLevelLabel, true)
	hasWarnVersion := version(&p.Warn, WarnVersionLabel)
	if !hasWarnLevel && hasEnforceLevel && CompareLevels(p.Enforce.Level, p.Warn.Level) > 0 {
		p.Warn.Level = p.Enforce.Level
		if !hasWarnVersion {
			p.Warn.Version = p.Enforce.Version
		}
	}
	return p, errs
}
