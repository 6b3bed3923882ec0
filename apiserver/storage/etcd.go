package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// Etcd implements Interface with an etcd v3 client.
type Etcd struct {
	cli *clientv3.Client
}

var _ Interface = (*Etcd)(nil)

// NewEtcd connects to the etcd cluster at endpoints (e.g.
// http://127.0.0.1:2379, unix:///var/lib/minik8s/etcd/etcd.sock).
func NewEtcd(endpoints []string) (*Etcd, error) {
	return NewEtcdTLS(endpoints, TLSFiles{})
}

// TLSFiles are the PEM files of a TLS connection to etcd
// (--etcd-cafile, --etcd-certfile, --etcd-keyfile); all empty: none.
type TLSFiles struct {
	CAFile, CertFile, KeyFile string
}

// NewEtcdTLS connects to the etcd cluster at endpoints, over TLS for
// https:// endpoints: the server is verified with files.CAFile (else the
// system roots) and the client presents files.CertFile/KeyFile if set.
func NewEtcdTLS(endpoints []string, files TLSFiles) (*Etcd, error) {
	cfg := clientv3.Config{
		Endpoints:   endpoints,
		DialTimeout: 5 * time.Second,
		Logger:      zap.NewNop(),
	}
	if files != (TLSFiles{}) {
		if (files.CertFile == "") != (files.KeyFile == "") {
			return nil, fmt.Errorf("etcd client TLS: --etcd-certfile and --etcd-keyfile go together")
		}
		info := transport.TLSInfo{CertFile: files.CertFile, KeyFile: files.KeyFile, TrustedCAFile: files.CAFile}
		tc, err := info.ClientConfig()
		if err != nil {
			return nil, fmt.Errorf("etcd client TLS: %w", err)
		}
		cfg.TLS = tc
	}
	cli, err := clientv3.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting to etcd %v: %w", endpoints, err)
	}
	return &Etcd{cli: cli}, nil
}

// Client exposes the underlying client (for admin helpers and tests).
func (e *Etcd) Client() *clientv3.Client { return e.cli }

// Create implements Interface.
func (e *Etcd) Create(ctx context.Context, key string, value []byte) (int64, error) {
	resp, err := e.cli.Txn(ctx).
		If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
		Then(clientv3.OpPut(key, string(value))).
		Commit()
	if err != nil {
		return 0, writeError("create", key, err)
	}
	if !resp.Succeeded {
		return 0, fmt.Errorf("create %s: %w", key, ErrExists)
	}
	return resp.Header.Revision, nil
}

// PutTTL stores value at key for ttl (rounded up to whole seconds, at
// least one): unless it is put again the key goes when its etcd lease
// expires. The apiservers keep their addresses so (master leases).
func (e *Etcd) PutTTL(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	secs := int64((ttl + time.Second - 1) / time.Second)
	lease, err := e.cli.Grant(ctx, max(secs, 1))
	if err != nil {
		return fmt.Errorf("etcd grant a %ds lease for %s: %w", secs, key, err)
	}
	if _, err := e.cli.Put(ctx, key, string(value), clientv3.WithLease(lease.ID)); err != nil {
		return writeError("put", key, err)
	}
	return nil
}

// writeError wraps the error of a put, as ErrTooLarge too if etcd (or the
// gRPC client or server, whose message limits sit a little above etcd's
// request limit) refused the request for its size.
func writeError(op, key string, err error) error {
	// gRPC's own refusals are ResourceExhausted errors that etcd's client
	// passes on as they are: "trying to send message larger than max"
	// (client) or "received message larger than max" (server).
	if errors.Is(err, rpctypes.ErrRequestTooLarge) || strings.Contains(err.Error(), "message larger than max") {
		return fmt.Errorf("etcd %s %s: %w: %w", op, key, ErrTooLarge, err)
	}
	return fmt.Errorf("etcd %s %s: %w", op, key, err)
}

