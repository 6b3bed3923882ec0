package kubectl

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"minik8s/pkg/api"
)

// Which pods kubectl drain deletes, as kubectl v1.32's pkg/drain filters:
// pods whose deletion is older than --skip-wait-for-delete-timeout are
// skipped, DaemonSet pods are refused (or ignored), mirror pods skipped,
// emptyDir pods and pods without a controller refused unless
// --delete-emptydir-data / --force; finished pods always go.

// Messages of kubectl's filters.
const (
	daemonSetFatal      = "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)"
	daemonSetWarning    = "ignoring DaemonSet-managed Pods"
	localStorageFatal   = "Pods with local storage (use --delete-emptydir-data to override)"
	localStorageWarning = "deleting Pods with local storage"
	unmanagedFatal      = "cannot delete Pods that declare no controller (use --force to override)"
	unmanagedWarning    = "deleting Pods that declare no controller"
	mirrorPodAnnotation = "kubernetes.io/config.mirror"
)

// Verdict kinds of a pod.
const (
	verdictOkay    = "Okay"
	verdictSkip    = "Skip"
	verdictWarning = "Warning"
	verdictError   = "Error"
)

// podVerdict says whether drain deletes a pod, and why not or with what warning.
type podVerdict struct {
	delete  bool
	kind    string
	message string
}

func okay() podVerdict { return podVerdict{delete: true, kind: verdictOkay} }
func skip() podVerdict { return podVerdict{kind: verdictSkip} }
func warn(del bool, m string) podVerdict {
	return podVerdict{delete: del, kind: verdictWarning, message: m}
}
func refuse(m string) podVerdict { return podVerdict{kind: verdictError, message: m} }

// drainPolicy is what the drain flags say about pods.
type drainPolicy struct {
	force, ignoreDaemonSets, deleteEmptyDir bool
	skipWaitSeconds                         int
	now                                     time.Time
	// daemonSet looks a DaemonSet up: nil, or its error (NotFound when it
	// is gone or not served).
	daemonSet func(ns, name string) error
	// isNotFound says whether daemonSet's error means the DaemonSet is gone.
	isNotFound func(error) bool
}

func finished(p *api.Pod) bool {
	return p.Status.Phase == api.PodSucceeded || p.Status.Phase == api.PodFailed
}

func controllerOf(p *api.Pod) *api.OwnerReference {
	for i, r := range p.OwnerReferences {
		if r.Controller != nil && *r.Controller {
			return &p.OwnerReferences[i]
		}
	}
	return nil
}

// skipWaiting is kubectl's shouldSkipPod: the pod's deletion started more
// than --skip-wait-for-delete-timeout seconds ago.
func (d drainPolicy) skipWaiting(p *api.Pod) bool {
	return d.skipWaitSeconds > 0 && p.DeletionTimestamp != nil &&
		int(d.now.Sub(p.DeletionTimestamp.Time).Seconds()) > d.skipWaitSeconds
}

func (d drainPolicy) filters() []func(*api.Pod) podVerdict {
	return []func(*api.Pod) podVerdict{d.skipDeleted, d.daemonSetFilter, mirrorFilter, d.localStorageFilter, d.unreplicatedFilter}
}

func (d drainPolicy) skipDeleted(p *api.Pod) podVerdict {
	if d.skipWaiting(p) {
		return skip()
	}
	return okay()
}

func (d drainPolicy) daemonSetFilter(p *api.Pod) podVerdict {
	ref := controllerOf(p)
	if ref == nil || ref.Kind != "DaemonSet" || finished(p) {
		return okay()
	}
	if err := d.daemonSet(p.Namespace, ref.Name); err != nil {
		if d.isNotFound(err) && d.force {
			return warn(true, err.Error())
		}
		return refuse(err.Error())
	}
	if !d.ignoreDaemonSets {
		return refuse(daemonSetFatal)
	}
	return warn(false, daemonSetWarning)
}

