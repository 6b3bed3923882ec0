package storage

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestEtcdListPage(t *testing.T) {
	st := startStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for i := 0; i < 5; i++ {
		if _, err := st.Create(ctx, fmt.Sprintf("/registry/pods/ns/p%d", i), []byte("v")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Create(ctx, "/registry/podsx/other", []byte("v")); err != nil {
		t.Fatal(err)
	}
	kvs, rev, remaining, err := st.ListPage(ctx, "/registry/pods/", "", 0, 2)
	if err != nil || len(kvs) != 2 || kvs[0].Key != "/registry/pods/ns/p0" || remaining != 3 {
		t.Fatalf("first page: %v %v remaining=%d", kvs, err, remaining)
	}
	// Writes after the first page do not show in the next one.
	if _, err := st.Create(ctx, "/registry/pods/ns/p9", []byte("v")); err != nil {
		t.Fatal(err)
	}
	kvs, rev2, remaining, err := st.ListPage(ctx, "/registry/pods/", kvs[1].Key+"\x00", rev, 0)
	if err != nil || len(kvs) != 3 || kvs[0].Key != "/registry/pods/ns/p2" || remaining != 0 || rev2 != rev {
		t.Fatalf("rest at %d: %v %v remaining=%d rev=%d", rev, kvs, err, remaining, rev2)
	}
	cur, _ := st.Revision(ctx)
	if err := st.Compact(ctx, cur); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := st.ListPage(ctx, "/registry/pods/", "", rev, 2); !errors.Is(err, ErrGone) {
		t.Fatalf("compacted revision: %v, want ErrGone", err)
	}
}
