package deployment

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	"minik8s/pkg/api"
)

func ios(s string) *intstr.IntOrString {
	if n, err := strconv.Atoi(s); err == nil {
		v := intstr.FromInt32(int32(n))
		return &v
	}
	v := intstr.FromString(s)
	return &v
}

func i32(n int32) *int32 { return &n }

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// newDeployment is a rolling-update deployment as Kubernetes' controller
// tests make it (maxSurge and maxUnavailable 0 unless given).
func newDeployment(replicas int32, maxSurge, maxUnavailable string) *api.Deployment {
	if maxSurge == "" {
		maxSurge = "0"
	}
	if maxUnavailable == "" {
		maxUnavailable = "0"
	}
	return &api.Deployment{
		ObjectMeta: api.ObjectMeta{Name: "foo", Namespace: "default", UID: "d-uid", Generation: 1},
		Spec: api.DeploymentSpec{
			Replicas: i32(replicas),
			Selector: &api.LabelSelector{MatchLabels: map[string]string{"app": "foo"}},
			Template: api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: map[string]string{"app": "foo"}},
				Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Image: "v2"}}}},
			Strategy: api.DeploymentStrategy{Type: api.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &api.RollingUpdateDeployment{MaxSurge: ios(maxSurge), MaxUnavailable: ios(maxUnavailable)}},
			RevisionHistoryLimit:    i32(10),
			ProgressDeadlineSeconds: i32(600),
		},
	}
}

// newRS is a replica set of size replicas with available pods, created age
// minutes after t0.
func newRS(name string, replicas, available int32, created int) *api.ReplicaSet {
	return &api.ReplicaSet{
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", UID: name + "-uid",
			CreationTimestamp: api.NewTime(t0.Add(time.Duration(created) * time.Minute))},
		Spec: api.ReplicaSetSpec{Replicas: i32(replicas),
			Template: api.PodTemplateSpec{Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Image: name}}}}},
		Status: api.ReplicaSetStatus{Replicas: replicas, AvailableReplicas: available, ReadyReplicas: available},
	}
}

func TestResolveFenceposts(t *testing.T) {
	for _, tc := range []struct {
		surge, unavailable     string
		desired                int32
		wantSurge, wantUnavail int32
		wantErr                bool
	}{
		// Kubernetes' deployment_util_test.go cases.
		{"0%", "0%", 0, 0, 1, false},
		{"39%", "39%", 10, 4, 3, false},
		{"oops", "39%", 10, 0, 0, true},
		{"55%", "urg", 10, 0, 0, true},
		{"5", "1", 7, 5, 1, false},
		{"", "", 10, 0, 1, false}, // both unset: maxUnavailable 1
		// every combination of counts and percentages
		{"1", "1", 2, 1, 1, false},
		{"25%", "25%", 8, 2, 2, false},
		{"25%", "25%", 3, 1, 0, false}, // surge rounds up, unavailable down
		{"25%", "25%", 1, 1, 0, false},
		{"0", "0", 5, 0, 1, false},
		{"0", "10", 3, 0, 10, false},
		{"0%", "30%", 10, 0, 3, false},
		{"2", "50%", 5, 2, 2, false},
		{"50%", "2", 5, 3, 2, false},
		{"100%", "0", 4, 4, 0, false},
		{"0", "100%", 4, 0, 4, false},
		{"10%", "10%", 1, 1, 0, false},
		{"200%", "0%", 3, 6, 0, false},
	} {
		var s, u *intstr.IntOrString
		if tc.surge != "" {
			s = ios(tc.surge)
		}
		if tc.unavailable != "" {
			u = ios(tc.unavailable)
		}
		if tc.surge == "5" {
			s = ios("5") // an int: "5" parses as one here
		}
		gs, gu, err := ResolveFenceposts(s, u, tc.desired)
		if (err != nil) != tc.wantErr {
			t.Errorf("ResolveFenceposts(%s, %s, %d) error = %v, want error %v", tc.surge, tc.unavailable, tc.desired, err, tc.wantErr)
			continue
		}
		if !tc.wantErr && (gs != tc.wantSurge || gu != tc.wantUnavail) {
			t.Errorf("ResolveFenceposts(%s, %s, %d) = %d, %d; want %d, %d", tc.surge, tc.unavailable, tc.desired, gs, gu, tc.wantSurge, tc.wantUnavail)
		}
	}
	// A string that is no percentage is an error, as in Kubernetes.
	str := intstr.FromString("5")
	if _, _, err := ResolveFenceposts(&str, ios("1"), 7); err == nil {
		t.Errorf(`ResolveFenceposts("5" as a string) = nil error, want one`)
	}
}

