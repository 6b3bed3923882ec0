// Package daemonset is the DaemonSet controller, after Kubernetes'
// pkg/controller/daemon: one pod per node that the daemon set's template
// fits (nodeSelector, required node affinity, taints and the tolerations
// every daemon pod gets), placed through a required node affinity on
// metadata.name so the scheduler binds it; ControllerRevisions record
// each template (controller-revision-hash), and a template change is
// rolled out by RollingUpdate (maxUnavailable or maxSurge) or waits for
// the pods to be deleted (OnDelete).
//
// Pure decisions live in predicates.go (should a node run a daemon pod),
// decide.go (what to create and delete per node, the rolling update, the
// status) and history.go (revisions); controller.go wires informers, the
// work queue and the apiserver writes.
package daemonset
