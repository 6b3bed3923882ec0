package replicaset

import (
	"context"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/labels"
)

// view is a ReplicaSet or ReplicationController seen the same way.
type view struct {
	obj      api.Object
	meta     *api.ObjectMeta
	replicas int32
	minReady int32
	selector labels.Selector // never nil; Nothing when invalid or empty
	template *api.PodTemplateSpec
	status   Status
}

// Status is the status both kinds share.
type Status struct {
	Replicas             int32
	FullyLabeledReplicas int32
	ReadyReplicas        int32
	AvailableReplicas    int32
	ObservedGeneration   int64
	Conditions           []api.ReplicaSetCondition
}

// Kind is one of the two kinds the controller reconciles.
type Kind struct {
	Info   *api.ResourceInfo
	Name   string // "replicaset", for logs and the queue
	view   func(api.Object) (*view, bool)
	update func(ctx context.Context, c *client.Client, obj api.Object, st Status) (api.Object, error)
}

func replicasOr1(r *int32) int32 {
	if r == nil {
		return 1
	}
	return *r
}

// ReplicaSetKind is apps/v1 ReplicaSet.
var ReplicaSetKind = Kind{
	Info: mustInfo[*api.ReplicaSet](),
	Name: "replicaset",
	view: func(o api.Object) (*view, bool) {
		rs, ok := o.(*api.ReplicaSet)
		if !ok {
			return nil, false
		}
		sel := labels.Nothing()
		if rs.Spec.Selector != nil && (len(rs.Spec.Selector.MatchLabels) > 0 || len(rs.Spec.Selector.MatchExpressions) > 0) {
			if s, err := labels.FromLabelSelector(rs.Spec.Selector); err == nil {
				sel = s
			}
		}
		st := rs.Status
		return &view{obj: rs, meta: &rs.ObjectMeta, replicas: replicasOr1(rs.Spec.Replicas), minReady: rs.Spec.MinReadySeconds,
			selector: sel, template: &rs.Spec.Template,
			status: Status{Replicas: st.Replicas, FullyLabeledReplicas: st.FullyLabeledReplicas, ReadyReplicas: st.ReadyReplicas,
				AvailableReplicas: st.AvailableReplicas, ObservedGeneration: st.ObservedGeneration, Conditions: st.Conditions}}, true
	},
	update: func(ctx context.Context, c *client.Client, o api.Object, st Status) (api.Object, error) {
		rs := *o.(*api.ReplicaSet)
		rs.Status = api.ReplicaSetStatus{Replicas: st.Replicas, FullyLabeledReplicas: st.FullyLabeledReplicas, ReadyReplicas: st.ReadyReplicas,
			AvailableReplicas: st.AvailableReplicas, ObservedGeneration: st.ObservedGeneration, Conditions: st.Conditions}
		return c.ReplicaSets(rs.Namespace).UpdateStatus(ctx, &rs)
	},
}

// ReplicationControllerKind is core/v1 ReplicationController.
var ReplicationControllerKind = Kind{
	Info: mustInfo[*api.ReplicationController](),
	Name: "replicationcontroller",
	view: func(o api.Object) (*view, bool) {
		rc, ok := o.(*api.ReplicationController)
		if !ok {
			return nil, false
		}
		sel := labels.Nothing()
		if len(rc.Spec.Selector) > 0 {
			sel = labels.SelectorFromSet(rc.Spec.Selector)
		}
		tmpl := rc.Spec.Template
		if tmpl == nil {
			tmpl = &api.PodTemplateSpec{}
		}
		st := rc.Status
		conds := make([]api.ReplicaSetCondition, 0, len(st.Conditions))
		for _, c := range st.Conditions {
			conds = append(conds, api.ReplicaSetCondition(c))
		}
		if len(conds) == 0 {
			conds = nil
		}
		return &view{obj: rc, meta: &rc.ObjectMeta, replicas: replicasOr1(rc.Spec.Replicas), minReady: rc.Spec.MinReadySeconds,
			selector: sel, template: tmpl,
			status: Status{Replicas: st.Replicas, FullyLabeledReplicas: st.FullyLabeledReplicas, ReadyReplicas: st.ReadyReplicas,
				AvailableReplicas: st.AvailableReplicas, ObservedGeneration: st.ObservedGeneration, Conditions: conds}}, true
	},
	update: func(ctx context.Context, c *client.Client, o api.Object, st Status) (api.Object, error) {
		rc := *o.(*api.ReplicationController)
		var conds []api.ReplicationControllerCondition
		for _, c := range st.Conditions {
			conds = append(conds, api.ReplicationControllerCondition(c))
		}
		rc.Status = api.ReplicationControllerStatus{Replicas: st.Replicas, FullyLabeledReplicas: st.FullyLabeledReplicas, ReadyReplicas: st.ReadyReplicas,
			AvailableReplicas: st.AvailableReplicas, ObservedGeneration: st.ObservedGeneration, Conditions: conds}
		return client.Typed[*api.ReplicationController](c, rc.Namespace).UpdateStatus(ctx, &rc)
	},
}

func mustInfo[T api.Object]() *api.ResourceInfo {
	info, err := client.InfoFor[T]()
	if err != nil {
		panic(err)
	}
	return info
}
