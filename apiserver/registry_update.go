package apiserver

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"sync"

	"minik8s/apiserver/storage"
	"minik8s/pkg/api"
)

// updateFunc computes the new state of an object from its current state
// (decoded afresh from storage at rev, so it may be changed and returned).
// finish, if not nil, is called once the write is done or abandoned.
type updateFunc func(cur api.Object, rev int64) (obj api.Object, finish finishFunc, err error)

// guaranteedUpdate is Kubernetes' GuaranteedUpdate (k8s.io/apiserver
// storage/etcd3): read the object, compute its new state, and write it on
// the condition that nobody wrote in between; if somebody did, read and
// compute again, for as long as the request lives. A client's own
// precondition (a resourceVersion in the body) is tryUpdate's to check, so
// only a request that asked for one ever gets 409 Conflict. An update that
// encodes to the bytes already stored is not written: no new
// resourceVersion, no watch event, the stored object is the answer.
//
// Writers of one key through this apiserver take turns (keyLocks), so 20
// concurrent patchers do not spend their time re-reading after lost races;
// etcd's compare-and-swap still decides against every other writer.
func (s *Server) guaranteedUpdate(ctx context.Context, info *api.ResourceInfo, namespace, name string, tryUpdate updateFunc) (api.Object, error) {
	key := storageKey(info, namespace, name)
	unlock, err := s.keyLocks.lock(ctx, key)
	if err != nil {
		return nil, err
	}
	defer unlock()
	for {
		kv, err := s.store.Get(ctx, key)
		if err != nil {
			return nil, err
		}
		cur, err := decodeStored(info, kv.Value, kv.ModRevision)
		if err != nil {
			return nil, err
		}
		obj, finish, err := tryUpdate(cur, kv.ModRevision)
		if err != nil {
			return nil, err
		}
		if strategyFor(info).DeleteDuringUpdate(obj, cur) { // e.g. the last finalizer is gone (finalizers.go)
			runFinish(finish, false)
			out, err := s.removeObject(ctx, route{info: info, namespace: namespace, name: name}, obj, kv.ModRevision)
			if errors.Is(err, storage.ErrConflict) && ctx.Err() == nil {
				continue
			}
			return out, err
		}
		data, err := encodeStored(obj)
		if err != nil {
			runFinish(finish, false)
			return nil, err
		}
		if bytes.Equal(data, kv.Value) && !kv.Stale {
			runFinish(finish, false)
			obj.GetObjectMeta().ResourceVersion = strconv.FormatInt(kv.ModRevision, 10)
			return obj, nil
		}
		newRev, err := s.store.Update(ctx, key, data, kv.ModRevision)
		runFinish(finish, err == nil)
		if errors.Is(err, storage.ErrConflict) {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		obj.GetObjectMeta().ResourceVersion = strconv.FormatInt(newRev, 10)
		if !isDryRun(ctx) {
			strategyFor(info).AfterUpdate(ctx, s, obj)
		}
		return obj, nil
	}
}

func runFinish(finish finishFunc, written bool) {
	if finish != nil {
		finish(written)
	}
}

// preconditionRV checks a client's resourceVersion precondition (want 0:
// none) against the revision read.
func preconditionRV(rt route, want, rev int64) error {
	if want != 0 && want != rev {
		return errConflict(rt.info, rt.name, staleMessage)
	}
	return nil
}

// updateFrom is the generic update step: merge obj into the current
// object (prepareUpdate), validate, and run the strategy's BeginUpdate.
func (s *Server) updateFrom(ctx context.Context, rt route, obj, cur api.Object) (api.Object, finishFunc, error) {
	st := strategyFor(rt.info)
	merged, err := prepareUpdate(rt.info, rt.sub, obj, cur)
	if err != nil {
		return nil, nil, err
	}
	if errs := append(st.ValidateUpdate(merged, cur), validateFinalizersUpdate(merged, cur)...); len(errs) > 0 {
		return nil, nil, errInvalid(rt.info, rt.name, errs)
	}
	if err := admitNodeRestriction(ctx, rt.info, rt.sub, merged, cur); err != nil { // noderestriction.go
		return nil, nil, err
	}
	if err := s.admitPodSecurity(ctx, rt.info, rt.sub, merged, cur); err != nil { // admission_podsecurity.go
		return nil, nil, err
	}
	finish, err := st.BeginUpdate(ctx, s, merged, cur, rt.sub)
	if err != nil {
		return nil, nil, err
	}
	return merged, finish, nil
}

// keyLocks serialises the updates of each storage key within this process.
type keyLocks struct {
	mu    sync.Mutex
	locks map[string]*keyLock
}

type keyLock struct {
	ch   chan struct{} // holds one token while the key is locked
	refs int
}

// lock waits for key's turn (or for ctx to end) and returns the unlock.
func (k *keyLocks) lock(ctx context.Context, key string) (func(), error) {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[string]*keyLock{}
	}
	l := k.locks[key]
	if l == nil {
		l = &keyLock{ch: make(chan struct{}, 1)}
		k.locks[key] = l
	}
	l.refs++
	k.mu.Unlock()
	release := func() {
		k.mu.Lock()
		if l.refs--; l.refs == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
	select {
	case l.ch <- struct{}{}:
		return func() { <-l.ch; release() }, nil
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
}