func mirrorFilter(p *api.Pod) podVerdict {
	if _, ok := p.Annotations[mirrorPodAnnotation]; ok {
		return skip()
	}
	return okay()
}

func (d drainPolicy) localStorageFilter(p *api.Pod) podVerdict {
	hasEmptyDir := false
	for _, v := range p.Spec.Volumes {
		if v.EmptyDir != nil {
			hasEmptyDir = true
		}
	}
	switch {
	case !hasEmptyDir || finished(p):
		return okay()
	case !d.deleteEmptyDir:
		return refuse(localStorageFatal)
	}
	return warn(true, localStorageWarning)
}

func (d drainPolicy) unreplicatedFilter(p *api.Pod) podVerdict {
	switch {
	case finished(p) || controllerOf(p) != nil:
		return okay()
	case d.force:
		return warn(true, unmanagedWarning)
	}
	return refuse(unmanagedFatal)
}

// podDecision is one pod and its verdict.
type podDecision struct {
	pod     *api.Pod
	verdict podVerdict
}

// decidePods runs the filters over pods in order; the first that keeps a
// pod decides, else the last one's verdict stands (kubectl keeps only the
// last warning).
func (d drainPolicy) decidePods(pods []*api.Pod) []podDecision {
	out := make([]podDecision, 0, len(pods))
	for _, p := range pods {
		var v podVerdict
		for _, f := range d.filters() {
			if v = f(p); !v.delete {
				break
			}
		}
		out = append(out, podDecision{pod: p, verdict: v})
	}
	return out
}

// toDelete are the pods drain evicts.
func toDelete(ds []podDecision) []*api.Pod {
	var out []*api.Pod
	for _, d := range ds {
		if d.verdict.delete {
			out = append(out, d.pod)
		}
	}
	return out
}

// groupByMessage maps each message of verdicts of kind to "ns/name" lists,
// messages in sorted order (kubectl's map order is random).
func groupByMessage(ds []podDecision, kind string) (msgs []string, pods map[string][]string) {
	pods = map[string][]string{}
	for _, d := range ds {
		if d.verdict.kind != kind {
			continue
		}
		m := d.verdict.message
		if m == "" && kind == verdictError {
			m = "unexpected error"
		}
		if _, ok := pods[m]; !ok {
			msgs = append(msgs, m)
		}
		pods[m] = append(pods[m], d.pod.Namespace+"/"+d.pod.Name)
	}
	sort.Strings(msgs)
	return msgs, pods
}

// drainWarnings is kubectl's PodDeleteList.Warnings: "msg: ns/a, ns/b; …".
func drainWarnings(ds []podDecision) string {
	msgs, pods := groupByMessage(ds, verdictWarning)
	parts := make([]string, 0, len(msgs))
	for _, m := range msgs {
		parts = append(parts, m+": "+strings.Join(pods[m], ", "))
	}
	return strings.Join(parts, "; ")
}

// drainErrors is kubectl v1.32's PodDeleteList.errors: one
// "cannot delete <msg>: ns/a, ns/b" per message.
func drainErrors(ds []podDecision) []error {
	msgs, pods := groupByMessage(ds, verdictError)
	out := make([]error, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, fmt.Errorf("cannot delete %s: %s", m, strings.Join(pods[m], ", ")))
	}
	return out
}

// aggregate is apimachinery's utilerrors.Aggregate: one message alone,
// several (duplicates dropped) as "[a, b]".
type aggregate []error

func (a aggregate) Error() string {
	seen := map[string]bool{}
	var msgs []string
	for _, e := range a {
		if m := e.Error(); !seen[m] {
			seen[m] = true
			msgs = append(msgs, m)
		}
	}
	if len(msgs) == 1 {
		return msgs[0]
	}
	return "[" + strings.Join(msgs, ", ") + "]"
}

func newAggregate(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return aggregate(errs)
}
