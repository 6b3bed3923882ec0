package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
)

// Log writes events, one JSON line each, to a file (appended, 0600) or
// stdout. Writes are whole lines under a lock (Kubernetes' blocking
// mode): lines never interleave, and a request waits at most for the
// lines before its own.
type Log struct {
	Policy *Policy
	mu     sync.Mutex
	w      io.Writer
	closer io.Closer
}

// Open makes the log of --audit-log-path and --audit-policy-file; nil (no
// auditing) unless both are given, as Kubernetes records nothing without
// a policy.
func Open(logPath, policyFile string) (*Log, error) {
	if logPath == "" || policyFile == "" {
		return nil, nil
	}
	p, err := LoadPolicy(policyFile)
	if err != nil {
		return nil, fmt.Errorf("--audit-policy-file: %w", err)
	}
	if logPath == "-" {
		return &Log{Policy: p, w: os.Stdout}, nil
	}
	f, err := os.OpenFile(logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("--audit-log-path: %w", err)
	}
	return &Log{Policy: p, w: f, closer: f}, nil
}

// NewLog logs to w under p (tests).
func NewLog(p *Policy, w io.Writer) *Log { return &Log{Policy: p, w: w} }

// Write appends ev as one line.
func (l *Log) Write(ev *Event) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	_, err = l.w.Write(b)
	return err
}

// Close closes the file.
func (l *Log) Close() error {
	if l == nil || l.closer == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closer.Close()
}

// Context is the audit state of one request: its event being built and
// the annotations later steps add.
type Context struct {
	mu          sync.Mutex
	annotations map[string]string
}

type ctxKey struct{}

// WithContext returns ctx carrying ac.
func WithContext(ctx context.Context, ac *Context) context.Context {
	return context.WithValue(ctx, ctxKey{}, ac)
}

// AddAnnotation records key=value on the request's audit event (no-op when
// the request is not audited). Later values of a key replace earlier ones.
func AddAnnotation(ctx context.Context, key, value string) {
	ac, _ := ctx.Value(ctxKey{}).(*Context)
	if ac == nil {
		return
	}
	ac.mu.Lock()
	defer ac.mu.Unlock()
	if ac.annotations == nil {
		ac.annotations = map[string]string{}
	}
	ac.annotations[key] = value
}

// Annotations returns a copy of the recorded annotations (nil if none).
func (ac *Context) Annotations() map[string]string {
	ac.mu.Lock()
	defer ac.mu.Unlock()
	if len(ac.annotations) == 0 {
		return nil
	}
	out := make(map[string]string, len(ac.annotations))
	for k, v := range ac.annotations {
		out[k] = v
	}
	return out
}
