package record

import (
	"context"
	"errors"
	"fmt"
	"log"
	"sync/atomic"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
)

// Event types.
const (
	EventTypeNormal  = "Normal"
	EventTypeWarning = "Warning"
)

// EventRecorder reports events about objects.
type EventRecorder interface {
	// Event reports that something of eventType (EventTypeNormal or
	// EventTypeWarning) happened to object; reason is a short CamelCase
	// word, message a sentence for humans.
	Event(object api.Object, eventType, reason, message string)
	// Eventf is Event with a formatted message.
	Eventf(object api.Object, eventType, reason, messageFmt string, args ...any)
}

// Sink is where the recorder writes events: the apiserver, or a fake.
type Sink interface {
	Create(ctx context.Context, ev *api.Event) (*api.Event, error)
	Patch(ctx context.Context, ev *api.Event, patch []byte) (*api.Event, error)
}

// clientSink writes events through a client.
type clientSink struct{ c *client.Client }

var _ Sink = clientSink{}

func (s clientSink) Create(ctx context.Context, ev *api.Event) (*api.Event, error) {
	return s.c.Events(ev.Namespace).Create(ctx, ev)
}

func (s clientSink) Patch(ctx context.Context, ev *api.Event, patch []byte) (*api.Event, error) {
	return s.c.Events(ev.Namespace).Patch(ctx, ev.Name, client.MergePatchType, patch)
}

// Options tune a Recorder; zero fields take the defaults.
type Options struct {
	Correlator CorrelatorOptions
	// QueueSize is the number of events waiting to be written; when it is
	// full new events are dropped (the caller never blocks). Default 1000.
	QueueSize int
	// Retries is how many times a write that failed for lack of a server
	// is tried again (default 12), RetryWait the first wait (default 1s,
	// doubling up to 10s).
	Retries   int
	RetryWait time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logf reports dropped events; nil means the standard logger.
	Logf func(format string, args ...any)
}

// Recorder is the EventRecorder that writes to the apiserver. Event only
// queues; Run correlates and writes.
type Recorder struct {
	sink       Sink
	source     api.EventSource
	opts       Options
	queue      chan *api.Event
	correlator *Correlator
	dropped    atomic.Int64
}

var _ EventRecorder = (*Recorder)(nil)

// NewRecorder returns a recorder that writes events reported by source
// (component, and host for per-node components) through c.
func NewRecorder(c *client.Client, source api.EventSource) *Recorder {
	return NewRecorderForSink(clientSink{c}, source, Options{})
}

// NewRecorderForSink returns a recorder that writes to sink with opts.
func NewRecorderForSink(sink Sink, source api.EventSource, opts Options) *Recorder {
	if opts.QueueSize <= 0 {
		opts.QueueSize = 1000
	}
	if opts.Retries <= 0 {
		opts.Retries = 12
	}
	if opts.RetryWait <= 0 {
		opts.RetryWait = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logf == nil {
		opts.Logf = log.Printf
	}
	return &Recorder{
		sink: sink, source: source, opts: opts,
		queue:      make(chan *api.Event, opts.QueueSize),
		correlator: NewCorrelator(opts.Correlator),
	}
}

// Event implements EventRecorder. It never blocks: when the queue is full
// the event is dropped.
func (r *Recorder) Event(object api.Object, eventType, reason, message string) {
	ev := r.makeEvent(Reference(object), eventType, reason, message)
	select {
	case r.queue <- ev:
	default:
		if r.dropped.Add(1)%100 == 1 {
			r.opts.Logf("record: queue full, dropping event %s %s: %s", ev.InvolvedObject.Name, reason, message)
		}
	}
}

// Eventf implements EventRecorder.
func (r *Recorder) Eventf(object api.Object, eventType, reason, messageFmt string, args ...any) {
	r.Event(object, eventType, reason, fmt.Sprintf(messageFmt, args...))
}

// Dropped is the number of events dropped because the queue was full.
func (r *Recorder) Dropped() int64 { return r.dropped.Load() }

// makeEvent builds a fresh event (count 1) about ref.
func (r *Recorder) makeEvent(ref api.ObjectReference, eventType, reason, message string) *api.Event {
	now := r.opts.Now()
	ns := ref.Namespace
	if ns == "" {
		ns = "default" // cluster-scoped objects' events live in default
	}
	t := api.NewTime(now)
	return &api.Event{
		TypeMeta:            api.TypeMeta{APIVersion: "v1", Kind: "Event"},
		ObjectMeta:          api.ObjectMeta{Name: eventName(ref.Name, now), Namespace: ns},
		InvolvedObject:      ref,
		Reason:              reason,
		Message:             message,
		Source:              r.source,
		FirstTimestamp:      t,
		LastTimestamp:       t,
		Count:               1,
		Type:                eventType,
		ReportingController: r.source.Component,
		ReportingInstance:   r.source.Host,
	}
}

// Run writes queued events until ctx ends; it returns nil then.
func (r *Recorder) Run(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev := <-r.queue:
			r.write(ctx, ev)
		}
	}
}

// write correlates ev and writes it, retrying while the server is
// unreachable; an answer of the server (an error Status) is final.
func (r *Recorder) write(ctx context.Context, ev *api.Event) {
	res := r.correlator.Correlate(ev, r.opts.Now())
	if res.Skip {
		return
	}
	wait := r.opts.RetryWait
	for try := 1; ; try++ {
		out, err := r.writeOnce(ctx, res)
		if err == nil {
			r.correlator.UpdateState(out)
			return
		}
		var se *client.StatusError
		if errors.As(err, &se) || ctx.Err() != nil {
			if !client.IsAlreadyExists(err) && ctx.Err() == nil {
				r.opts.Logf("record: dropping event %s/%s: %v", res.Event.Namespace, res.Event.Name, err)
			}
			return
		}
		if try >= r.opts.Retries {
			r.opts.Logf("record: dropping event %s/%s after %d tries: %v", res.Event.Namespace, res.Event.Name, try, err)
			return
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		if wait *= 2; wait > 10*time.Second {
			wait = 10 * time.Second
		}
	}
}

// writeOnce patches a repeat (creating it again if it was deleted) or
// creates a new event.
func (r *Recorder) writeOnce(ctx context.Context, res Result) (*api.Event, error) {
	ev := res.Event
	if res.Patch != nil {
		out, err := r.sink.Patch(ctx, ev, res.Patch)
		if !client.IsNotFound(err) {
			return out, err
		}
	}
	c := *ev
	c.ResourceVersion = ""
	return r.sink.Create(ctx, &c)
}
