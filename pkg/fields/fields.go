// Package fields owns field selectors ("metadata.name=x,spec.nodeName!=n1")
// and which fields of each kind can be selected on (the same set Kubernetes
// supports for the fields minik8s has).
package fields

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"minik8s/pkg/api"
)

// Selector matches an object's selectable fields.
type Selector interface {
	Matches(fields map[string]string) bool
	Empty() bool
	String() string
}

// Term is one key=value or key!=value term of a selector.
type Term struct {
	Key, Value string
	NotEquals  bool
}

func (t Term) String() string {
	op := "="
	if t.NotEquals {
		op = "!="
	}
	return t.Key + op + escapeValue(t.Value)
}

type selector []Term

// Everything matches every object.
func Everything() Selector { return selector(nil) }

// Parse parses "a=b,c!=d" (also "a==b"). In values, a backslash escapes
// ',', '=', '!' and '\' as in Kubernetes. An empty string matches everything.
func Parse(s string) (Selector, error) {
	var sel selector
	for _, raw := range splitUnescaped(s, ',') {
		t := strings.TrimSpace(raw)
		if t == "" {
			if strings.TrimSpace(s) == "" {
				continue
			}
			return nil, fmt.Errorf("invalid field selector %q: empty term", s)
		}
		term, err := parseTerm(t)
		if err != nil {
			return nil, fmt.Errorf("invalid field selector %q: %w", s, err)
		}
		sel = append(sel, term)
	}
	sort.SliceStable(sel, func(i, j int) bool { return sel[i].Key < sel[j].Key })
	return sel, nil
}

func parseTerm(t string) (Term, error) {
	// Find the first unescaped operator.
	for i := 0; i < len(t); i++ {
		var op string
		switch {
		case t[i] == '\\':
			i++
			continue
		case strings.HasPrefix(t[i:], "!="):
			op = "!="
		case strings.HasPrefix(t[i:], "=="):
			op = "=="
		case t[i] == '=':
			op = "="
		default:
			continue
		}
		key := strings.TrimSpace(t[:i])
		if key == "" {
			return Term{}, fmt.Errorf("term %q: missing field name before %q", t, op)
		}
		if strings.ContainsAny(key, "\\ ") {
			return Term{}, fmt.Errorf("term %q: invalid field name %q", t, key)
		}
		val, err := unescapeValue(strings.TrimSpace(t[i+len(op):]))
		if err != nil {
			return Term{}, fmt.Errorf("term %q: %w", t, err)
		}
		return Term{Key: key, Value: val, NotEquals: op == "!="}, nil
	}
	return Term{}, fmt.Errorf("term %q: expected key=value, key==value or key!=value", t)
}

func splitUnescaped(s string, sep byte) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] == sep {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func unescapeValue(v string) (string, error) {
	if !strings.ContainsAny(v, `\=!,`) {
		return v, nil
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '\\' {
			if i+1 >= len(v) || !strings.ContainsRune(`\=!,`, rune(v[i+1])) {
				return "", fmt.Errorf("invalid escape sequence in value %q", v)
			}
			i++
			b.WriteByte(v[i])
			continue
		}
		if c == '=' || c == '!' || c == ',' {
			return "", fmt.Errorf("invalid value %q: unescaped %q (escape it with a backslash)", v, c)
		}
		b.WriteByte(c)
	}
	return b.String(), nil
}

func escapeValue(v string) string {
	r := strings.NewReplacer(`\`, `\\`, `,`, `\,`, `=`, `\=`, `!`, `\!`)
	return r.Replace(v)
}

func (s selector) Matches(f map[string]string) bool {
	for _, t := range s {
		if (f[t.Key] == t.Value) == t.NotEquals {
			return false
		}
	}
	return true
}

func (s selector) Empty() bool { return len(s) == 0 }

func (s selector) String() string {
	p := make([]string, len(s))
	for i, t := range s {
		p[i] = t.String()
	}
	return strings.Join(p, ",")
}

// Terms returns the terms of a selector built by Parse (nil otherwise).
func Terms(sel Selector) []Term {
	if s, ok := sel.(selector); ok {
		return append([]Term(nil), s...)
	}
	return nil
}

// ObjectFields returns the selectable fields of obj, keyed by field path,
// as Kubernetes supports them for each kind.
func ObjectFields(obj api.Object) map[string]string {
	m := obj.GetObjectMeta()
	f := map[string]string{"metadata.name": m.Name, "metadata.namespace": m.Namespace}
	switch o := obj.(type) {
	case *api.Pod:
		f["spec.nodeName"] = o.Spec.NodeName
		f["spec.restartPolicy"] = o.Spec.RestartPolicy
		f["spec.schedulerName"] = o.Spec.SchedulerName
		f["spec.serviceAccountName"] = o.Spec.ServiceAccountName
		f["spec.hostNetwork"] = strconv.FormatBool(o.Spec.HostNetwork)
		f["status.phase"] = o.Status.Phase
		f["status.podIP"] = o.Status.PodIP
		f["status.nominatedNodeName"] = o.Status.NominatedNodeName
	case *api.Event:
		io := o.InvolvedObject
		f["involvedObject.kind"] = io.Kind
		f["involvedObject.namespace"] = io.Namespace
		f["involvedObject.name"] = io.Name
		f["involvedObject.uid"] = io.UID
		f["involvedObject.apiVersion"] = io.APIVersion
		f["involvedObject.resourceVersion"] = io.ResourceVersion
		f["involvedObject.fieldPath"] = io.FieldPath
		f["reason"] = o.Reason
		f["reportingComponent"] = o.ReportingController
		f["source"] = o.Source.Component
		f["type"] = o.Type
	case *api.Node:
		f["spec.unschedulable"] = strconv.FormatBool(o.Spec.Unschedulable)
	case *api.Namespace:
		f["status.phase"] = o.Status.Phase
	case *api.Service:
		f["spec.clusterIP"] = o.Spec.ClusterIP
		f["spec.type"] = o.Spec.Type
	case *api.ReplicaSet:
		f["status.replicas"] = strconv.Itoa(int(o.Status.Replicas))
	}
	return f
}

// SupportedFields lists the selectable field paths of a resource, sorted.
func SupportedFields(info *api.ResourceInfo) []string {
	var keys []string
	for k := range ObjectFields(info.New()) {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ValidateFor checks that every key of sel is selectable on the resource;
// otherwise it returns Kubernetes' message ("field label not supported: foo"),
// which the apiserver returns with 400 Bad Request.
func ValidateFor(info *api.ResourceInfo, sel Selector) error {
	if sel == nil || sel.Empty() {
		return nil
	}
	terms := Terms(sel)
	if terms == nil {
		parsed, err := Parse(sel.String())
		if err != nil {
			return err
		}
		terms = Terms(parsed)
	}
	supported := ObjectFields(info.New())
	for _, t := range terms {
		if _, ok := supported[t.Key]; !ok {
			return fmt.Errorf("field label not supported: %s", t.Key)
		}
	}
	return nil
}
