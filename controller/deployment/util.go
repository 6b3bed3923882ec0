package deployment

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/intstr"

	"minik8s/pkg/api"
)

// Annotations and labels the controller writes, as Kubernetes names them.
const (
	RevisionAnnotation        = "deployment.kubernetes.io/revision"
	RevisionHistoryAnnotation = "deployment.kubernetes.io/revision-history"
	DesiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas"
	MaxReplicasAnnotation     = "deployment.kubernetes.io/max-replicas"
	ChangeCauseAnnotation     = "kubernetes.io/change-cause"
	lastAppliedAnnotation     = "kubectl.kubernetes.io/last-applied-configuration"

	// PodTemplateHashLabel tells the replica sets of a deployment apart.
	PodTemplateHashLabel = "pod-template-hash"
)

// Condition types and reasons of a deployment.
const (
	ConditionAvailable   = "Available"
	ConditionProgressing = "Progressing"

	ReasonNewRSCreated      = "NewReplicaSetCreated"
	ReasonFoundNewRS        = "FoundNewReplicaSet"
	ReasonRSUpdated         = "ReplicaSetUpdated"
	ReasonNewRSAvailable    = "NewReplicaSetAvailable"
	ReasonTimedOut          = "ProgressDeadlineExceeded"
	ReasonPaused            = "DeploymentPaused"
	ReasonResumed           = "DeploymentResumed"
	ReasonMinimumAvailable  = "MinimumReplicasAvailable"
	ReasonMinimumUnavailabe = "MinimumReplicasUnavailable"
	ReasonRSCreateError     = "ReplicaSetCreateError"
)

func replicas(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}

func rsReplicas(rs *api.ReplicaSet) int32 {
	if rs.Spec.Replicas == nil {
		return 1
	}
	return *rs.Spec.Replicas
}

// Revision is a replica set's (or deployment's) revision annotation, 0 when
// missing or malformed.
func Revision(m *api.ObjectMeta) int64 {
	v, err := strconv.ParseInt(m.Annotations[RevisionAnnotation], 10, 64)
	if err != nil {
		return 0
	}
	return v
}

// MaxRevision is the highest revision among rss.
func MaxRevision(rss []*api.ReplicaSet) int64 {
	var max int64
	for _, rs := range rss {
		if v := Revision(&rs.ObjectMeta); v > max {
			max = v
		}
	}
	return max
}

// LastRevision is the second-highest revision among rss: the one
// `rollout undo` goes back to.
func LastRevision(rss []*api.ReplicaSet) int64 {
	var max, second int64
	for _, rs := range rss {
		v := Revision(&rs.ObjectMeta)
		if v >= max {
			second, max = max, v
		} else if v > second {
			second = v
		}
	}
	return second
}

// templateWithoutHash is a copy of t without the pod-template-hash label.
func templateWithoutHash(t *api.PodTemplateSpec) *api.PodTemplateSpec {
	c := deepCopyTemplate(t)
	delete(c.Labels, PodTemplateHashLabel)
	if len(c.Labels) == 0 {
		c.Labels = nil
	}
	return c
}

func deepCopyTemplate(t *api.PodTemplateSpec) *api.PodTemplateSpec {
	b, _ := json.Marshal(t)
	c := &api.PodTemplateSpec{}
	_ = json.Unmarshal(b, c)
	return c
}

// EqualIgnoreHash compares two pod templates ignoring the
// pod-template-hash label (as Kubernetes' EqualIgnoreHash).
func EqualIgnoreHash(a, b *api.PodTemplateSpec) bool {
	x, _ := json.Marshal(templateWithoutHash(a))
	y, _ := json.Marshal(templateWithoutHash(b))
	return string(x) == string(y)
}

// byCreation sorts replica sets oldest first, then by name.
func byCreation(rss []*api.ReplicaSet) {
	sort.SliceStable(rss, func(i, j int) bool {
		a, b := rss[i].CreationTimestamp.Time, rss[j].CreationTimestamp.Time
		if a.Equal(b) {
			return rss[i].Name < rss[j].Name
		}
		return a.Before(b)
	})
}

