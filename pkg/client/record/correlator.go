package record

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"minik8s/pkg/api"
)

// Defaults of the correlator, as client-go's tools/record.
const (
	// DefaultSpamBurst events per source and object pass at once ...
	DefaultSpamBurst = 25
	// DefaultSpamQPS ... then one every 5 minutes.
	DefaultSpamQPS = 1.0 / 300
	// DefaultAggregateMaxEvents similar events (different messages) within
	// DefaultAggregateInterval are aggregated into one.
	DefaultAggregateMaxEvents = 10
	// DefaultAggregateInterval is the window of aggregation.
	DefaultAggregateInterval = 10 * time.Minute
	// cacheSize bounds each of the correlator's caches.
	cacheSize = 4096
	// combinedPrefix starts the message of an aggregated event.
	combinedPrefix = "(combined from similar events): "
)

// CorrelatorOptions tune a Correlator; zero fields take the defaults.
type CorrelatorOptions struct {
	SpamBurst          int
	SpamQPS            float64
	AggregateMaxEvents int
	AggregateInterval  time.Duration
}

func (o CorrelatorOptions) withDefaults() CorrelatorOptions {
	if o.SpamBurst <= 0 {
		o.SpamBurst = DefaultSpamBurst
	}
	if o.SpamQPS <= 0 {
		o.SpamQPS = DefaultSpamQPS
	}
	if o.AggregateMaxEvents <= 0 {
		o.AggregateMaxEvents = DefaultAggregateMaxEvents
	}
	if o.AggregateInterval <= 0 {
		o.AggregateInterval = DefaultAggregateInterval
	}
	return o
}

// Correlator decides, for each new event, whether to create it, to patch an
// event written before (a repeat), or to drop it (spam). It is not safe for
// concurrent use: the recorder's writer goroutine owns it.
type Correlator struct {
	opts       CorrelatorOptions
	aggregates *lru[aggregateRecord]
	observed   *lru[observation]
	spam       *lru[*tokenBucket]
}

// aggregateRecord is the set of distinct messages of similar events.
type aggregateRecord struct {
	messages map[string]bool
	last     time.Time
}

// observation is what was written for one event key.
type observation struct {
	count           int32
	firstTimestamp  api.Time
	name            string
	resourceVersion string
}

// NewCorrelator returns a correlator with opts.
func NewCorrelator(opts CorrelatorOptions) *Correlator {
	return &Correlator{
		opts:       opts.withDefaults(),
		aggregates: newLRU[aggregateRecord](cacheSize),
		observed:   newLRU[observation](cacheSize),
		spam:       newLRU[*tokenBucket](cacheSize),
	}
}

// Result is the correlator's decision about one event.
type Result struct {
	Event *api.Event // the event to write
	Patch []byte     // non-nil: PATCH Event (a repeat) instead of creating it
	Skip  bool       // spam: write nothing
}

func joinKey(parts ...string) string { return strings.Join(parts, "\x00") }

// objectKey identifies the source and involved object of an event.
func objectKey(e *api.Event) string {
	o := e.InvolvedObject
	return joinKey(e.Source.Component, e.Source.Host, o.Kind, o.Namespace, o.Name, o.UID, o.APIVersion)
}

// aggregateKey groups similar events: same object, type and reason.
func aggregateKey(e *api.Event) string {
	return joinKey(objectKey(e), e.Type, e.Reason, e.ReportingController, e.ReportingInstance)
}

// eventKey identifies repeats of one event: similar, and the same message.
func eventKey(e *api.Event) string {
	return joinKey(objectKey(e), e.InvolvedObject.FieldPath, e.Type, e.Reason, e.Message)
}

// Correlate decides what to do with ev (a fresh event, count 1) at now.
func (c *Correlator) Correlate(ev *api.Event, now time.Time) Result {
	ev, key := c.aggregate(ev, now)
	ev, patch := c.observe(ev, key)
	if !c.allow(ev, now) {
		return Result{Event: ev, Skip: true}
	}
	return Result{Event: ev, Patch: patch}
}

// aggregate returns ev and its dedupe key, or, when it is one of many
// similar events, a combined event and the similar events' key.
func (c *Correlator) aggregate(ev *api.Event, now time.Time) (*api.Event, string) {
	akey := aggregateKey(ev)
	rec, ok := c.aggregates.get(akey)
	if !ok || now.Sub(rec.last) > c.opts.AggregateInterval {
		rec = aggregateRecord{messages: map[string]bool{}}
	}
	rec.messages[ev.Message] = true
	rec.last = now
	c.aggregates.add(akey, rec)
	if len(rec.messages) < c.opts.AggregateMaxEvents {
		return ev, eventKey(ev)
	}
	// Do not grow the set further: forget one message (not this one).
	for m := range rec.messages {
		if m != ev.Message {
			delete(rec.messages, m)
			break
		}
	}
	t := api.NewTime(now)
	combined := &api.Event{
		TypeMeta: ev.TypeMeta,
		ObjectMeta: api.ObjectMeta{
			Name:      eventName(ev.InvolvedObject.Name, now),
			Namespace: ev.Namespace,
		},
		InvolvedObject:      ev.InvolvedObject,
		Reason:              ev.Reason,
		Message:             combinedPrefix + ev.Message,
		Source:              ev.Source,
		FirstTimestamp:      t,
		LastTimestamp:       t,
		Count:               1,
		Type:                ev.Type,
		ReportingController: ev.ReportingController,
		ReportingInstance:   ev.ReportingInstance,
	}
	return combined, akey
}

// observe turns a repeat of an event already written into a patch of it.
func (c *Correlator) observe(ev *api.Event, key string) (*api.Event, []byte) {
	var patch []byte
	if last, ok := c.observed.get(key); ok && last.count > 0 {
		ev.Name = last.name
		ev.ResourceVersion = last.resourceVersion
		ev.FirstTimestamp = last.firstTimestamp
		ev.Count = last.count + 1
		patch, _ = json.Marshal(map[string]any{
			"count":         ev.Count,
			"lastTimestamp": ev.LastTimestamp,
			"message":       ev.Message,
		})
	}
	c.observed.add(key, observation{count: ev.Count, firstTimestamp: ev.FirstTimestamp, name: ev.Name, resourceVersion: ev.ResourceVersion})
	return ev, patch
}

// UpdateState records the event as the server stored it, so that the next
// repeat patches it.
func (c *Correlator) UpdateState(ev *api.Event) {
	c.observed.add(eventKey(ev), observation{count: ev.Count, firstTimestamp: ev.FirstTimestamp, name: ev.Name, resourceVersion: ev.ResourceVersion})
	if strings.HasPrefix(ev.Message, combinedPrefix) {
		c.observed.add(aggregateKey(ev), observation{count: ev.Count, firstTimestamp: ev.FirstTimestamp, name: ev.Name, resourceVersion: ev.ResourceVersion})
	}
}

// allow is the spam filter: a token bucket per source and object.
func (c *Correlator) allow(ev *api.Event, now time.Time) bool {
	key := objectKey(ev)
	b, ok := c.spam.get(key)
	if !ok {
		b = newTokenBucket(c.opts.SpamQPS, c.opts.SpamBurst, now)
		c.spam.add(key, b)
	}
	return b.take(now)
}

// eventName is "<object name>.<hex unixnano>", as client-go names events.
func eventName(object string, now time.Time) string {
	return fmt.Sprintf("%s.%x", object, now.UnixNano())
}
