// Package kubelet is the node agent: it registers its Node and heartbeats,
// watches the pods bound to the node and reconciles each one against the
// container runtime (kubelet/runtime) in the plan-then-apply style of
// Kubernetes' kubelet (computePodActions decides, the worker acts,
// computePodStatus reports), deletes pods gracefully, adopts running pods
// after a restart, and serves container logs and exec over HTTP.
//
// Runtime state comes from one relist (Kubernetes' PLEG): it lists the
// runtime, reaps each newly exited container once (ReapContainer: exit
// code, OOM kill), fills the runtime cache and queues the pods that
// changed. Pod syncs read the cache, waiting for a relist newer than their
// own last change; listing the runtime has no side effects. A container
// whose spec hash (label io.kubernetes.container.hash) no longer matches is
// restarted; a Never pod whose sandbox died gets no new one; a shorter
// grace period on a second DELETE cuts a kill short. Events go through an
// EventRecorder (Recorder field; none: no events).
//
// Probes run in kubelet/prober (one worker per container and probe type);
// the plan reads their published results (a failed liveness or startup
// probe kills and restarts the container) and so does the status (started,
// ready). Init containers run one at a time, in order, in each new sandbox
// before the app containers (initcontainers.go).
//
// Files: options.go (flags), command.go (cobra), kubelet.go (Run),
// node.go (registration, heartbeat), actions.go (the reconcile plan),
// status.go (pod status), containers.go (container configs: env, mounts,
// resources), hash.go (container spec hash), volumes.go, backoff.go,
// worker.go (applying plans), images.go (pulls and their events),
// termination.go (kills with a shortenable grace), runtimecache.go,
// housekeeping.go (runtime relist and reaping, orphan cleanup), events.go
// (reasons, recorder), server.go (logs/exec), probes.go (the prober's
// wiring and results), initcontainers.go (init order and status),
// summary.go (resource usage from kubelet/stats, served at /stats/summary).
package kubelet
