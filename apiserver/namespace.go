package apiserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"minik8s/pkg/api"
	"minik8s/pkg/api/validation"
)

// Namespace lifecycle, as Kubernetes' namespace registry: a namespace is
// created with the "kubernetes" finalizer in spec.finalizers; DELETE marks
// it Terminating (deletionTimestamp, status.phase) and the namespace
// controller (controller/namespace) deletes its contents through the API,
// then removes its finalizer with PUT namespaces/{name}/finalize. The
// namespace object goes away once it is terminating and both
// spec.finalizers and metadata.finalizers are empty.

// systemNamespaces always exist; the first three may not be deleted.
var systemNamespaces = []string{"default", "kube-system", "kube-public", "kube-node-lease"}

func immortalNamespace(name string) bool {
	return name == "default" || name == "kube-system" || name == "kube-public"
}

// ensureSystemNamespaces creates the system namespaces that are missing
// and gives those stored before today's defaults (the
// kubernetes.io/metadata.name label) what they lack.
func (s *Server) ensureSystemNamespaces(ctx context.Context) error {
	info := namespaceInfo()
	for _, name := range systemNamespaces {
		ns := api.NewFor(info)
		ns.GetObjectMeta().Name = name
		_, err := s.createObject(ctx, info, ns)
		var se *statusError
		if errors.As(err, &se) && se.status.Reason == reasonAlreadyExists {
			err = s.redefault(ctx, info, name)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// redefault rewrites a stored object with the defaults it lacks (none
// lacking: nothing is written).
func (s *Server) redefault(ctx context.Context, info *api.ResourceInfo, name string) error {
	_, err := s.guaranteedUpdate(ctx, info, "", name, func(cur api.Object, _ int64) (api.Object, finishFunc, error) {
		validation.Default(cur)
		return cur, nil, nil
	})
	return err
}

// prepareNamespaceCreate sets the status of a new namespace and makes sure
// spec.finalizers holds "kubernetes" (Kubernetes' namespaceStrategy).
func prepareNamespaceCreate(ns *api.Namespace) {
	ns.Status = api.NamespaceStatus{Phase: api.NamespaceActive}
	if !slices.Contains(ns.Spec.Finalizers, api.FinalizerKubernetes) {
		ns.Spec.Finalizers = append(ns.Spec.Finalizers, api.FinalizerKubernetes)
	}
}

// prepareNamespaceUpdate keeps spec.finalizers on updates of the namespace
// and of its status: only the finalize subresource changes them.
func prepareNamespaceUpdate(ns, old *api.Namespace) {
	ns.Spec.Finalizers = old.Spec.Finalizers
}

// namespaceFinalized says whether a namespace may be removed: it is
// terminating and no finalizer of either kind is left.
func namespaceFinalized(ns *api.Namespace) bool {
	return ns.DeletionTimestamp != nil && len(ns.Spec.Finalizers) == 0 && len(ns.Finalizers) == 0
}

// markNamespaceTerminating is the change DELETE makes; changed is false
// when the namespace was already terminating.
func markNamespaceTerminating(ns *api.Namespace, now api.Time) (changed bool) {
	if ns.DeletionTimestamp != nil && ns.Status.Phase == api.NamespaceTerminating {
		return false
	}
	if ns.DeletionTimestamp == nil {
		ns.DeletionTimestamp = &now
	}
	ns.Status.Phase = api.NamespaceTerminating
	return true
}

// beginNamespaceDeletion marks a namespace Terminating; the namespace
// controller empties it. A namespace without finalizers goes at once
// (guaranteedUpdate removes it: namespaceStrategy.DeleteDuringUpdate).
func (s *Server) beginNamespaceDeletion(ctx context.Context, name string) (api.Object, error) {
	info := namespaceInfo()
	if immortalNamespace(name) {
		return nil, errForbidden(info, name, "this namespace may not be deleted")
	}
	rt := route{info: info, name: name}
	out, err := s.guaranteedUpdate(ctx, info, "", name, func(cur api.Object, _ int64) (api.Object, finishFunc, error) {
		markNamespaceTerminating(cur.(*api.Namespace), api.Now()) // unchanged: not written
		return cur, nil, nil
	})
	if err != nil {
		return nil, mapStoreError(err, rt)
	}
	if !isDryRun(ctx) {
		s.namespaces.set(name, api.NamespaceTerminating)
	}
	return out, nil
}

// serveNamespaceFinalize handles PUT namespaces/{name}/finalize: it sets
// spec.finalizers from the body (nothing else changes); the namespace is
// removed instead once it is terminating and has no finalizer left.
func (s *Server) serveNamespaceFinalize(w http.ResponseWriter, r *http.Request, rt route) error {
	obj, warnings, err := s.decodeBody(w, r, rt, "UpdateOptions")
	if err != nil {
		return err
	}
	addWarnings(w, warnings)
	in := obj.(*api.Namespace)
	if in.Name != rt.name {
		return errBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", in.Name, rt.name))
	}
	want, err := parseRV(in.ResourceVersion)
	if err != nil {
		return err
	}
	out, err := s.guaranteedUpdate(r.Context(), rt.info, "", rt.name, func(cur api.Object, rev int64) (api.Object, finishFunc, error) {
		if err := preconditionRV(rt, want, rev); err != nil {
			return nil, nil, err
		}
		cur.(*api.Namespace).Spec.Finalizers = in.Spec.Finalizers
		return cur, nil, nil
	})
	if err != nil {
		return mapStoreError(err, rt)
	}
	return s.writeObject(w, r, rt, http.StatusOK, out)
}