// byRevision sorts replica sets by revision, oldest first, then by creation.
func byRevision(rss []*api.ReplicaSet) {
	byCreation(rss)
	sort.SliceStable(rss, func(i, j int) bool {
		return Revision(&rss[i].ObjectMeta) < Revision(&rss[j].ObjectMeta)
	})
}

// FindNewReplicaSet is the replica set whose template is the deployment's
// (the oldest one if several are).
func FindNewReplicaSet(d *api.Deployment, rss []*api.ReplicaSet) *api.ReplicaSet {
	sorted := append([]*api.ReplicaSet(nil), rss...)
	byCreation(sorted)
	for _, rs := range sorted {
		if EqualIgnoreHash(&rs.Spec.Template, &d.Spec.Template) {
			return rs
		}
	}
	return nil
}

// FindOldReplicaSets is every replica set but newRS.
func FindOldReplicaSets(newRS *api.ReplicaSet, rss []*api.ReplicaSet) []*api.ReplicaSet {
	var out []*api.ReplicaSet
	for _, rs := range rss {
		if newRS == nil || rs.UID != newRS.UID || rs.Name != newRS.Name {
			out = append(out, rs)
		}
	}
	return out
}

// withNew is oldRSs plus newRS when there is one.
func withNew(newRS *api.ReplicaSet, oldRSs []*api.ReplicaSet) []*api.ReplicaSet {
	out := append([]*api.ReplicaSet(nil), oldRSs...)
	if newRS != nil {
		out = append(out, newRS)
	}
	return out
}

// ReplicaCount is the sum of the replica sets' spec.replicas.
func ReplicaCount(rss []*api.ReplicaSet) int32 { return sumOver(rss, rsReplicas) }

// ActualReplicaCount is the sum of status.replicas.
func ActualReplicaCount(rss []*api.ReplicaSet) int32 {
	return sumOver(rss, func(rs *api.ReplicaSet) int32 { return rs.Status.Replicas })
}

// ReadyReplicaCount is the sum of status.readyReplicas.
func ReadyReplicaCount(rss []*api.ReplicaSet) int32 {
	return sumOver(rss, func(rs *api.ReplicaSet) int32 { return rs.Status.ReadyReplicas })
}

// AvailableReplicaCount is the sum of status.availableReplicas.
func AvailableReplicaCount(rss []*api.ReplicaSet) int32 {
	return sumOver(rss, func(rs *api.ReplicaSet) int32 { return rs.Status.AvailableReplicas })
}

// sumOver adds f over the non-nil replica sets.
func sumOver(rss []*api.ReplicaSet, f func(*api.ReplicaSet) int32) int32 {
	var n int32
	for _, rs := range rss {
		if rs != nil {
			n += f(rs)
		}
	}
	return n
}

// activeReplicaSets are those with spec.replicas > 0.
func activeReplicaSets(rss []*api.ReplicaSet) []*api.ReplicaSet {
	var out []*api.ReplicaSet
	for _, rs := range rss {
		if rs != nil && rsReplicas(rs) > 0 {
			out = append(out, rs)
		}
	}
	return out
}

// scaledValue resolves an int or a percentage of total, rounding up or down
// (intstr.GetScaledValueFromIntOrPercent).
func scaledValue(v *intstr.IntOrString, total int, roundUp bool) (int, error) {
	if v == nil {
		return 0, nil
	}
	if v.Type == intstr.Int {
		return int(v.IntVal), nil
	}
	s, ok := strings.CutSuffix(v.StrVal, "%")
	if !ok {
		return 0, fmt.Errorf("invalid value for IntOrString: invalid value %q", v.StrVal)
	}
	p, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("invalid value %q: %w", v.StrVal, err)
	}
	if roundUp {
		return int(math.Ceil(float64(p) * float64(total) / 100)), nil
	}
	return int(math.Floor(float64(p) * float64(total) / 100)), nil
}

