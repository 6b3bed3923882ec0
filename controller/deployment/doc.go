// Package deployment is the Deployment controller: it rolls a Deployment's
// pod template out through ReplicaSets it creates, scales and deletes through
// the apiserver (RollingUpdate within maxSurge/maxUnavailable, or Recreate),
// names them <deployment>-<pod-template-hash>, numbers them with the
// deployment.kubernetes.io/revision annotation, keeps revisionHistoryLimit
// old ones, and reports the Progressing and Available conditions, as
// Kubernetes' pkg/controller/deployment does.
//
// The decisions are pure functions (util.go, rolling.go, scale.go,
// progress.go), table-tested; controller.go and sync.go apply them.
package deployment
