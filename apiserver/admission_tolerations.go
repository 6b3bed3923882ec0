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
func (podStrategy) BeginCreate(_ context.Context, s *Server, obj api.Object) (finishFunc, error) {
	pod := obj.(*api.Pod)
	pod.Spec.Tolerations = defaultTolerations(pod.Spec.Tolerations, s.opts.DefaultNotReadyTolerationSeconds, s.opts.DefaultUnreachableTolerationSeconds)
	return nil, nil
}

// defaultTolerations returns ts with the default NoExecute tolerations of
// not-ready and unreachable nodes appended where ts does not already have
// one. As in Kubernetes, a toleration counts when its key is the taint's
// key or empty and its effect is NoExecute or empty, whatever its operator,
// value and tolerationSeconds.
func defaultTolerations(ts []api.Toleration, notReadySeconds, unreachableSeconds int64) []api.Toleration {
	notReady, unreachable := false, false
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