func TestMaxUnavailable(t *testing.T) {
	recreate := &api.Deployment{Spec: api.DeploymentSpec{Replicas: i32(10), Strategy: api.DeploymentStrategy{Type: api.RecreateDeploymentStrategyType}}}
	for _, tc := range []struct {
		name string
		d    *api.Deployment
		want int32
	}{
		{"less than replicas", newDeployment(10, "1", "5"), 5},
		{"equal replicas", newDeployment(10, "1", "10"), 10},
		{"greater than replicas", newDeployment(5, "1", "10"), 5},
		{"replicas is 0", newDeployment(0, "1", "10"), 0},
		{"Recreate", recreate, 0},
		{"less than replicas with percents", newDeployment(10, "1", "50%"), 5},
		{"equal replicas with percents", newDeployment(10, "1", "100%"), 10},
		{"greater than replicas with percents", newDeployment(5, "1", "100%"), 5},
	} {
		if got := MaxUnavailable(tc.d); got != tc.want {
			t.Errorf("%s: MaxUnavailable = %d, want %d", tc.name, got, tc.want)
		}
	}
	if got := MaxSurge(recreate); got != 0 {
		t.Errorf("MaxSurge(Recreate) = %d, want 0", got)
	}
	if got := MaxSurge(newDeployment(10, "25%", "25%")); got != 3 {
		t.Errorf("MaxSurge(10, 25%%) = %d, want 3", got)
	}
}

func TestNewRSNewReplicas(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		strategy               string
		depReplicas, newRSSize int32
		maxSurge               string
		want                   int32
	}{
		// Kubernetes' cases: allRSs are the new one and an old one of 5.
		{"can not scale up - to newRSReplicas", api.RollingUpdateDeploymentStrategyType, 1, 5, "1", 5},
		{"scale up - to depReplicas", api.RollingUpdateDeploymentStrategyType, 6, 2, "10", 6},
		{"recreate - to depReplicas", api.RecreateDeploymentStrategyType, 3, 1, "1", 3},
		{"scale up by the surge", api.RollingUpdateDeploymentStrategyType, 10, 0, "3", 0 + (10 + 3 - 5)},
		{"surge room limited by the old", api.RollingUpdateDeploymentStrategyType, 4, 0, "25%", 0},
	} {
		d := newDeployment(tc.depReplicas, tc.maxSurge, "0")
		if tc.strategy == api.RecreateDeploymentStrategyType {
			d.Spec.Strategy = api.DeploymentStrategy{Type: api.RecreateDeploymentStrategyType}
		}
		nrs := newRS("foo-new", tc.newRSSize, 0, 1)
		all := []*api.ReplicaSet{nrs, newRS("foo-old", 5, 5, 0)}
		got, err := NewRSNewReplicas(d, all, nrs)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got != tc.want {
			t.Errorf("%s: NewRSNewReplicas = %d, want %d", tc.name, got, tc.want)
		}
	}
}

const alphanums = "bcdfghjklmnpqrstvwxz2456789" // rand.SafeEncodeString's alphabet