// ResolveFenceposts resolves maxSurge (rounded up) and maxUnavailable
// (rounded down) against the desired replicas; when both are 0,
// maxUnavailable is 1 so that a rollout can make progress.
func ResolveFenceposts(maxSurge, maxUnavailable *intstr.IntOrString, desired int32) (int32, int32, error) {
	surge, err := scaledValue(maxSurge, int(desired), true)
	if err != nil {
		return 0, 0, err
	}
	unavailable, err := scaledValue(maxUnavailable, int(desired), false)
	if err != nil {
		return 0, 0, err
	}
	if surge == 0 && unavailable == 0 {
		unavailable = 1
	}
	return int32(surge), int32(unavailable), nil
}

func isRolling(d *api.Deployment) bool {
	return d.Spec.Strategy.Type == api.RollingUpdateDeploymentStrategyType || d.Spec.Strategy.Type == ""
}

func rollingParams(d *api.Deployment) (surge, unavailable *intstr.IntOrString) {
	if ru := d.Spec.Strategy.RollingUpdate; ru != nil {
		return ru.MaxSurge, ru.MaxUnavailable
	}
	q := intstr.FromString("25%")
	return &q, &q
}

// MaxUnavailable is the number of pods that may be unavailable during a
// rolling update (0 for Recreate and for 0 replicas), at most the replicas.
func MaxUnavailable(d *api.Deployment) int32 {
	if !isRolling(d) || replicas(d.Spec.Replicas) == 0 {
		return 0
	}
	s, u := rollingParams(d)
	_, mu, _ := ResolveFenceposts(s, u, replicas(d.Spec.Replicas))
	if mu > replicas(d.Spec.Replicas) {
		return replicas(d.Spec.Replicas)
	}
	return mu
}

// MaxSurge is the number of pods that may exist above the desired replicas
// during a rolling update (0 for Recreate).
func MaxSurge(d *api.Deployment) int32 {
	if !isRolling(d) {
		return 0
	}
	s, u := rollingParams(d)
	ms, _, _ := ResolveFenceposts(s, u, replicas(d.Spec.Replicas))
	return ms
}

// NewRSNewReplicas is the size the new replica set should scale to now:
// for a rolling update as many as maxSurge allows, never beyond the
// deployment's replicas; for Recreate the deployment's replicas.
func NewRSNewReplicas(d *api.Deployment, allRSs []*api.ReplicaSet, newRS *api.ReplicaSet) (int32, error) {
	switch d.Spec.Strategy.Type {
	case api.RollingUpdateDeploymentStrategyType, "":
		s, u := rollingParams(d)
		maxSurge, _, err := ResolveFenceposts(s, u, replicas(d.Spec.Replicas))
		if err != nil {
			return 0, err
		}
		current := ReplicaCount(allRSs)
		maxTotal := replicas(d.Spec.Replicas) + maxSurge
		if current >= maxTotal {
			return rsReplicas(newRS), nil // cannot scale up
		}
		up := maxTotal - current
		if room := replicas(d.Spec.Replicas) - rsReplicas(newRS); up > room {
			up = room
		}
		return rsReplicas(newRS) + up, nil
	case api.RecreateDeploymentStrategyType:
		return replicas(d.Spec.Replicas), nil
	default:
		return 0, fmt.Errorf("deployment type %v isn't supported", d.Spec.Strategy.Type)
	}
}

// IsSaturated: the replica set is the deployment's size and all available.
func IsSaturated(d *api.Deployment, rs *api.ReplicaSet) bool {
	if rs == nil {
		return false
	}
	desired, err := strconv.ParseInt(rs.Annotations[DesiredReplicasAnnotation], 10, 32)
	if err != nil {
		return false
	}
	return rsReplicas(rs) == replicas(d.Spec.Replicas) &&
		int32(desired) == replicas(d.Spec.Replicas) &&
		rs.Status.AvailableReplicas == replicas(d.Spec.Replicas)
}

// skipCopyAnnotation are the deployment annotations a replica set does not
// inherit.
func skipCopyAnnotation(k string) bool {
	switch k {
	case lastAppliedAnnotation, RevisionAnnotation, RevisionHistoryAnnotation,
		DesiredReplicasAnnotation, MaxReplicasAnnotation:
		return true
	}
	return false
}

