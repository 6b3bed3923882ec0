// Package addons is the add-on manager of the controller-manager, after
// Kubernetes' addon-manager: it keeps the objects of the enabled add-ons
// (pkg/addons: dns, ingress) in the cluster. An object labelled
// addonmanager.kubernetes.io/mode=Reconcile is created when missing and
// has its manifest's fields put back when they are changed; one labelled
// EnsureExists is only created when missing. It watches the kinds of its
// objects through the shared informers, so repairs happen within a
// second, with a periodic look as a backstop.
//
// The decision (plan.go: create, restore or leave alone, and the patch
// that restores) is a pure function; manager.go applies it.
package addons
