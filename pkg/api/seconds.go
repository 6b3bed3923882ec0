package api

import (
	"math"
	"time"
)

// maxSeconds is the largest whole number of seconds a time.Duration holds
// (about 292 years).
const maxSeconds = math.MaxInt64 / int64(time.Second)

// Seconds converts an API field counted in seconds (a grace period, a
// deadline, a TTL) to a Duration. time.Duration(s)*time.Second overflows
// beyond about 292 years (2^63-1 seconds wraps to -1 s: an immediate
// kill); Seconds saturates instead, at the largest or smallest Duration.
func Seconds(s int64) time.Duration {
	switch {
	case s > maxSeconds:
		return math.MaxInt64
	case s < -maxSeconds:
		return math.MinInt64
	}
	return time.Duration(s) * time.Second
}

// AddSeconds is t plus s seconds, saturating as Seconds does.
func AddSeconds(t time.Time, s int64) time.Time {
	return t.Add(Seconds(s))
}
