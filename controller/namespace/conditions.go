package namespace

import (
	"fmt"
	"sort"
	"strings"

	"minik8s/pkg/api"
)

// Namespace condition types, as in k8s.io/api/core/v1.
const (
	DeletionDiscoveryFailure = "NamespaceDeletionDiscoveryFailure"
	DeletionGVParsingFailure = "NamespaceDeletionGroupVersionParsingFailure"
	DeletionContentFailure   = "NamespaceDeletionContentFailure"
	ContentRemaining         = "NamespaceContentRemaining"
	FinalizersRemaining      = "NamespaceFinalizersRemaining"
)

// conditionTypes are the conditions the controller maintains, in order.
var conditionTypes = []string{DeletionDiscoveryFailure, DeletionGVParsingFailure, DeletionContentFailure, ContentRemaining, FinalizersRemaining}

// The "all is well" reason and message of each condition (Kubernetes'
// status_condition_utils.go).
var (
	okReasons = map[string]string{
		DeletionDiscoveryFailure: "ResourcesDiscovered",
		DeletionGVParsingFailure: "ParsedGroupVersions",
		DeletionContentFailure:   "ContentDeleted",
		ContentRemaining:         "ContentRemoved",
		FinalizersRemaining:      "ContentHasNoFinalizers",
	}
	okMessages = map[string]string{
		DeletionDiscoveryFailure: "All resources successfully discovered",
		DeletionGVParsingFailure: "All legacy kube types successfully parsed",
		DeletionContentFailure:   "All content successfully deleted, may be waiting on finalization",
		ContentRemaining:         "All content successfully removed",
		FinalizersRemaining:      "All content-preserving finalizers finished",
	}
)

// contentResult is what one pass found for one resource in the namespace.
type contentResult struct {
	Resource   string         // "pods"
	Group      string         // "" for the core group
	Err        error          // deleting or listing failed
	Remaining  int            // objects still there after the delete
	Finalizers map[string]int // finalizer -> remaining objects carrying it
	Estimate   int64          // seconds until the remaining ones should be gone
}

// passSummary is a whole pass: the conditions it implies, the errors, and
// whether and for how long content remains.
type passSummary struct {
	Conditions []api.NamespaceCondition // failing conditions only
	Errs       []error
	Remaining  int
	Estimate   int64
}

// summarize builds the failing conditions of a pass as Kubernetes'
// namespaceConditionUpdater does.
func summarize(results []contentResult, now api.Time) passSummary {
	var s passSummary
	var remaining, byFinalizer []string
	finalizers := map[string]int{}
	for _, r := range results {
		if r.Err != nil {
			s.Errs = append(s.Errs, r.Err)
		}
		if r.Estimate > s.Estimate {
			s.Estimate = r.Estimate
		}
		if r.Remaining > 0 {
			s.Remaining += r.Remaining
			remaining = append(remaining, fmt.Sprintf("%s.%s has %d resource instances", r.Resource, r.Group, r.Remaining))
		}
		for f, n := range r.Finalizers {
			finalizers[f] += n
		}
	}
	for f, n := range finalizers {
		if n > 0 {
			byFinalizer = append(byFinalizer, fmt.Sprintf("%s in %d resource instances", f, n))
		}
	}
	sort.Strings(remaining)
	sort.Strings(byFinalizer)
	if len(s.Errs) > 0 {
		msgs := make([]string, len(s.Errs))
		for i, e := range s.Errs {
			msgs[i] = e.Error()
		}
		agg := strings.Join(msgs, ", ")
		if len(msgs) > 1 {
			agg = "[" + agg + "]"
		}
		s.Conditions = append(s.Conditions, api.NamespaceCondition{Type: DeletionContentFailure, Status: api.ConditionTrue,
			LastTransitionTime: now, Reason: "ContentDeletionFailed",
			Message: fmt.Sprintf("Failed to delete all resource types, %d remaining: %s", len(s.Errs), agg)})
	}
	if len(remaining) > 0 {
		s.Conditions = append(s.Conditions, api.NamespaceCondition{Type: ContentRemaining, Status: api.ConditionTrue,
			LastTransitionTime: now, Reason: "SomeResourcesRemain",
			Message: "Some resources are remaining: " + strings.Join(remaining, ", ")})
	}
	if len(byFinalizer) > 0 {
		s.Conditions = append(s.Conditions, api.NamespaceCondition{Type: FinalizersRemaining, Status: api.ConditionTrue,
			LastTransitionTime: now, Reason: "SomeFinalizersRemain",
			Message: "Some content in the namespace has finalizers remaining: " + strings.Join(byFinalizer, ", ")})
	}
	return s
}

// applyConditions sets every maintained condition of ns: the failing
// ones from failing, the others to their "ok" form. A condition whose
// status, reason and message are unchanged is left alone (keeping its
// transition time). It reports whether anything changed.
func applyConditions(ns *api.Namespace, failing []api.NamespaceCondition, now api.Time) bool {
	changed := false
	for _, typ := range conditionTypes {
		want := api.NamespaceCondition{Type: typ, Status: api.ConditionFalse, LastTransitionTime: now,
			Reason: okReasons[typ], Message: okMessages[typ]}
		for _, c := range failing {
			if c.Type == typ {
				want = c
			}
		}
		found := false
		for i := range ns.Status.Conditions {
			c := &ns.Status.Conditions[i]
			if c.Type != typ {
				continue
			}
			found = true
			if c.Status != want.Status || c.Reason != want.Reason || c.Message != want.Message {
				*c = want
				changed = true
			}
		}
		if !found {
			ns.Status.Conditions = append(ns.Status.Conditions, want)
			changed = true
		}
	}
	return changed
}