// SetNewReplicaSetAnnotations copies the deployment's annotations onto rs
// and sets its revision to newRevision (keeping the old one in the
// revision history, at most historyLimitInChars long); it reports whether
// rs changed.
func SetNewReplicaSetAnnotations(d *api.Deployment, rs *api.ReplicaSet, newRevision string, exists bool, historyLimitInChars int) bool {
	changed := copyAnnotations(d, rs)
	if rs.Annotations == nil {
		rs.Annotations = map[string]string{}
	}
	old := rs.Annotations[RevisionAnnotation]
	oldN, oldErr := strconv.ParseInt(old, 10, 64)
	newN, err := strconv.ParseInt(newRevision, 10, 64)
	if err != nil {
		return changed
	}
	if old == "" || oldErr != nil || oldN < newN {
		rs.Annotations[RevisionAnnotation] = newRevision
		changed = true
		if old != "" && oldErr == nil {
			rs.Annotations[RevisionHistoryAnnotation] = appendHistory(rs.Annotations[RevisionHistoryAnnotation], old, historyLimitInChars)
		}
	}
	if !exists {
		if setReplicasAnnotations(rs, replicas(d.Spec.Replicas), replicas(d.Spec.Replicas)+MaxSurge(d)) {
			changed = true
		}
	}
	return changed
}

func copyAnnotations(d *api.Deployment, rs *api.ReplicaSet) bool {
	changed := false
	for k, v := range d.Annotations {
		if skipCopyAnnotation(k) {
			continue
		}
		if cur, ok := rs.Annotations[k]; ok && cur == v {
			continue
		}
		if rs.Annotations == nil {
			rs.Annotations = map[string]string{}
		}
		rs.Annotations[k] = v
		changed = true
	}
	return changed
}

// setReplicasAnnotations records the deployment's replicas and replicas +
// maxSurge on the replica set (used by proportional scaling).
func setReplicasAnnotations(rs *api.ReplicaSet, desired, max int32) bool {
	if rs.Annotations == nil {
		rs.Annotations = map[string]string{}
	}
	d, m := strconv.Itoa(int(desired)), strconv.Itoa(int(max))
	if rs.Annotations[DesiredReplicasAnnotation] == d && rs.Annotations[MaxReplicasAnnotation] == m {
		return false
	}
	rs.Annotations[DesiredReplicasAnnotation] = d
	rs.Annotations[MaxReplicasAnnotation] = m
	return true
}

// replicasAnnotationsNeedUpdate reports whether the annotations differ.
func replicasAnnotationsNeedUpdate(rs *api.ReplicaSet, desired, max int32) bool {
	return rs.Annotations[DesiredReplicasAnnotation] != strconv.Itoa(int(desired)) ||
		rs.Annotations[MaxReplicasAnnotation] != strconv.Itoa(int(max))
}

// labelsWith is a copy of m with k=v.
func labelsWith(m map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(m)+1)
	for a, b := range m {
		out[a] = b
	}
	out[k] = v
	return out
}

// selectorWith is a copy of sel that also requires k=v.
func selectorWith(sel *api.LabelSelector, k, v string) *api.LabelSelector {
	out := &api.LabelSelector{}
	if sel != nil {
		b, _ := json.Marshal(sel)
		_ = json.Unmarshal(b, out)
	}
	out.MatchLabels = labelsWith(out.MatchLabels, k, v)
	return out
}

// MaxRevHistoryLengthInChars bounds the revision-history annotation, as in
// Kubernetes' deployment controller.
const MaxRevHistoryLengthInChars = 2000

// appendHistory adds old to the comma-separated history, dropping the
// oldest entries to stay within limit characters.
func appendHistory(history, old string, limit int) string {
	if history == "" {
		return old
	}
	olds := strings.Split(history, ",")
	total := len(history) + len(old) + 1
	start := 0
	for total > limit && start < len(olds) {
		total -= len(olds[start]) + 1
		start++
	}
	if total > limit {
		return history // cannot fit: keep what there is
	}
	return strings.Join(append(olds[start:], old), ",")
}
