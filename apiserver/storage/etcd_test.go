package storage

import (
	"context"
	"errors"
	"testing"
	"time"
)

func startStore(t *testing.T) *Etcd {
	t.Helper()
	emb, err := StartEmbedded(EmbeddedConfig{DataDir: t.TempDir(), NoFsync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emb.Close)
	st, err := NewEtcd([]string{emb.ClientURL()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestEtcdStore(t *testing.T) {
	st := startStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	r1, err := st.Create(ctx, "/registry/pods/default/a", []byte("v1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Create(ctx, "/registry/pods/default/a", []byte("v1")); !errors.Is(err, ErrExists) {
		t.Fatalf("second create: got %v, want ErrExists", err)
	}
	kv, err := st.Get(ctx, "/registry/pods/default/a")
	if err != nil || string(kv.Value) != "v1" || kv.ModRevision != r1 {
		t.Fatalf("get: %+v %v (want rev %d)", kv, err, r1)
	}
	if _, err := st.Get(ctx, "/registry/pods/default/zz"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get missing: %v", err)
	}
	r2, err := st.Update(ctx, "/registry/pods/default/a", []byte("v2"), r1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Update(ctx, "/registry/pods/default/a", []byte("v3"), r1); !errors.Is(err, ErrConflict) {
		t.Fatalf("stale update: got %v, want ErrConflict", err)
	}
	if _, err := st.Update(ctx, "/registry/pods/default/nope", []byte("v3"), 0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("update missing: got %v, want ErrNotFound", err)
	}
	if _, err := st.Create(ctx, "/registry/pods/other/b", []byte("b")); err != nil {
		t.Fatal(err)
	}
	kvs, rev, err := st.List(ctx, "/registry/pods/")
	if err != nil || len(kvs) != 2 || rev <= r2 {
		t.Fatalf("list: %d items rev %d err %v", len(kvs), rev, err)
	}
	if _, err := st.Delete(ctx, "/registry/pods/default/a", r1); !errors.Is(err, ErrConflict) {
		t.Fatalf("stale delete: %v", err)
	}
	old, err := st.Delete(ctx, "/registry/pods/default/a", 0)
	if err != nil || string(old.Value) != "v2" {
		t.Fatalf("delete: %+v %v", old, err)
	}

	// Watch from r1 replays the update, the create of b and the delete.
	wctx, wcancel := context.WithCancel(ctx)
	defer wcancel()
	ch := st.Watch(wctx, "/registry/pods/", r1)
	var got []Event
	for len(got) < 3 {
		select {
		case ev := <-ch:
			if ev.Type == EventProgress {
				continue
			}
			got = append(got, ev)
		case <-ctx.Done():
			t.Fatalf("watch: only %d events", len(got))
		}
	}
	if got[0].Type != EventPut || got[0].IsCreate || string(got[0].Value) != "v2" || string(got[0].Prev) != "v1" {
		t.Errorf("event 0: %+v", got[0])
	}
	if got[1].Type != EventPut || !got[1].IsCreate || got[1].Key != "/registry/pods/other/b" {
		t.Errorf("event 1: %+v", got[1])
	}
	if got[2].Type != EventDelete || string(got[2].Prev) != "v2" {
		t.Errorf("event 2: %+v", got[2])
	}
	if err := st.RequestProgress(wctx); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-ch:
		if ev.Type != EventProgress || ev.Revision < got[2].Revision {
			t.Errorf("want progress at >= %d, got %+v", got[2].Revision, ev)
		}
	case <-ctx.Done():
		t.Fatal("no progress event")
	}
	wcancel()

	// After compaction, a watch from an old revision is Gone.
	cur, err := st.Revision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Compact(ctx, cur); err != nil {
		t.Fatal(err)
	}
	ch = st.Watch(ctx, "/registry/pods/", r1)
	select {
	case ev := <-ch:
		if ev.Type != EventError || !errors.Is(ev.Err, ErrGone) {
			t.Fatalf("want Gone, got %+v", ev)
		}
	case <-ctx.Done():
		t.Fatal("no Gone event")
	}
}

// A watch from the revision just before a compacted delete is Gone: etcd
// drops the tombstone at the compaction revision, so starting there would
// silently miss the delete (and an informer would keep the object).
func TestWatchFromJustBeforeCompactedDeleteIsGone(t *testing.T) {
	st := startStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	r1, err := st.Create(ctx, "/registry/pods/default/a", []byte("v1"))
	if err != nil {
		t.Fatal(err)
	}
	kv, err := st.Delete(ctx, "/registry/pods/default/a", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Compact(ctx, kv.ModRevision); err != nil {
		t.Fatal(err)
	}
	ch := st.Watch(ctx, "/registry/pods/", r1)
	select {
	case ev := <-ch:
		if ev.Type != EventError || !errors.Is(ev.Err, ErrGone) {
			t.Fatalf("watch from %d after compaction at the delete (%d): want Gone, got %+v", r1, kv.ModRevision, ev)
		}
	case <-time.After(3 * time.Second):
		t.Fatalf("watch from %d after compaction at the delete (%d): no event (the delete is lost)", r1, kv.ModRevision)
	}

	// From the delete's own revision nothing was missed: the watch is open
	// and sees the next change.
	ch = st.Watch(ctx, "/registry/pods/", kv.ModRevision)
	if _, err := st.Create(ctx, "/registry/pods/default/b", []byte("v1")); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-ch:
		if ev.Type != EventPut || ev.Key != "/registry/pods/default/b" {
			t.Fatalf("want the create of b, got %+v", ev)
		}
	case <-ctx.Done():
		t.Fatal("no event after the compaction revision")
	}
}
