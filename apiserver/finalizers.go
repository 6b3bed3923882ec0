package apiserver

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"minik8s/apiserver/storage"
	"minik8s/pkg/api"
	"minik8s/pkg/api/validation"
)

// Deletion with finalizers, as Kubernetes' generic registry
// (k8s.io/apiserver registry/generic/registry/store.go: Delete,
// deletionFinalizersForGarbageCollection, updateForGracefulDeletionAndFinalizers,
// ShouldDeleteDuringUpdate): an object with metadata.finalizers is not
// removed by DELETE; it gets deletionTimestamp (and deletionGracePeriodSeconds
// 0) and goes once an update removes its last finalizer. propagationPolicy
// adds the garbage collector's finalizers: Foreground "foregroundDeletion"
// (dependents first), Orphan "orphan" (dependents lose their owner
// reference); Background (the default) adds none.

// Finalizers of the garbage collector.
const (
	finalizerOrphan     = metav1.FinalizerOrphanDependents // "orphan"
	finalizerForeground = metav1.FinalizerDeleteDependents // "foregroundDeletion"
)

// validateDeleteOptions checks propagationPolicy and orphanDependents.
func validateDeleteOptions(info *api.ResourceInfo, name string, opts *api.DeleteOptions) error {
	if opts == nil {
		return nil
	}
	var errs validation.ErrorList
	if opts.OrphanDependents != nil && opts.PropagationPolicy != nil {
		errs = append(errs, &validation.FieldError{Field: "propagationPolicy", Type: validation.TypeInvalid,
			BadValue: *opts.PropagationPolicy, Detail: "orphanDependents and deletionPropagation cannot be both set"})
	}
	if p := opts.PropagationPolicy; p != nil {
		switch metav1.DeletionPropagation(*p) {
		case metav1.DeletePropagationBackground, metav1.DeletePropagationForeground, metav1.DeletePropagationOrphan:
		default:
			errs = append(errs, &validation.FieldError{Field: "propagationPolicy", Type: validation.TypeNotSupported,
				BadValue: *p, Detail: `supported values: "Orphan", "Background", "Foreground"`})
		}
	}
	if len(errs) > 0 {
		return errInvalid(info, name, errs)
	}
	return nil
}

// deletionFinalizers is the finalizer list of an object after a DELETE
// with opts: Orphan (or orphanDependents: true) adds "orphan",
// Foreground adds "foregroundDeletion", each dropping the other;
// Background (or orphanDependents: false) drops both; no policy keeps what
// the object has. changed says whether the list differs.
func deletionFinalizers(fins []string, opts *api.DeleteOptions) (out []string, changed bool) {
	var orphan, foreground, background bool
	if opts != nil {
		if o := opts.OrphanDependents; o != nil {
			orphan, background = *o, !*o
		}
		if p := opts.PropagationPolicy; p != nil {
			switch metav1.DeletionPropagation(*p) {
			case metav1.DeletePropagationOrphan:
				orphan = true
			case metav1.DeletePropagationForeground:
				foreground = true
			case metav1.DeletePropagationBackground:
				background = true
			}
		}
	}
	out = slices.Clone(fins)
	switch {
	case orphan:
		out = withFinalizer(without(out, finalizerForeground), finalizerOrphan)
	case foreground:
		out = withFinalizer(without(out, finalizerOrphan), finalizerForeground)
	case background:
		out = without(without(out, finalizerOrphan), finalizerForeground)
	}
	return out, !slices.Equal(out, fins)
}

func without(fins []string, f string) []string {
	return slices.DeleteFunc(fins, func(s string) bool { return s == f })
}

func withFinalizer(fins []string, f string) []string {
	if slices.Contains(fins, f) {
		return fins
	}
	return append(fins, f)
}

// markDeleting is what a DELETE does to an object that its finalizers
// keep: deletionTimestamp (now, or earlier if already set) and
// deletionGracePeriodSeconds 0, the finalizers fins.
func markDeleting(m *api.ObjectMeta, fins []string, now time.Time) {
	m.Finalizers = fins
	dt := api.NewTime(now.UTC().Truncate(time.Second))
	if m.DeletionTimestamp == nil || dt.Before(m.DeletionTimestamp.Time) {
		m.DeletionTimestamp = &dt
	}
	zero := int64(0)
	m.DeletionGracePeriodSeconds = &zero
}

