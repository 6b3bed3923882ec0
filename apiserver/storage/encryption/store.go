package encryption

import (
	"context"
	"fmt"
	"strings"

	"minik8s/apiserver/storage"
)

// Store encrypts the values of the configured resources on their way into
// the wrapped store and decrypts every value read back (get, list, the
// previous value of a delete, watch events).
type Store struct {
	storage.Interface
	cfg *Config
}

var _ storage.Interface = (*Store)(nil)

// Wrap returns st behind cfg's transformers (st itself when cfg is nil).
func Wrap(st storage.Interface, cfg *Config) storage.Interface {
	if cfg == nil {
		return st
	}
	return &Store{Interface: st, cfg: cfg}
}

// Raw returns the store under any encryption wrapper: values as stored
// (tests and admin helpers).
func Raw(st storage.Interface) storage.Interface {
	if s, ok := st.(*Store); ok {
		return s.Interface
	}
	return st
}

// resourceOf is the group-resource of a key /registry/RESOURCE[.GROUP]/...
func resourceOf(key string) (group, resource string, ok bool) {
	rest, found := strings.CutPrefix(key, "/registry/")
	if !found {
		return "", "", false
	}
	gr, _, found := strings.Cut(rest, "/")
	if !found {
		return "", "", false
	}
	resource, group, _ = strings.Cut(gr, ".")
	return group, resource, true
}

func (s *Store) transformer(key string) Transformer {
	g, r, ok := resourceOf(key)
	if !ok {
		return nil
	}
	return s.cfg.For(g, r)
}

func (s *Store) encrypt(key string, value []byte) ([]byte, error) {
	t := s.transformer(key)
	if t == nil {
		return value, nil
	}
	out, err := t.ToStorage(value, []byte(key))
	if err != nil {
		return nil, fmt.Errorf("unable to transform key %q: %w", key, err)
	}
	return out, nil
}

func (s *Store) decrypt(key string, value []byte) ([]byte, error) {
	out, _, err := s.decryptStale(key, value)
	return out, err
}

// decryptStale also says whether the value is stored otherwise than a
// write would store it now.
func (s *Store) decryptStale(key string, value []byte) ([]byte, bool, error) {
	t := s.transformer(key)
	if t == nil || value == nil {
		if t == nil && hasEncPrefix(value) {
			// Encrypted, but the resource is no longer configured.
			return nil, false, fmt.Errorf("unable to transform key %q: no matching prefix found (the value is encrypted as %q and the resource is not in the encryption configuration)", key, storedPrefix(value))
		}
		return value, false, nil
	}
	out, stale, err := t.FromStorage(value, []byte(key))
	if err != nil {
		return nil, false, fmt.Errorf("unable to transform key %q: %w", key, err)
	}
	return out, stale, nil
}

func hasEncPrefix(v []byte) bool {
	return strings.HasPrefix(string(v[:min(len(v), len(encPrefix))]), encPrefix)
}

func (s *Store) decryptAll(kvs []storage.KV) error {
	for i := range kvs {
		v, err := s.decrypt(kvs[i].Key, kvs[i].Value)
		if err != nil {
			return err
		}
		kvs[i].Value = v
	}
	return nil
}

// Create implements storage.Interface.
func (s *Store) Create(ctx context.Context, key string, value []byte) (int64, error) {
	v, err := s.encrypt(key, value)
	if err != nil {
		return 0, err
	}
	return s.Interface.Create(ctx, key, v)
}

// Update implements storage.Interface.
func (s *Store) Update(ctx context.Context, key string, value []byte, expectedRev int64) (int64, error) {
	v, err := s.encrypt(key, value)
	if err != nil {
		return 0, err
	}
	return s.Interface.Update(ctx, key, v, expectedRev)
}

// Get implements storage.Interface.
func (s *Store) Get(ctx context.Context, key string) (storage.KV, error) {
	kv, err := s.Interface.Get(ctx, key)
	if err != nil {
		return kv, err
	}
	kv.Value, kv.Stale, err = s.decryptStale(key, kv.Value)
	return kv, err
}

// List implements storage.Interface.
func (s *Store) List(ctx context.Context, prefix string) ([]storage.KV, int64, error) {
	kvs, rev, err := s.Interface.List(ctx, prefix)
	if err != nil {
		return nil, 0, err
	}
	return kvs, rev, s.decryptAll(kvs)
}

// ListPage implements storage.Interface.
func (s *Store) ListPage(ctx context.Context, prefix, start string, rev, limit int64) ([]storage.KV, int64, int64, error) {
	kvs, readRev, remaining, err := s.Interface.ListPage(ctx, prefix, start, rev, limit)
	if err != nil {
		return nil, 0, 0, err
	}
	return kvs, readRev, remaining, s.decryptAll(kvs)
}

// Delete implements storage.Interface.
func (s *Store) Delete(ctx context.Context, key string, expectedRev int64) (storage.KV, error) {
	kv, err := s.Interface.Delete(ctx, key, expectedRev)
	if err != nil {
		return kv, err
	}
	kv.Value, err = s.decrypt(key, kv.Value)
	return kv, err
}

// Watch implements storage.Interface: events carry decrypted values; a
// value that cannot be decrypted ends the watch with an EventError.
func (s *Store) Watch(ctx context.Context, prefix string, fromRev int64) <-chan storage.Event {
	in := s.Interface.Watch(ctx, prefix, fromRev)
	out := make(chan storage.Event, cap(in))
	go func() {
		defer close(out)
		for ev := range in {
			var err error
			if ev.Value, err = s.decrypt(ev.Key, ev.Value); err == nil {
				ev.Prev, err = s.decrypt(ev.Key, ev.Prev)
			}
			if err != nil {
				ev = storage.Event{Type: storage.EventError, Err: err}
			}
			select {
			case out <- ev:
			case <-ctx.Done():
				return
			}
			if ev.Type == storage.EventError {
				return
			}
		}
	}()
	return out
}