// Get implements Interface.
func (e *Etcd) Get(ctx context.Context, key string) (KV, error) {
	resp, err := e.cli.Get(ctx, key)
	if err != nil {
		return KV{}, fmt.Errorf("etcd get %s: %w", key, err)
	}
	if len(resp.Kvs) == 0 {
		return KV{}, fmt.Errorf("get %s: %w", key, ErrNotFound)
	}
	kv := resp.Kvs[0]
	return KV{Key: string(kv.Key), Value: kv.Value, ModRevision: kv.ModRevision}, nil
}

// List implements Interface.
func (e *Etcd) List(ctx context.Context, prefix string) ([]KV, int64, error) {
	resp, err := e.cli.Get(ctx, prefix, clientv3.WithPrefix(), clientv3.WithSort(clientv3.SortByKey, clientv3.SortAscend))
	if err != nil {
		return nil, 0, fmt.Errorf("etcd list %s: %w", prefix, err)
	}
	out := make([]KV, 0, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		out = append(out, KV{Key: string(kv.Key), Value: kv.Value, ModRevision: kv.ModRevision})
	}
	return out, resp.Header.Revision, nil
}

// ListPage implements Interface.
func (e *Etcd) ListPage(ctx context.Context, prefix, start string, rev, limit int64) ([]KV, int64, int64, error) {
	if start == "" {
		start = prefix
	}
	opts := []clientv3.OpOption{clientv3.WithRange(clientv3.GetPrefixRangeEnd(prefix))}
	if limit > 0 {
		opts = append(opts, clientv3.WithLimit(limit))
	}
	if rev > 0 {
		opts = append(opts, clientv3.WithRev(rev))
	}
	resp, err := e.cli.Get(ctx, start, opts...)
	if errors.Is(err, rpctypes.ErrCompacted) {
		return nil, 0, 0, fmt.Errorf("etcd list %s at revision %d: %w", prefix, rev, ErrGone)
	}
	if err != nil {
		return nil, 0, 0, fmt.Errorf("etcd list %s: %w", prefix, err)
	}
	out := make([]KV, 0, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		out = append(out, KV{Key: string(kv.Key), Value: kv.Value, ModRevision: kv.ModRevision})
	}
	if rev == 0 {
		rev = resp.Header.Revision
	}
	return out, rev, resp.Count - int64(len(out)), nil
}

// Update implements Interface.
func (e *Etcd) Update(ctx context.Context, key string, value []byte, expectedRev int64) (int64, error) {
	cmp := clientv3.Compare(clientv3.CreateRevision(key), ">", 0)
	if expectedRev != 0 {
		cmp = clientv3.Compare(clientv3.ModRevision(key), "=", expectedRev)
	}
	resp, err := e.cli.Txn(ctx).If(cmp).
		Then(clientv3.OpPut(key, string(value))).
		Else(clientv3.OpGet(key)).
		Commit()
	if err != nil {
		return 0, writeError("update", key, err)
	}
	if !resp.Succeeded {
		if len(resp.Responses) == 0 || len(resp.Responses[0].GetResponseRange().Kvs) == 0 {
			return 0, fmt.Errorf("update %s: %w", key, ErrNotFound)
		}
		return 0, fmt.Errorf("update %s at revision %d: %w", key, expectedRev, ErrConflict)
	}
	return resp.Header.Revision, nil
}

// Delete implements Interface.
func (e *Etcd) Delete(ctx context.Context, key string, expectedRev int64) (KV, error) {
	cmp := clientv3.Compare(clientv3.CreateRevision(key), ">", 0)
	if expectedRev != 0 {
		cmp = clientv3.Compare(clientv3.ModRevision(key), "=", expectedRev)
	}
	resp, err := e.cli.Txn(ctx).If(cmp).
		Then(clientv3.OpDelete(key, clientv3.WithPrevKV())).
		Else(clientv3.OpGet(key)).
		Commit()
	if err != nil {
		return KV{}, fmt.Errorf("etcd delete %s: %w", key, err)
	}
	if !resp.Succeeded {
		if len(resp.Responses) == 0 || len(resp.Responses[0].GetResponseRange().Kvs) == 0 {
			return KV{}, fmt.Errorf("delete %s: %w", key, ErrNotFound)
		}
		return KV{}, fmt.Errorf("delete %s at revision %d: %w", key, expectedRev, ErrConflict)
	}
	dr := resp.Responses[0].GetResponseDeleteRange()
	if dr == nil || len(dr.PrevKvs) == 0 {
		return KV{}, fmt.Errorf("delete %s: %w", key, ErrNotFound)
	}
	kv := dr.PrevKvs[0]
	return KV{Key: string(kv.Key), Value: kv.Value, ModRevision: resp.Header.Revision}, nil
}