func TestComputeHashAndName(t *testing.T) {
	d := newDeployment(3, "", "")
	h := ComputeHash(&d.Spec.Template, nil)
	if h == "" || len(h) > 10 {
		t.Fatalf("hash %q: want 1..10 characters", h)
	}
	for _, c := range h {
		if !strings.ContainsRune(alphanums, c) {
			t.Fatalf("hash %q has %q, not one of %q", h, c, alphanums)
		}
	}
	if again := ComputeHash(&d.Spec.Template, nil); again != h {
		t.Errorf("hash not stable: %q then %q", h, again)
	}
	if c := ComputeHash(&d.Spec.Template, i32(1)); c == h {
		t.Errorf("collisionCount 1 gives the same hash %q", c)
	}
	other := deepCopyTemplate(&d.Spec.Template)
	other.Spec.Containers[0].Image = "v3"
	if ComputeHash(other, nil) == h {
		t.Errorf("a different template has the same hash")
	}
	if got := ReplicaSetName("web", h); got != "web-"+h {
		t.Errorf("ReplicaSetName = %q", got)
	}
	// The hash label does not change what a template is.
	labeled := deepCopyTemplate(&d.Spec.Template)
	labeled.Labels[PodTemplateHashLabel] = h
	if !EqualIgnoreHash(labeled, &d.Spec.Template) {
		t.Errorf("EqualIgnoreHash ignores pod-template-hash: got false")
	}
	if EqualIgnoreHash(other, &d.Spec.Template) {
		t.Errorf("EqualIgnoreHash of different images: got true")
	}
}

func TestRevisions(t *testing.T) {
	rev := func(name string, r string) *api.ReplicaSet {
		rs := newRS(name, 0, 0, 0)
		if r != "" {
			rs.Annotations = map[string]string{RevisionAnnotation: r}
		}
		return rs
	}
	rss := []*api.ReplicaSet{rev("a", "1"), rev("b", "3"), rev("c", "2"), rev("d", ""), rev("e", "x")}
	if got := MaxRevision(rss); got != 3 {
		t.Errorf("MaxRevision = %d, want 3", got)
	}
	if got := LastRevision(rss); got != 2 {
		t.Errorf("LastRevision = %d, want 2", got)
	}
	if got := LastRevision([]*api.ReplicaSet{rev("a", "1")}); got != 0 {
		t.Errorf("LastRevision of one = %d, want 0", got)
	}
}

func TestSetNewReplicaSetAnnotations(t *testing.T) {
	d := newDeployment(3, "1", "0")
	d.Annotations = map[string]string{RevisionAnnotation: "1", ChangeCauseAnnotation: "v2", lastAppliedAnnotation: "{}"}
	rs := newRS("foo-x", 0, 0, 0)
	// Kubernetes' TestAnnotationUtils: revisions 11..20, history at most 5
	// characters.
	for i := 10; i < 20; i++ {
		next := strconv.Itoa(i + 1)
		SetNewReplicaSetAnnotations(d, rs, next, true, 5)
		if i >= 12 {
			if want := strconv.Itoa(i-1) + "," + strconv.Itoa(i); rs.Annotations[RevisionHistoryAnnotation] != want {
				t.Errorf("revision %s: history %q, want %q", next, rs.Annotations[RevisionHistoryAnnotation], want)
			}
		}
		if rs.Annotations[RevisionAnnotation] != next {
			t.Errorf("revision = %q, want %q", rs.Annotations[RevisionAnnotation], next)
		}
	}
	if rs.Annotations[ChangeCauseAnnotation] != "v2" {
		t.Errorf("change-cause not copied: %v", rs.Annotations)
	}
	if _, ok := rs.Annotations[lastAppliedAnnotation]; ok {
		t.Errorf("last-applied-configuration copied: %v", rs.Annotations)
	}
	// A lower revision does not go back.
	if SetNewReplicaSetAnnotations(d, rs, "3", true, 5) || rs.Annotations[RevisionAnnotation] != "20" {
		t.Errorf("revision went back to %q", rs.Annotations[RevisionAnnotation])
	}
	// A new replica set gets the replicas annotations.
	fresh := newRS("foo-y", 0, 0, 0)
	SetNewReplicaSetAnnotations(d, fresh, "4", false, MaxRevHistoryLengthInChars)
	if fresh.Annotations[DesiredReplicasAnnotation] != "3" || fresh.Annotations[MaxReplicasAnnotation] != "4" {
		t.Errorf("replicas annotations %v, want desired 3 max 4", fresh.Annotations)
	}
	if !replicasAnnotationsNeedUpdate(newRS("z", 0, 0, 0), 10, 20) {
		t.Errorf("nil annotations need an update")
	}
	if replicasAnnotationsNeedUpdate(fresh, 3, 4) {
		t.Errorf("equal annotations need no update")
	}
}
