package audit

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"

	"minik8s/pkg/auth/authorizer"
)

// Policy is audit.k8s.io/v1 Policy.
type Policy struct {
	Kind              string          `json:"kind"`
	APIVersion        string          `json:"apiVersion"`
	Metadata          json.RawMessage `json:"metadata,omitempty"`
	Rules             []PolicyRule    `json:"rules"`
	OmitStages        []Stage         `json:"omitStages,omitempty"`
	OmitManagedFields bool            `json:"omitManagedFields,omitempty"`
}

// PolicyRule maps requests to a level; the first matching rule wins.
type PolicyRule struct {
	Level             Level            `json:"level"`
	Users             []string         `json:"users,omitempty"`
	UserGroups        []string         `json:"userGroups,omitempty"`
	Verbs             []string         `json:"verbs,omitempty"`
	Resources         []GroupResources `json:"resources,omitempty"`
	Namespaces        []string         `json:"namespaces,omitempty"`
	NonResourceURLs   []string         `json:"nonResourceURLs,omitempty"`
	OmitStages        []Stage          `json:"omitStages,omitempty"`
	OmitManagedFields *bool            `json:"omitManagedFields,omitempty"`
}

// GroupResources selects resources of one API group.
type GroupResources struct {
	Group         string   `json:"group,omitempty"`
	Resources     []string `json:"resources,omitempty"`
	ResourceNames []string `json:"resourceNames,omitempty"`
}

// LoadPolicy reads and validates a policy file (YAML or JSON).
func LoadPolicy(path string) (*Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("failed to read file path %q: %w", path, err)
	}
	p, err := ParsePolicy(data)
	if err != nil {
		return nil, fmt.Errorf("failed decoding file %q: %w", path, err)
	}
	return p, nil
}

// ParsePolicy decodes (unknown fields refused) and validates a policy.
func ParsePolicy(data []byte) (*Policy, error) {
	var p Policy
	if err := yaml.UnmarshalStrict(data, &p); err != nil {
		return nil, fmt.Errorf("strict decoding error: %w", err)
	}
	if p.Kind != "Policy" || p.APIVersion != "audit.k8s.io/v1" {
		return nil, fmt.Errorf("unknown group version field %q/%q in policy (want audit.k8s.io/v1 Policy)", p.APIVersion, p.Kind)
	}
	if errs := validatePolicy(&p); len(errs) > 0 {
		if len(errs) == 1 {
			return nil, fmt.Errorf("%s", errs[0])
		}
		return nil, fmt.Errorf("[%s]", strings.Join(errs, ", "))
	}
	if len(p.Rules) == 0 {
		return nil, fmt.Errorf("loaded illegal policy with 0 rules")
	}
	return &p, nil
}

var validLevels = []Level{LevelNone, LevelMetadata, LevelRequest, LevelRequestResponse}
var validStages = []Stage{StageRequestReceived, StageResponseStarted, StageResponseComplete, StagePanic}

// validatePolicy is Kubernetes' audit validation.ValidatePolicy (paths and
// messages; field.Invalid prints list values Go-style).
func validatePolicy(p *Policy) []string {
	errs := validateStages(p.OmitStages, "omitStages")
	for i, r := range p.Rules {
		path := fmt.Sprintf("rules[%d]", i)
		switch {
		case r.Level == "":
			errs = append(errs, path+".level: Required value")
		case !slices.Contains(validLevels, r.Level):
			errs = append(errs, fmt.Sprintf(`%s.level: Unsupported value: %q: supported values: "None", "Metadata", "Request", "RequestResponse"`, path, r.Level))
		}
		for j, u := range r.NonResourceURLs {
			if u == "*" {
				continue
			}
			if !strings.HasPrefix(u, "/") {
				errs = append(errs, fmt.Sprintf("%s.nonResourceURLs[%d]: Invalid value: %q: non-resource URL rules must begin with a '/' character", path, j, u))
			}
			if u != "" && strings.Contains(u[:len(u)-1], "*") {
				errs = append(errs, fmt.Sprintf("%s.nonResourceURLs[%d]: Invalid value: %q: non-resource URL wildcards '*' must be the final character of the rule", path, j, u))
			}
		}
		for _, gr := range r.Resources {
			if len(gr.ResourceNames) > 0 && len(gr.Resources) == 0 {
				errs = append(errs, fmt.Sprintf("%s.resources.resourceNames: Invalid value: %#v: using resourceNames requires at least one resource", path, gr.ResourceNames))
			}
		}
		errs = append(errs, validateStages(r.OmitStages, path+".omitStages")...)
		if len(r.NonResourceURLs) > 0 && (len(r.Resources) > 0 || len(r.Namespaces) > 0) {
			errs = append(errs, fmt.Sprintf("%s.nonResourceURLs: Invalid value: %#v: rules cannot apply to both regular resources and non-resource URLs", path, r.NonResourceURLs))
		}
	}
	return errs
}

