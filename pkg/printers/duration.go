package printers

import (
	"fmt"
	"time"

	"minik8s/pkg/api"
)

// HumanDuration renders a duration with two or three significant figures,
// as Kubernetes' duration.HumanDuration does: "5s", "119s", "3m2s", "45m",
// "3h12m", "20h", "5d3h", "30d", "2y10d", "9y".
func HumanDuration(d time.Duration) string {
	// A little clock skew (up to a second in the future) reads as "0s".
	if seconds := int(d.Seconds()); seconds < -1 {
		return "<invalid>"
	} else if seconds < 0 {
		return "0s"
	} else if seconds < 60*2 {
		return fmt.Sprintf("%ds", seconds)
	}
	minutes := int(d / time.Minute)
	if minutes < 10 {
		if s := int(d/time.Second) % 60; s != 0 {
			return fmt.Sprintf("%dm%ds", minutes, s)
		}
		return fmt.Sprintf("%dm", minutes)
	}
	if minutes < 60*3 {
		return fmt.Sprintf("%dm", minutes)
	}
	hours := int(d / time.Hour)
	switch {
	case hours < 8:
		if m := minutes % 60; m != 0 {
			return fmt.Sprintf("%dh%dm", hours, m)
		}
		return fmt.Sprintf("%dh", hours)
	case hours < 48:
		return fmt.Sprintf("%dh", hours)
	case hours < 24*8:
		if h := hours % 24; h != 0 {
			return fmt.Sprintf("%dd%dh", hours/24, h)
		}
		return fmt.Sprintf("%dd", hours/24)
	case hours < 24*365*2:
		return fmt.Sprintf("%dd", hours/24)
	case hours < 24*365*8:
		if dy := (hours / 24) % 365; dy != 0 {
			return fmt.Sprintf("%dy%dd", hours/24/365, dy)
		}
		return fmt.Sprintf("%dy", hours/24/365)
	}
	return fmt.Sprintf("%dy", hours/24/365)
}

// Age is the AGE of an object created at t, seen at now: HumanDuration of
// the difference, or "<unknown>" for an unset timestamp.
func Age(t api.Time, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return HumanDuration(now.Sub(t.Time))
}

// MicroAge is Age for a MicroTime (events' eventTime).
func MicroAge(t api.MicroTime, now time.Time) string {
	if t.Time.IsZero() {
		return "<unknown>"
	}
	return HumanDuration(now.Sub(t.Time))
}
