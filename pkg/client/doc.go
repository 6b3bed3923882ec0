// Package client owns talking to the minik8s apiserver over its
// Kubernetes-compatible REST API: finding the cluster (Config, standard
// kubeconfig files and their precedence), a typed REST client over raw
// resources (Client), typed per-kind helpers (Resource[T]), watch streams
// (Watcher) and the errors the server returns (StatusError).
//
// The informer (list-then-watch with a local cache) lives in
// pkg/client/cache and the controller work queue in pkg/client/workqueue.
package client
