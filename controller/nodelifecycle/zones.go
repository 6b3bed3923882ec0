package nodelifecycle

import (
	"time"

	"minik8s/pkg/api"
)

// Zone labels of a node.
const (
	labelZone   = "topology.kubernetes.io/zone"
	labelRegion = "topology.kubernetes.io/region"
)

// zoneKey is the zone a node is in ("" when it has no zone labels), as
// Kubernetes' GetZoneKey makes it.
func zoneKey(node *api.Node) string {
	region, zone := node.Labels[labelRegion], node.Labels[labelZone]
	if region == "" && zone == "" {
		return ""
	}
	return region + ":\x00:" + zone
}

// zoneState is the health of a zone.
type zoneState string

const (
	stateInitial           zoneState = "Initial"
	stateNormal            zoneState = "Normal"
	stateFullDisruption    zoneState = "FullDisruption"
	statePartialDisruption zoneState = "PartialDisruption"
)

// computeZoneState is Kubernetes' ComputeZoneState: a zone with no ready
// node is fully disrupted; one with more than two not-ready nodes making at
// least unhealthyThreshold of it is partially disrupted.
func computeZoneState(ready []*api.NodeCondition, unhealthyThreshold float64) (notReady int, st zoneState) {
	readyNodes := 0
	for _, c := range ready {
		if c != nil && c.Status == api.ConditionTrue {
			readyNodes++
		} else {
			notReady++
		}
	}
	switch {
	case readyNodes == 0 && notReady > 0:
		return notReady, stateFullDisruption
	case notReady > 2 && float64(notReady)/float64(notReady+readyNodes) >= unhealthyThreshold:
		return notReady, statePartialDisruption
	}
	return notReady, stateNormal
}

// zoneRate is the tainting rate (nodes per second) of a zone of size
// nodes in state st (Kubernetes' setLimiterInZone): the primary rate when
// normal or fully disrupted, in a partial disruption the secondary rate in
// a large cluster and none in a small one.
func zoneRate(st zoneState, size int, cfg *Config) float64 {
	switch st {
	case statePartialDisruption:
		if size <= cfg.LargeClusterSizeThreshold {
			return 0
		}
		return cfg.SecondaryEvictionRate
	}
	return cfg.EvictionRate
}

// tokenBucket is a rate limiter with a burst of one (Kubernetes' eviction
// limiter); a rate of 0 never accepts.
type tokenBucket struct {
	qps    float64
	tokens float64
	last   time.Time
}

func newTokenBucket(qps float64, now time.Time) *tokenBucket {
	return &tokenBucket{qps: qps, tokens: 1, last: now}
}

// tryAccept takes a token if one is there at now.
func (b *tokenBucket) tryAccept(now time.Time) bool {
	if b.qps <= 0 {
		return false
	}
	if now.After(b.last) {
		b.tokens = min(1, b.tokens+now.Sub(b.last).Seconds()*b.qps)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true
	}
	return false
}

// setRate changes the rate, starting with a full bucket as Kubernetes'
// SwapLimiter does.
func (b *tokenBucket) setRate(qps float64, now time.Time) {
	if b.qps == qps {
		return
	}
	*b = *newTokenBucket(qps, now)
}

// tainter is one zone's queue of nodes waiting for their NoExecute taint,
// in the order they were queued, behind its rate limiter.
type tainter struct {
	limiter *tokenBucket
	queue   []string
}

func (t *tainter) add(name string) {
	for _, n := range t.queue {
		if n == name {
			return
		}
	}
	t.queue = append(t.queue, name)
}

func (t *tainter) remove(name string) {
	for i, n := range t.queue {
		if n == name {
			t.queue = append(t.queue[:i:i], t.queue[i+1:]...)
			return
		}
	}
}

// take returns the queued nodes the limiter lets through at now (removing
// them from the queue).
func (t *tainter) take(now time.Time) []string {
	var out []string
	for len(t.queue) > 0 && t.limiter.tryAccept(now) {
		out = append(out, t.queue[0])
		t.queue = t.queue[1:]
	}
	return out
}
