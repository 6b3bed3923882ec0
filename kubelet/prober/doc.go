// Package prober runs a pod's liveness, readiness and startup probes, as
// Kubernetes' pkg/kubelet/prober does: one worker per container and probe
// type probes every periodSeconds (after initialDelaySeconds, startup
// probes gating the others), counts consecutive results against the
// success and failure thresholds, and publishes the result per container
// ID in a results Manager the kubelet reads when it computes a pod's status
// (ready, started) and its actions (restart on liveness failure).
//
// How a probe is sent is behind the Runner seam: the real one sends HTTP
// GETs and TCP connects to the pod IP (or probe host) from the kubelet's
// network namespace, as Kubernetes does, and runs exec probes through the
// container runtime; tests use loopback servers or fakes.
package prober
