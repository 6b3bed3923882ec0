package storage

import (
	"context"
	"errors"
)

// Typed errors returned by every Interface implementation. Callers test
// them with errors.Is.
var (
	ErrNotFound = errors.New("key not found")
	ErrExists   = errors.New("key already exists")
	ErrConflict = errors.New("revision mismatch")
	ErrGone     = errors.New("revision has been compacted")
	// ErrTooLarge: the write is over the store's request size limit
	// (etcd's --max-request-bytes, 1.5 MiB by default).
	ErrTooLarge = errors.New("value too large for the store")
)

// KV is one stored value and the revision it was last modified at.
type KV struct {
	Key         string
	Value       []byte
	ModRevision int64
	// Stale (Get only): the value is stored otherwise than a write would
	// store it now (an older encryption key or provider), so an update
	// must rewrite it even when it is unchanged.
	Stale bool
}

// EventType says what a watch event is.
type EventType int

// Watch event types.
const (
	EventPut      EventType = iota // create or update; IsCreate tells which
	EventDelete                    // Prev holds the deleted value
	EventProgress                  // nothing changed up to Revision (bookmark)
	EventError                     // Err is set; the channel closes next
)

// Event is one change seen by a watch.
type Event struct {
	Type     EventType
	Key      string
	Value    []byte // new value (EventPut)
	Prev     []byte // previous value, nil on create
	IsCreate bool
	Revision int64 // mod revision of the change, or the progress revision
	Err      error // EventError only; wraps ErrGone for a compacted revision
}

// Interface is what the apiserver needs from its store.
type Interface interface {
	// Create stores value at key if the key does not exist (else ErrExists)
	// and returns the new revision.
	Create(ctx context.Context, key string, value []byte) (int64, error)
	// Get returns the value at key or ErrNotFound.
	Get(ctx context.Context, key string) (KV, error)
	// List returns every key under prefix, sorted by key, and the store
	// revision the read was made at.
	List(ctx context.Context, prefix string) ([]KV, int64, error)
	// ListPage returns at most limit keys (0: no limit) under prefix, from
	// key start on (empty: the prefix), sorted by key, as of revision rev
	// (0: now). It also returns the revision read and how many keys under
	// prefix come after the page. A compacted rev is ErrGone.
	ListPage(ctx context.Context, prefix, start string, rev, limit int64) (kvs []KV, readRev, remaining int64, err error)
	// Update replaces the value at key. If expectedRev is not zero the key's
	// mod revision must equal it (else ErrConflict). A missing key is
	// ErrNotFound. It returns the new revision.
	Update(ctx context.Context, key string, value []byte, expectedRev int64) (int64, error)
	// Delete removes key and returns what was there. If expectedRev is not
	// zero the key's mod revision must equal it (else ErrConflict).
	Delete(ctx context.Context, key string, expectedRev int64) (KV, error)
	// Watch streams the changes under prefix made after revision fromRev
	// (fromRev 0: from now on). A compacted fromRev gives an EventError
	// wrapping ErrGone. The channel closes when ctx ends or after an error.
	Watch(ctx context.Context, prefix string, fromRev int64) <-chan Event
	// RequestProgress asks every open watch to report an EventProgress with
	// the revision up to which it has delivered all changes.
	RequestProgress(ctx context.Context) error
	// Revision returns the store's current revision.
	Revision(ctx context.Context) (int64, error)
	// Compact discards the history before rev.
	Compact(ctx context.Context, rev int64) error
	// Healthy checks that the store answers.
	Healthy(ctx context.Context) error
	// Close releases the client.
	Close() error
}
