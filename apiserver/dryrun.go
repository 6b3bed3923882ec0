package apiserver

import (
	"context"
	"fmt"
	"net/http"

	"minik8s/apiserver/storage"
	"minik8s/pkg/api"
)

// Dry run (`?dryRun=All`, what `kubectl --dry-run=server` sends): the
// request goes through decoding, defaulting, validation, preconditions and
// allocation checks like any other, but nothing is written. The store is
// wrapped once; a request marks its context, and the wrapper turns writes
// into the reads that check their preconditions.

type dryRunKey struct{}

// withDryRun reads the dryRun query parameter: "All" marks the context,
// anything else but empty is a 400 as in Kubernetes.
func withDryRun(r *http.Request) (*http.Request, error) {
	vals := r.URL.Query()["dryRun"]
	if len(vals) == 0 {
		return r, nil
	}
	for _, v := range vals {
		if v != "All" {
			return nil, errBadRequest(fmt.Sprintf("Invalid dryRun value %q: supported values: \"All\"", v))
		}
	}
	return r.WithContext(context.WithValue(r.Context(), dryRunKey{}, true)), nil
}

// deleteDryRun marks ctx when the DeleteOptions body asks for a dry run
// (the real kubectl sends `{"dryRun":["All"]}` there, not in the query).
func deleteDryRun(ctx context.Context, opts *api.DeleteOptions) (context.Context, error) {
	if len(opts.DryRun) == 0 {
		return ctx, nil
	}
	for _, v := range opts.DryRun {
		if v != "All" {
			return nil, errBadRequest(fmt.Sprintf("Invalid dryRun value %q: supported values: \"All\"", v))
		}
	}
	return context.WithValue(ctx, dryRunKey{}, true), nil
}

func isDryRun(ctx context.Context) bool {
	v, _ := ctx.Value(dryRunKey{}).(bool)
	return v
}

// dryRunStore skips the writes of dry-run requests.
type dryRunStore struct {
	storage.Interface
}

var _ storage.Interface = dryRunStore{}

func (d dryRunStore) Create(ctx context.Context, key string, value []byte) (int64, error) {
	if !isDryRun(ctx) {
		return d.Interface.Create(ctx, key, value)
	}
	if _, err := d.Interface.Get(ctx, key); err == nil {
		return 0, fmt.Errorf("create %s: %w", key, storage.ErrExists)
	}
	return d.Interface.Revision(ctx)
}

func (d dryRunStore) Update(ctx context.Context, key string, value []byte, expectedRev int64) (int64, error) {
	if !isDryRun(ctx) {
		return d.Interface.Update(ctx, key, value, expectedRev)
	}
	kv, err := d.Interface.Get(ctx, key)
	if err != nil {
		return 0, err
	}
	if expectedRev != 0 && kv.ModRevision != expectedRev {
		return 0, fmt.Errorf("update %s: %w", key, storage.ErrConflict)
	}
	return kv.ModRevision, nil
}

func (d dryRunStore) Delete(ctx context.Context, key string, expectedRev int64) (storage.KV, error) {
	if !isDryRun(ctx) {
		return d.Interface.Delete(ctx, key, expectedRev)
	}
	kv, err := d.Interface.Get(ctx, key)
	if err != nil {
		return storage.KV{}, err
	}
	if expectedRev != 0 && kv.ModRevision != expectedRev {
		return storage.KV{}, fmt.Errorf("delete %s: %w", key, storage.ErrConflict)
	}
	return kv, nil
}
