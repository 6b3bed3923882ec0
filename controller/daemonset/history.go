package daemonset

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"sort"

	"minik8s/pkg/api"
)

// revisionPatch is the data of a daemon set's ControllerRevision: a patch
// that puts its template back (Kubernetes' getPatch), so that a rollback
// is applying it.
func revisionPatch(ds *api.DaemonSet) ([]byte, error) {
	b, err := json.Marshal(ds.Spec.Template)
	if err != nil {
		return nil, fmt.Errorf("encoding the template of %s/%s: %w", ds.Namespace, ds.Name, err)
	}
	var tmpl map[string]any
	if err := json.Unmarshal(b, &tmpl); err != nil {
		return nil, fmt.Errorf("decoding the template of %s/%s: %w", ds.Namespace, ds.Name, err)
	}
	tmpl["$patch"] = "replace"
	return json.Marshal(map[string]any{"spec": map[string]any{"template": tmpl}})
}

// sameData compares revision data as JSON values (the apiserver may store
// it with different spacing).
func sameData(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}

// historyPlan is what constructHistory found among the daemon set's
// revisions.
type historyPlan struct {
	cur     *api.ControllerRevision   // the revision of the current template; nil: create one
	bump    bool                      // cur's revision number must become next
	next    int64                     // the revision number the current one has (or gets)
	dups    []*api.ControllerRevision // other revisions of the current template, to delete
	old     []*api.ControllerRevision // revisions of other templates
	newName string                    // the name of a revision to create
	hash    string                    // the hash of a revision to create
}

// planHistory sorts the daemon set's revisions into the current one (the
// one with the highest revision among those whose data is patch) and the
// old ones; the current revision gets the number after the highest old
// one (Kubernetes' constructHistory and dedupCurHistories).
func planHistory(ds *api.DaemonSet, revisions []*api.ControllerRevision, patch []byte, hash string) historyPlan {
	var plan historyPlan
	var cur []*api.ControllerRevision
	for _, r := range revisions {
		if sameData(r.Data, patch) {
			cur = append(cur, r)
		} else {
			plan.old = append(plan.old, r)
		}
	}
	var maxOld int64
	for _, r := range plan.old {
		maxOld = max(maxOld, r.Revision)
	}
	plan.next = maxOld + 1
	if len(cur) == 0 {
		plan.newName, plan.hash = ds.Name+"-"+hash, hash
		return plan
	}
	sort.SliceStable(cur, func(i, j int) bool { return cur[i].Revision > cur[j].Revision })
	plan.cur, plan.dups = cur[0], cur[1:]
	plan.bump = plan.cur.Revision < plan.next
	return plan
}

// revisionHash is the controller-revision-hash of a revision: its label,
// or its name for revisions made before the label existed.
func revisionHash(r *api.ControllerRevision) string {
	if h := r.Labels[api.ControllerRevisionHashLabel]; h != "" {
		return h
	}
	return r.Name
}

// newRevision is the ControllerRevision of the daemon set's template.
func newRevision(ds *api.DaemonSet, name, hash string, patch []byte, revision int64, ref api.OwnerReference) *api.ControllerRevision {
	l := maps.Clone(ds.Spec.Template.Labels)
	if l == nil {
		l = map[string]string{}
	}
	l[api.ControllerRevisionHashLabel] = hash
	return &api.ControllerRevision{
		TypeMeta: api.TypeMeta{APIVersion: "apps/v1", Kind: "ControllerRevision"},
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: ds.Namespace, Labels: l,
			Annotations: maps.Clone(ds.Annotations), OwnerReferences: []api.OwnerReference{ref}},
		Data: patch, Revision: revision,
	}
}

// revisionsToDelete are the oldest old revisions beyond the history
// limit, skipping those some live pod still runs (cleanupHistory).
func revisionsToDelete(old []*api.ControllerRevision, limit int32, pods []*api.Pod) []*api.ControllerRevision {
	toKill := len(old) - int(limit)
	if toKill <= 0 {
		return nil
	}
	live := map[string]bool{}
	for _, p := range pods {
		if h := p.Labels[api.ControllerRevisionHashLabel]; h != "" {
			live[h] = true
		}
	}
	sorted := append([]*api.ControllerRevision(nil), old...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Revision < sorted[j].Revision })
	var out []*api.ControllerRevision
	for _, r := range sorted {
		if toKill <= 0 {
			break
		}
		if live[revisionHash(r)] {
			continue
		}
		out = append(out, r)
		toKill--
	}
	return out
}
