// Package namespace is the namespace controller of the controller-manager,
// as Kubernetes' pkg/controller/namespace: for every namespace being
// deleted (deletionTimestamp set, "kubernetes" in spec.finalizers) it
// deletes every namespaced resource in it through the API (pods gracefully,
// so their kubelets stop them), reports progress in the namespace's
// conditions, requeues while content remains, and when nothing is left
// removes its finalizer with PUT namespaces/{name}/finalize, after which
// the apiserver removes the namespace.
package namespace
