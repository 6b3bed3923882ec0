package apiserver

import (
	"context"

	"minik8s/pkg/api"
)

// Taint keys the node lifecycle controller puts on a node whose Ready
// condition is False (not-ready) or Unknown (unreachable).
const (
	taintNodeNotReady    = "node.kubernetes.io/not-ready"
	taintNodeUnreachable = "node.kubernetes.io/unreachable"
)

// BeginCreate admits a new pod as Kubernetes' DefaultTolerationSeconds
// admission plugin does: it gets the default not-ready and unreachable
// NoExecute tolerations (--default-not-ready-toleration-seconds,
// --default-unreachable-toleration-seconds) unless it already tolerates them.
func (podStrategy) BeginCreate(ctx context.Context, s *Server, obj api.Object) (finishFunc, error) {
	pod := obj.(*api.Pod)
	pod.Spec.Tolerations = defaultTolerations(pod.Spec.Tolerations, s.opts.DefaultNotReadyTolerationSeconds, s.opts.DefaultUnreachableTolerationSeconds)
	admitPodDefaults(pod) // admission_pod.go
	// The ServiceAccount admission plugin: admission_serviceaccount.go.
	return nil, s.admitServiceAccount(ctx, pod)
}

// PrepareForUpdate keeps the default tolerations through an update that
// leaves them out (Kubernetes runs DefaultTolerationSeconds on updates too,
// so a client that PUTs back the spec it created never removes them, which
// validation would forbid): a pod that no longer tolerates not-ready or
// unreachable NoExecute gets the stored pod's toleration of it back.
func (podStrategy) PrepareForUpdate(obj, old api.Object) {
	pod, oldPod := obj.(*api.Pod), old.(*api.Pod)
	keepAdmittedFields(pod, oldPod) // admission_pod.go
	notReady, unreachable := toleratesNodeConditions(pod.Spec.Tolerations)
	for _, t := range oldPod.Spec.Tolerations {
		if t.Effect != api.TaintEffectNoExecute {
			continue
		}
		if t.Key == taintNodeNotReady && !notReady || t.Key == taintNodeUnreachable && !unreachable {
			pod.Spec.Tolerations = append(pod.Spec.Tolerations, t)
		}
	}
}

// toleratesNodeConditions reports whether ts has a toleration of the
// not-ready and of the unreachable NoExecute taint as Kubernetes'
// DefaultTolerationSeconds counts them: its key is the taint's key or
// empty and its effect is NoExecute or empty, whatever its operator, value
// and tolerationSeconds.
func toleratesNodeConditions(ts []api.Toleration) (notReady, unreachable bool) {
	for _, t := range ts {
		if t.Effect != api.TaintEffectNoExecute && t.Effect != "" {
			continue
		}
		if t.Key == taintNodeNotReady || t.Key == "" {
			notReady = true
		}
		if t.Key == taintNodeUnreachable || t.Key == "" {
			unreachable = true
		}
	}
	return notReady, unreachable
}

// defaultTolerations returns ts with the default NoExecute tolerations of
// not-ready and unreachable nodes appended where ts does not already
// tolerate them (toleratesNodeConditions).
func defaultTolerations(ts []api.Toleration, notReadySeconds, unreachableSeconds int64) []api.Toleration {
	notReady, unreachable := toleratesNodeConditions(ts)
	add := func(key string, seconds int64) {
		ts = append(ts, api.Toleration{Key: key, Operator: api.TolerationOpExists, Effect: api.TaintEffectNoExecute, TolerationSeconds: &seconds})
	}
	if !notReady {
		add(taintNodeNotReady, notReadySeconds)
	}
	if !unreachable {
		add(taintNodeUnreachable, unreachableSeconds)
	}
	return ts
}