// deletingNeedsWrite says whether a DELETE of an object with finalizers
// must write: it is not yet marked deleted with grace 0, or its
// finalizers change.
func deletingNeedsWrite(m *api.ObjectMeta, finalizersChanged bool) bool {
	g := m.DeletionGracePeriodSeconds
	return finalizersChanged || m.DeletionTimestamp == nil || g == nil || *g != 0
}

// shouldDeleteDuringUpdate says whether an update removes the object: it
// was deleted with grace 0 (DELETE left it to its finalizers) and the
// update leaves no finalizer (Kubernetes' ShouldDeleteDuringUpdate).
func shouldDeleteDuringUpdate(obj, old api.Object) bool {
	n, o := obj.GetObjectMeta(), old.GetObjectMeta()
	g := o.DeletionGracePeriodSeconds
	return len(n.Finalizers) == 0 && o.DeletionTimestamp != nil && g != nil && *g == 0
}

// validateFinalizersUpdate forbids new finalizers on an object being
// deleted.
func validateFinalizersUpdate(obj, old api.Object) validation.ErrorList {
	o := old.GetObjectMeta()
	if o.DeletionTimestamp == nil {
		return nil
	}
	for _, f := range obj.GetObjectMeta().Finalizers {
		if !slices.Contains(o.Finalizers, f) {
			return validation.ErrorList{{Field: "metadata.finalizers", Type: validation.TypeForbidden,
				Detail: "no new finalizers can be added if the object is being deleted, found new finalizers []string{\"" + f + "\"}"}}
		}
	}
	return nil
}

// deleteObject deletes one object under opts (preconditions, propagation
// policy): an object left with finalizers is marked deleted and stored,
// any other is removed. It returns the object with the resourceVersion of
// the write.
func (s *Server) deleteObject(ctx context.Context, rt route, opts *api.DeleteOptions) (api.Object, error) {
	if opts == nil {
		opts = &api.DeleteOptions{}
	}
	if err := validateDeleteOptions(rt.info, rt.name, opts); err != nil {
		return nil, err
	}
	for {
		old, rev, err := s.getObject(ctx, rt.info, rt.namespace, rt.name)
		if err != nil {
			return nil, err
		}
		if err := checkPreconditions(rt.info, rt.name, old, opts.Preconditions); err != nil {
			return nil, err
		}
		m := old.GetObjectMeta()
		fins, changed := deletionFinalizers(m.Finalizers, opts)
		if len(fins) > 0 {
			if !deletingNeedsWrite(m, changed) {
				return old, nil
			}
			markDeleting(m, fins, time.Now())
			out, err := s.writeDeleting(ctx, rt, old, rev)
			if errors.Is(err, storage.ErrConflict) && ctx.Err() == nil {
				continue
			}
			return out, err
		}
		out, err := s.removeObject(ctx, rt, old, rev)
		if errors.Is(err, storage.ErrConflict) && ctx.Err() == nil {
			continue // changed meanwhile: check the preconditions again
		}
		return out, err
	}
}

// writeDeleting stores obj (marked deleted) over revision rev.
func (s *Server) writeDeleting(ctx context.Context, rt route, obj api.Object, rev int64) (api.Object, error) {
	data, err := encodeStored(obj)
	if err != nil {
		return nil, err
	}
	newRev, err := s.store.Update(ctx, storageKey(rt.info, rt.namespace, rt.name), data, rev)
	if err != nil {
		return nil, err
	}
	obj.GetObjectMeta().ResourceVersion = strconv.FormatInt(newRev, 10)
	return obj, nil
}

// removeObject removes obj, stored at rev, and runs the strategy's
// AfterDelete.
func (s *Server) removeObject(ctx context.Context, rt route, obj api.Object, rev int64) (api.Object, error) {
	kv, err := s.store.Delete(ctx, storageKey(rt.info, rt.namespace, rt.name), rev)
	if err != nil {
		return nil, err
	}
	obj.GetObjectMeta().ResourceVersion = strconv.FormatInt(kv.ModRevision, 10)
	if !isDryRun(ctx) {
		strategyFor(rt.info).AfterDelete(ctx, s, obj)
	}
	return obj, nil
}
