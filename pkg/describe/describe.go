package describe

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/printers"
)

// Related carries what the caller fetched besides the object itself.
type Related struct {
	// Now is the time ages are computed at; zero means time.Now().
	Now time.Time
	// HideEvents leaves the Events section out (--show-events=false).
	HideEvents bool
	// Pods are, for a node, the pods bound to it (terminated ones are
	// skipped here); for a replica set or deployment, the pods its
	// selector matches (only those it controls are counted).
	Pods []api.Pod
	// ReplicaSets are, for a deployment, the replica sets its selector
	// matches; the one whose template equals the deployment's is the new one.
	ReplicaSets []api.ReplicaSet
	// EndpointSlices are, for a service, the slices labelled with its name
	// (kubectl v1.32 describes a service's endpoints from them).
	EndpointSlices []*api.EndpointSlice
	// Services are, for an ingress, the Services its backends name (the
	// EndpointSlices are then theirs).
	Services []*api.Service
}

// Describe writes the `kubectl describe` text of obj, with its events.
func Describe(w io.Writer, obj api.Object, events []api.Event, related Related) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	d := &describer{out: tw, now: related.Now, rel: related}
	if d.now.IsZero() {
		d.now = time.Now()
	}
	if related.HideEvents {
		events = nil
	} else if events == nil {
		events = []api.Event{}
	}
	switch o := obj.(type) {
	case *api.Pod:
		d.pod(o, events)
	case *api.Service:
		d.service(o, events)
	case *api.Deployment:
		d.deployment(o, events)
	case *api.ReplicaSet:
		d.replicaSet(o, events)
	case *api.DaemonSet:
		d.daemonSet(o, events)
	case *api.Node:
		d.node(o, events)
	case *api.Namespace:
		d.namespace(o)
	case *api.HorizontalPodAutoscaler:
		d.hpa(o, events)
	case *api.Endpoints:
		d.endpoints(o, events)
	case *api.Ingress:
		d.ingress(o, events)
	case *api.ConfigMap:
		d.configMap(o, events)
	case *api.Secret:
		d.secret(o)
	case *api.ServiceAccount:
		d.serviceAccount(o, events)
	case *api.Role:
		d.role(&o.ObjectMeta, o.Rules)
	case *api.ClusterRole:
		d.role(&o.ObjectMeta, o.Rules)
	case *api.RoleBinding:
		d.binding(&o.ObjectMeta, o.RoleRef, o.Subjects)
	case *api.ClusterRoleBinding:
		d.binding(&o.ObjectMeta, o.RoleRef, o.Subjects)
	default:
		if err := d.generic(obj, events); err != nil {
			return err
		}
	}
	if d.err == nil {
		d.err = tw.Flush()
	}
	if d.err != nil {
		return fmt.Errorf("describing %s %q: %w", obj.GetTypeMeta().Kind, obj.GetObjectMeta().Name, d.err)
	}
	return nil
}

// Indentation levels of kubectl's PrefixWriter: two spaces each.
const (
	level0 = iota
	level1
	level2
	level3
)

// describer writes through a tab writer, remembering the first error.
type describer struct {
	out *tabwriter.Writer
	now time.Time
	rel Related
	err error
}

// write prints format at an indentation level, as kubectl's PrefixWriter.
func (d *describer) write(level int, format string, args ...any) {
	if d.err != nil {
		return
	}
	_, d.err = fmt.Fprintf(d.out, strings.Repeat("  ", level)+format, args...)
}

// line ends the current line with s.
func (d *describer) line(s string) { d.write(level0, "%s\n", s) }

// flush aligns what was written so far on its own (kubectl flushes before
// the Events table so it gets its own column widths).
func (d *describer) flush() {
	if d.err == nil {
		d.err = d.out.Flush()
	}
}

func (d *describer) age(t api.Time) string { return printers.Age(t, d.now) }

func rfc1123(t api.Time) string { return t.Time.Format(time.RFC1123Z) }

// labelsMultiline prints "Title:\tk=v" then one "\tk=v" line per further
// label, sorted, or "<none>".
func (d *describer) labelsMultiline(indent, title string, m map[string]string) {
	d.write(level0, "%s%s:\t", indent, title)
	if len(m) == 0 {
		d.line("<none>")
		return
	}
	for i, k := range sortedKeys(m) {
		if i != 0 {
			d.write(level0, "%s\t", indent)
		}
		d.write(level0, "%s=%s\n", k, m[k])
	}
}

// skippedAnnotations are left out of describe output, as kubectl does.
var skippedAnnotations = map[string]bool{"kubectl.kubernetes.io/last-applied-configuration": true}

const maxAnnotationLen = 140

func (d *describer) annotationsMultiline(indent, title string, m map[string]string) {
	d.write(level0, "%s%s:\t", indent, title)
	var keys []string
	for _, k := range sortedKeys(m) {
		if !skippedAnnotations[k] {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		d.line("<none>")
		return
	}
	for i, k := range keys {
		if i != 0 {
			d.write(level0, "%s\t", indent)
		}
		v := strings.TrimSuffix(m[k], "\n")
		if len(v)+len(k)+2 > maxAnnotationLen || strings.Contains(v, "\n") {
			d.write(level0, "%s:\n", k)
			for _, s := range strings.Split(v, "\n") {
				if len(s) > maxAnnotationLen-2 {
					s = s[:maxAnnotationLen-2] + "..."
				}
				d.write(level0, "%s\t  %s\n", indent, s)
			}
		} else {
			d.write(level0, "%s: %s\n", k, v)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// controlledBy is "Kind/name" of the object's controller, or "".
func controlledBy(m *api.ObjectMeta) string {
	if ref := controllerOf(m); ref != nil {
		return ref.Kind + "/" + ref.Name
	}
	return ""
}

func controllerOf(m *api.ObjectMeta) *api.OwnerReference {
	for i := range m.OwnerReferences {
		if r := &m.OwnerReferences[i]; r.Controller != nil && *r.Controller {
			return r
		}
	}
	return nil
}

// events prints the Events table or "Events: <none>", sorted as kubectl
// sorts it: by lastTimestamp only, so events that have just an eventTime
// come first.
// A nil slice prints nothing (events hidden).
func (d *describer) events(events []api.Event) {
	if events == nil {
		return
	}
	if len(events) == 0 {
		d.write(level0, "Events:\t<none>\n")
		return
	}
	d.flush()
	sorted := append([]api.Event(nil), events...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].LastTimestamp.Time.Before(sorted[j].LastTimestamp.Time) })
	d.write(level0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n")
	d.write(level1, "----\t------\t----\t----\t-------\n")
	for i := range sorted {
		e := &sorted[i]
		first := printers.MicroAge(e.EventTime, d.now)
		if e.EventTime.Time.IsZero() {
			first = d.age(e.FirstTimestamp)
		}
		interval := first
		if e.Count > 1 {
			interval = fmt.Sprintf("%s (x%d over %s)", d.age(e.LastTimestamp), e.Count, first)
		}
		source := e.Source.Component
		if source == "" {
			source = e.ReportingController
		}
		d.write(level1, "%v\t%v\t%s\t%v\t%v\n", e.Type, e.Reason, interval, source, strings.TrimSpace(e.Message))
	}
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}
