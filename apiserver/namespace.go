package apiserver

import (
	"context"
	"errors"
	"log"
	"strconv"
	"time"

	"minik8s/apiserver/storage"
	"minik8s/pkg/api"
	"minik8s/pkg/fields"
	"minik8s/pkg/labels"
)

// systemNamespaces always exist; the first three may not be deleted.
var systemNamespaces = []string{"default", "kube-system", "kube-public", "kube-node-lease"}

func immortalNamespace(name string) bool {
	return name == "default" || name == "kube-system" || name == "kube-public"
}

// ensureSystemNamespaces creates the system namespaces that are missing.
func (s *Server) ensureSystemNamespaces(ctx context.Context) error {
	info := namespaceInfo()
	for _, name := range systemNamespaces {
		ns := api.NewFor(info)
		ns.GetObjectMeta().Name = name
		_, err := s.createObject(ctx, info, ns)
		var se *statusError
		if errors.As(err, &se) && se.status.Reason == reasonAlreadyExists {
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// beginNamespaceDeletion marks a namespace Terminating and queues the
// deletion of its contents; the namespace disappears when it is empty.
func (s *Server) beginNamespaceDeletion(ctx context.Context, name string) (api.Object, error) {
	info := namespaceInfo()
	if immortalNamespace(name) {
		return nil, errForbidden(info, name, "this namespace may not be deleted")
	}
	rt := route{info: info, name: name}
	for attempt := 0; attempt < 10; attempt++ {
		obj, rev, err := s.getObject(ctx, info, "", name)
		if err != nil {
			return nil, mapStoreError(err, rt)
		}
		ns := obj.(*api.Namespace)
		if ns.Status.Phase != api.NamespaceTerminating {
			now := api.Now()
			ns.DeletionTimestamp = &now
			ns.Status.Phase = api.NamespaceTerminating
			b, err := encodeStored(ns)
			if err != nil {
				return nil, err
			}
			newRev, err := s.store.Update(ctx, storageKey(info, "", name), b, rev)
			if errors.Is(err, storage.ErrConflict) {
				continue
			}
			if err != nil {
				return nil, mapStoreError(err, rt)
			}
			ns.ResourceVersion = strconv.FormatInt(newRev, 10)
		}
		if isDryRun(ctx) {
			return ns, nil
		}
		s.namespaces.set(name, api.NamespaceTerminating)
		select {
		case s.nsQueue <- name:
		default: // the queue is full; requeueTerminatingNamespaces catches up
		}
		return ns, nil
	}
	return nil, errConflict(info, name, staleMessage)
}

// requeueTerminatingNamespaces queues every Terminating namespace (after a
// restart, or when the queue overflowed).
func (s *Server) requeueTerminatingNamespaces(ctx context.Context) {
	objs, _, err := s.listObjects(ctx, namespaceInfo(), "", selectors{label: labels.Everything(), field: fields.Everything()})
	if err != nil {
		log.Printf("apiserver: listing namespaces: %v", err)
		return
	}
	for _, o := range objs {
		if o.(*api.Namespace).Status.Phase == api.NamespaceTerminating {
			select {
			case s.nsQueue <- o.GetObjectMeta().Name:
			default:
			}
		}
	}
}

// namespaceFinalizer deletes the contents of terminating namespaces and
// then the namespaces themselves.
func (s *Server) namespaceFinalizer(ctx context.Context) {
	resync := time.NewTicker(30 * time.Second)
	defer resync.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-resync.C:
			s.requeueTerminatingNamespaces(ctx)
		case name := <-s.nsQueue:
			if err := s.finalizeNamespace(ctx, name); err != nil && ctx.Err() == nil {
				log.Printf("apiserver: deleting namespace %s: %v", name, err)
			}
		}
	}
}

// finalizeNamespace empties a terminating namespace and removes it.
func (s *Server) finalizeNamespace(ctx context.Context, name string) error {
	info := namespaceInfo()
	obj, _, err := s.getObject(ctx, info, "", name)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if obj.(*api.Namespace).Status.Phase != api.NamespaceTerminating {
		return nil
	}
	for pass := 0; pass < 3; pass++ {
		left := 0
		for _, r := range api.Resources {
			if !r.Namespaced {
				continue
			}
			kvs, _, err := s.store.List(ctx, storagePrefix(r, name))
			if err != nil {
				return err
			}
			for _, kv := range kvs {
				left++
				if _, err := s.store.Delete(ctx, kv.Key, 0); err != nil && !errors.Is(err, storage.ErrNotFound) {
					return err
				}
			}
		}
		if left == 0 {
			break
		}
	}
	if _, err := s.store.Delete(ctx, storageKey(info, "", name), 0); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	return nil
}
