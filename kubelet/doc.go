// Package kubelet is the node agent: it registers its Node and heartbeats,
// watches the pods bound to the node and reconciles each one against the
// container runtime (kubelet/runtime) in the plan-then-apply style of
// Kubernetes' kubelet (computePodActions decides, the worker acts,
// computePodStatus reports), deletes pods gracefully, adopts running pods
// after a restart, and serves container logs and exec over HTTP.
//
// Files: options.go (flags), command.go (cobra), kubelet.go (Run),
// node.go (registration, heartbeat), actions.go (the reconcile plan),
// status.go (pod status), containers.go (container configs: env, mounts,
// resources), volumes.go, backoff.go, worker.go (applying plans),
// housekeeping.go (runtime relist, orphan cleanup), server.go (logs/exec).
package kubelet
