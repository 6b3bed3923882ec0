package apiserver

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"minik8s/apiserver/storage"
	"minik8s/pkg/api"
)

// defaultPodGrace is the grace period of a pod without
// spec.terminationGracePeriodSeconds.
const defaultPodGrace = 30

// podGracePeriod is the grace period of a pod DELETE, as Kubernetes'
// podStrategy.CheckGracefulDelete and BeforeDelete: the options'
// gracePeriodSeconds (from the body, or the query without one), else the
// pod's terminationGracePeriodSeconds, else 30; a negative one is 1 s.
// Any int64 is accepted: the deletion timestamp saturates (api.AddSeconds).
func podGracePeriod(pod *api.Pod, opts *api.DeleteOptions) int64 {
	g := int64(defaultPodGrace)
	switch {
	case opts != nil && opts.GracePeriodSeconds != nil:
		g = *opts.GracePeriodSeconds
	case pod.Spec.TerminationGracePeriodSeconds != nil:
		g = *pod.Spec.TerminationGracePeriodSeconds
	}
	if g < 0 {
		g = 1
	}
	return g
}

// gracefulPodDelete says whether deleting pod with grace must go through
// the kubelet (set deletionTimestamp) instead of removing it at once: as in
// Kubernetes, only a pod bound to a node, not yet terminated, with a grace
// period > 0.
func gracefulPodDelete(pod *api.Pod, grace int64) bool {
	return grace > 0 && pod.Spec.NodeName != "" &&
		pod.Status.Phase != api.PodSucceeded && pod.Status.Phase != api.PodFailed
}

// checkPreconditions checks a DELETE's preconditions against obj.
func checkPreconditions(info *api.ResourceInfo, name string, obj api.Object, pre *api.Preconditions) error {
	m := obj.GetObjectMeta()
	if pre != nil && pre.UID != nil && *pre.UID != m.UID {
		return errConflict(info, name, fmt.Sprintf("Precondition failed: UID in precondition: %s, UID in object meta: %s", *pre.UID, m.UID))
	}
	if pre != nil && pre.ResourceVersion != nil && *pre.ResourceVersion != m.ResourceVersion {
		return errConflict(info, name, fmt.Sprintf("Precondition failed: ResourceVersion in precondition: %s, ResourceVersion in object meta: %s", *pre.ResourceVersion, m.ResourceVersion))
	}
	return nil
}

// deletePod deletes a pod gracefully: a running bound pod gets
// metadata.deletionTimestamp (now + grace) and deletionGracePeriodSeconds
// (a MODIFIED event) and its kubelet kills it and deletes it with grace 0;
// a second DELETE may only shorten the grace period. Other pods, and a
// grace period of 0, are deleted as any object (deleteObject: removed at
// once unless finalizers keep them). The propagation policy's finalizers
// are set in both cases.
func (s *Server) deletePod(ctx context.Context, rt route, opts *api.DeleteOptions, q url.Values) (api.Object, error) {
	if err := validateDeleteOptions(rt.info, rt.name, opts); err != nil {
		return nil, err
	}
	for {
		obj, rev, err := s.getObject(ctx, rt.info, rt.namespace, rt.name)
		if err != nil {
			return nil, err
		}
		pod := obj.(*api.Pod)
		if err := checkPreconditions(rt.info, rt.name, pod, opts.Preconditions); err != nil {
			return nil, err
		}
		grace := podGracePeriod(pod, opts)
		if !gracefulPodDelete(pod, grace) {
			return s.deleteObject(ctx, rt, opts)
		}
		fins, finsChanged := deletionFinalizers(pod.Finalizers, opts)
		if cur := pod.DeletionGracePeriodSeconds; !finsChanged && pod.DeletionTimestamp != nil && cur != nil && *cur <= grace {
			return pod, nil // already terminating at least as fast
		}
		pod.Finalizers = fins
		now := time.Now().UTC()
		dt := api.NewTime(api.AddSeconds(now, grace).Truncate(time.Second))
		if cur := pod.DeletionGracePeriodSeconds; pod.DeletionTimestamp != nil && cur != nil && *cur <= grace {
			dt, grace = *pod.DeletionTimestamp, *cur // only the finalizers change
		} else if pod.DeletionTimestamp != nil && pod.DeletionTimestamp.Before(dt.Time) {
			dt = *pod.DeletionTimestamp
		}
		pod.DeletionTimestamp, pod.DeletionGracePeriodSeconds = &dt, &grace
		data, err := encodeStored(pod)
		if err != nil {
			return nil, err
		}
		newRev, err := s.store.Update(ctx, storageKey(rt.info, rt.namespace, rt.name), data, rev)
		if errors.Is(err, storage.ErrConflict) && ctx.Err() == nil {
			continue // changed meanwhile: decide again
		}
		if err != nil {
			return nil, err
		}
		pod.ResourceVersion = strconv.FormatInt(newRev, 10)
		return pod, nil
	}
}
