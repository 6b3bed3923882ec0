package apiserver

import (
	"context"
	"sync"
	"time"
)

// Defaults of the watch limits (Options).
const (
	defaultWatchBufferEvents = 1000
	defaultWatchBufferBytes  = 4 << 20
	defaultWatchBlockTimeout = time.Second
	defaultWatchWriteTimeout = 10 * time.Second
)

// watchQueue holds a watch's encoded events between the goroutine that
// reads the storage watch and the handler that writes them to the client.
// It is bounded in lines and bytes, as Kubernetes' cacheWatcher bounds its
// input channel: a client that stops reading fills it, and the watch is
// then closed (cleanly: the client re-watches from the last
// resourceVersion it saw) instead of buffering without bound.
type watchQueue struct {
	mu       sync.Mutex
	lines    [][]byte
	bytes    int
	maxLines int
	maxBytes int
	closed   bool          // the producer ended: nothing more will come
	wake     chan struct{} // cap 1: a line was added, or the queue closed
	space    chan struct{} // cap 1: a line was taken
}

func newWatchQueue(maxLines, maxBytes int) *watchQueue {
	return &watchQueue{maxLines: maxLines, maxBytes: maxBytes, wake: make(chan struct{}, 1), space: make(chan struct{}, 1)}
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// push adds line unless the queue is full (a limit <= 0 is no limit). An
// empty queue always takes a line, so an event larger than maxBytes is
// still delivered, alone.
func (q *watchQueue) push(line []byte) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return false
	}
	if n := len(q.lines); n > 0 &&
		((q.maxLines > 0 && n >= q.maxLines) || (q.maxBytes > 0 && q.bytes+len(line) > q.maxBytes)) {
		return false
	}
	q.lines = append(q.lines, line)
	q.bytes += len(line)
	signal(q.wake)
	return true
}

// pushWait is push that waits up to budget for the writer to make room.
// false: the client fell behind (or ctx ended).
func (q *watchQueue) pushWait(ctx context.Context, line []byte, budget time.Duration) bool {
	if q.push(line) {
		return true
	}
	t := time.NewTimer(budget)
	defer t.Stop()
	for {
		select {
		case <-q.space:
			if q.push(line) {
				return true
			}
		case <-t.C:
			return q.push(line)
		case <-ctx.Done():
			return false
		}
	}
}

// close says no more lines will come; the writer drains what is queued.
func (q *watchQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	signal(q.wake)
}

// pop returns the next line and whether more are queued behind it,
// waiting for one; ok is false once the queue is closed and drained, or
// ctx ended.
func (q *watchQueue) pop(ctx context.Context) (line []byte, more, ok bool) {
	for {
		q.mu.Lock()
		if len(q.lines) > 0 {
			line = q.lines[0]
			q.lines[0] = nil
			q.lines = q.lines[1:]
			q.bytes -= len(line)
			more = len(q.lines) > 0
			q.mu.Unlock()
			signal(q.space)
			return line, more, true
		}
		closed := q.closed
		q.mu.Unlock()
		if closed {
			return nil, false, false
		}
		select {
		case <-q.wake:
		case <-ctx.Done():
			return nil, false, false
		}
	}
}

// abandon drops what is queued and closes the queue: the client fell
// behind, and what it has not received it reads again when it resumes
// from the last resourceVersion it saw.
func (q *watchQueue) abandon() {
	q.mu.Lock()
	clear(q.lines)
	q.lines, q.bytes, q.closed = nil, 0, true
	q.mu.Unlock()
	signal(q.wake)
}

// size is the queued lines and bytes.
func (q *watchQueue) size() (lines, bytes int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.lines), q.bytes
}
