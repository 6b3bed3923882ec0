// Package cron parses the standard 5-field cron schedules CronJobs use
// (minute hour day-of-month month day-of-week, with names, ranges, steps
// and the @hourly-style descriptors) and computes their activation times,
// as robfig/cron's ParseStandard does for Kubernetes.
package cron

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Schedule is a parsed cron schedule; times are taken in the location of
// the time passed to Next.
type Schedule struct {
	minute, hour, dom, month, dow uint64
	// domStar and dowStar: the field was "*" or "?"; when either is, a day
	// must match both fields, else either (cron's rule).
	domStar, dowStar bool
	every            time.Duration // @every d
}

type bounds struct {
	min, max int
	names    map[string]int
}

var (
	minutes = bounds{0, 59, nil}
	hours   = bounds{0, 23, nil}
	doms    = bounds{1, 31, nil}
	months  = bounds{1, 12, map[string]int{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
		"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}}
	dows = bounds{0, 6, map[string]int{"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}}
)

var descriptors = map[string]string{
	"@yearly":   "0 0 1 1 *",
	"@annually": "0 0 1 1 *",
	"@monthly":  "0 0 1 * *",
	"@weekly":   "0 0 * * 0",
	"@daily":    "0 0 * * *",
	"@midnight": "0 0 * * *",
	"@hourly":   "0 * * * *",
}

// Parse parses a standard cron spec or descriptor.
func Parse(spec string) (*Schedule, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, fmt.Errorf("empty spec string")
	}
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		return nil, fmt.Errorf("time zones in the schedule are not supported")
	}
	if strings.HasPrefix(spec, "@every ") {
		d, err := time.ParseDuration(strings.TrimSpace(spec[len("@every "):]))
		if err != nil {
			return nil, fmt.Errorf("failed to parse duration %s: %w", spec, err)
		}
		if d < time.Second {
			d = time.Second
		}
		return &Schedule{every: d - time.Duration(d.Nanoseconds())%time.Second}, nil
	}
	if strings.HasPrefix(spec, "@") {
		d, ok := descriptors[strings.ToLower(spec)]
		if !ok {
			return nil, fmt.Errorf("unrecognized descriptor: %s", spec)
		}
		spec = d
	}
	f := strings.Fields(spec)
	if len(f) != 5 {
		return nil, fmt.Errorf("expected exactly 5 fields, found %d: %s", len(f), spec)
	}
	s := &Schedule{}
	var err error
	parse := func(field string, b bounds, star *bool) uint64 {
		if err != nil {
			return 0
		}
		var v uint64
		v, err = parseField(field, b)
		if star != nil {
			*star = field == "*" || field == "?"
		}
		return v
	}
	s.minute = parse(f[0], minutes, nil)
	s.hour = parse(f[1], hours, nil)
	s.dom = parse(f[2], doms, &s.domStar)
	s.month = parse(f[3], months, nil)
	s.dow = parse(f[4], dows, &s.dowStar)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// parseField parses a comma-separated list of ranges into a bit set.
func parseField(field string, b bounds) (uint64, error) {
	var bits uint64
	for _, r := range strings.Split(field, ",") {
		v, err := parseRange(r, b)
		if err != nil {
			return 0, err
		}
		bits |= v
	}
	return bits, nil
}

// parseRange parses "*", "?", "n", "a-b", each with an optional "/step".
func parseRange(expr string, b bounds) (uint64, error) {
	rangeAndStep := strings.Split(expr, "/")
	lowAndHigh := strings.Split(rangeAndStep[0], "-")
	var start, end int
	single := len(lowAndHigh) == 1
	if lowAndHigh[0] == "*" || lowAndHigh[0] == "?" {
		if !single {
			return 0, fmt.Errorf("invalid range: %s", expr)
		}
		start, end = b.min, b.max
	} else {
		var err error
		if start, err = parseValue(lowAndHigh[0], b); err != nil {
			return 0, err
		}
		switch len(lowAndHigh) {
		case 1:
			end = start
		case 2:
			if end, err = parseValue(lowAndHigh[1], b); err != nil {
				return 0, err
			}
		default:
			return 0, fmt.Errorf("too many hyphens: %s", expr)
		}
	}
	step := 1
	switch len(rangeAndStep) {
	case 1:
	case 2:
		var err error
		if step, err = strconv.Atoi(rangeAndStep[1]); err != nil || step <= 0 {
			return 0, fmt.Errorf("step of range should be a positive number: %s", expr)
		}
		if single && lowAndHigh[0] != "*" && lowAndHigh[0] != "?" {
			end = b.max // "n/step" means n-max/step
		}
	default:
		return 0, fmt.Errorf("too many slashes: %s", expr)
	}
	if start < b.min {
		return 0, fmt.Errorf("beginning of range (%d) below minimum (%d): %s", start, b.min, expr)
	}
	if end > b.max {
		return 0, fmt.Errorf("end of range (%d) above maximum (%d): %s", end, b.max, expr)
	}
	if start > end {
		return 0, fmt.Errorf("beginning of range (%d) beyond end of range (%d): %s", start, end, expr)
	}
	var bits uint64
	for i := start; i <= end; i += step {
		bits |= 1 << uint(i)
	}
	return bits, nil
}

func parseValue(s string, b bounds) (int, error) {
	if v, ok := b.names[strings.ToLower(s)]; ok {
		return v, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("failed to parse int from %s", s)
	}
	return v, nil
}

// Next is the first activation strictly after t (zero if none within five
// years), in t's location.
func (s *Schedule) Next(t time.Time) time.Time {
	if s.every > 0 {
		return t.Add(s.every - time.Duration(t.Nanosecond())*time.Nanosecond)
	}
	t = t.Truncate(time.Minute).Add(time.Minute)
	limit := t.AddDate(5, 0, 0)
	for t.Before(limit) {
		switch {
		case s.month&(1<<uint(t.Month())) == 0:
			t = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, t.Location())
		case !s.dayMatches(t):
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, t.Location())
		case s.hour&(1<<uint(t.Hour())) == 0:
			t = t.Truncate(time.Hour).Add(time.Hour)
		case s.minute&(1<<uint(t.Minute())) == 0:
			t = t.Add(time.Minute)
		default:
			return t
		}
	}
	return time.Time{}
}

func (s *Schedule) dayMatches(t time.Time) bool {
	dom := s.dom&(1<<uint(t.Day())) != 0
	dow := s.dow&(1<<uint(t.Weekday())) != 0
	if s.domStar || s.dowStar {
		return dom && dow
	}
	return dom || dow
}