func validateStages(stages []Stage, path string) []string {
	var errs []string
	for i, s := range stages {
		if !slices.Contains(validStages, s) {
			errs = append(errs, fmt.Sprintf("%s[%d]: Invalid value: %q: allowed stages are RequestReceived,ResponseStarted,ResponseComplete,Panic", path, i, s))
		}
	}
	return errs
}

// LevelAndStages is Kubernetes' policy checker: the level of the first
// rule the request matches (None if none does) and the stages to omit
// (the rule's and the policy's).
func (p *Policy) LevelAndStages(a authorizer.Attributes) (Level, []Stage) {
	for i := range p.Rules {
		if ruleMatches(&p.Rules[i], a) {
			return p.Rules[i].Level, unionStages(p.OmitStages, p.Rules[i].OmitStages)
		}
	}
	return LevelNone, p.OmitStages
}

func unionStages(a, b []Stage) []Stage {
	out := append([]Stage(nil), a...)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func ruleMatches(r *PolicyRule, a authorizer.Attributes) bool {
	u := a.User
	if len(r.Users) > 0 && (u == nil || !slices.Contains(r.Users, u.Name)) {
		return false
	}
	if len(r.UserGroups) > 0 {
		if u == nil {
			return false
		}
		matched := false
		for _, g := range u.Groups {
			matched = matched || slices.Contains(r.UserGroups, g)
		}
		if !matched {
			return false
		}
	}
	if len(r.Verbs) > 0 && !slices.Contains(r.Verbs, a.Verb) {
		return false
	}
	if len(r.Namespaces) > 0 || len(r.Resources) > 0 {
		return ruleMatchesResource(r, a)
	}
	if len(r.NonResourceURLs) > 0 {
		return ruleMatchesNonResource(r, a)
	}
	return true
}

func ruleMatchesNonResource(r *PolicyRule, a authorizer.Attributes) bool {
	if a.ResourceRequest {
		return false
	}
	for _, spec := range r.NonResourceURLs {
		if spec == "*" || spec == a.Path || (strings.HasSuffix(spec, "*") && strings.HasPrefix(a.Path, strings.TrimRight(spec, "*"))) {
			return true
		}
	}
	return false
}

func ruleMatchesResource(r *PolicyRule, a authorizer.Attributes) bool {
	if !a.ResourceRequest {
		return false
	}
	if len(r.Namespaces) > 0 && !slices.Contains(r.Namespaces, a.Namespace) { // cluster-scoped: ""
		return false
	}
	if len(r.Resources) == 0 {
		return true
	}
	combined := a.Resource
	if a.Subresource != "" {
		combined += "/" + a.Subresource
	}
	for _, gr := range r.Resources {
		if gr.Group != a.APIGroup {
			continue
		}
		if len(gr.Resources) == 0 {
			return true
		}
		if len(gr.ResourceNames) > 0 && !slices.Contains(gr.ResourceNames, a.Name) {
			continue
		}
		for _, res := range gr.Resources {
			switch {
			case res == combined || res == "*":
				return true
			case a.Subresource != "" && strings.HasPrefix(res, "*/") && a.Subresource == strings.TrimPrefix(res, "*/"):
				return true
			case strings.HasSuffix(res, "/*") && a.Resource == strings.TrimSuffix(res, "/*"):
				return true
			}
		}
	}
	return false
}
