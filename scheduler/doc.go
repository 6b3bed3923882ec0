// Package scheduler is minik8s' kube-scheduler: it watches pods that have
// no node, picks a node for each with a framework.Policy over a cache of
// nodes and the pods bound (or assumed bound) to them, binds it through
// pods/binding, and records Scheduled / FailedScheduling events. Pods that
// fit nowhere wait until a node or a pod changes. With leader election
// (a Lease in kube-system) several schedulers can run and only the leader
// binds.
package scheduler