// Watch implements Interface.
func (e *Etcd) Watch(ctx context.Context, prefix string, fromRev int64) <-chan Event {
	out := make(chan Event, 100)
	opts := []clientv3.OpOption{clientv3.WithPrefix(), clientv3.WithPrevKV(), clientv3.WithProgressNotify()}
	if fromRev > 0 {
		// Start at fromRev itself, not fromRev+1, and skip its events: etcd
		// then answers "compacted" unless fromRev is still in the history.
		// Starting at fromRev+1 when that is the compaction revision would
		// deliver a delete whose previous value is already gone.
		opts = append(opts, clientv3.WithRev(fromRev))
	}
	wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	wch := e.cli.Watch(wctx, prefix, opts...)
	go func() {
		defer close(out)
		defer cancel()
		send := func(ev Event) bool {
			select {
			case out <- ev:
				return true
			case <-ctx.Done():
				return false
			}
		}
		for resp := range wch {
			if resp.CompactRevision != 0 || errors.Is(resp.Err(), rpctypes.ErrCompacted) {
				send(Event{Type: EventError, Err: fmt.Errorf("watch %s from revision %d (compacted at %d): %w", prefix, fromRev, resp.CompactRevision, ErrGone)})
				return
			}
			if err := resp.Err(); err != nil {
				send(Event{Type: EventError, Err: fmt.Errorf("etcd watch %s: %w", prefix, err)})
				return
			}
			if resp.IsProgressNotify() {
				if !send(Event{Type: EventProgress, Revision: resp.Header.Revision}) {
					return
				}
				continue
			}
			for _, ev := range resp.Events {
				if ev.Kv.ModRevision <= fromRev {
					continue // the client has seen fromRev
				}
				se := Event{Key: string(ev.Kv.Key), Revision: ev.Kv.ModRevision}
				if ev.PrevKv != nil {
					se.Prev = ev.PrevKv.Value
				}
				switch ev.Type {
				case clientv3.EventTypePut:
					se.Type, se.Value, se.IsCreate = EventPut, ev.Kv.Value, ev.IsCreate()
				case clientv3.EventTypeDelete:
					se.Type = EventDelete
				}
				if !send(se) {
					return
				}
			}
		}
		if ctx.Err() == nil {
			send(Event{Type: EventError, Err: fmt.Errorf("etcd watch %s: channel closed", prefix)})
		}
	}()
	return out
}

// RequestProgress implements Interface.
func (e *Etcd) RequestProgress(ctx context.Context) error {
	if err := e.cli.RequestProgress(clientv3.WithRequireLeader(ctx)); err != nil {
		return fmt.Errorf("etcd request progress: %w", err)
	}
	return nil
}

// Revision implements Interface.
func (e *Etcd) Revision(ctx context.Context) (int64, error) {
	resp, err := e.cli.Get(ctx, "/registry/health-revision", clientv3.WithCountOnly())
	if err != nil {
		return 0, fmt.Errorf("etcd revision: %w", err)
	}
	return resp.Header.Revision, nil
}

// Compact implements Interface.
func (e *Etcd) Compact(ctx context.Context, rev int64) error {
	if _, err := e.cli.Compact(ctx, rev, clientv3.WithCompactPhysical()); err != nil {
		if errors.Is(err, rpctypes.ErrCompacted) {
			return nil
		}
		return fmt.Errorf("etcd compact to %d: %w", rev, err)
	}
	return nil
}

// Healthy implements Interface.
func (e *Etcd) Healthy(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if _, err := e.cli.Get(ctx, "health"); err != nil {
		return fmt.Errorf("etcd health: %w", err)
	}
	return nil
}

// Close implements Interface.
func (e *Etcd) Close() error { return e.cli.Close() }
