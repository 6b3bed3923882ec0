// Package storage owns the apiserver's persistence: a small key-value
// Interface over etcd (create-if-absent, get, list with the read revision,
// compare-and-swap update and delete, watch from a revision with a typed
// Gone error once that revision is compacted), its implementation on
// go.etcd.io/etcd/client/v3, and starting an embedded etcd server.
//
// Keys look like Kubernetes': /registry/<group-resource>/<namespace>/<name>,
// and revisions are etcd revisions (an object's resourceVersion is its
// mod_revision).
package storage
