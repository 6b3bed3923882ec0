package api

import (
	"math"
	"testing"
	"time"
)

func TestSeconds(t *testing.T) {
	tests := []struct {
		in   int64
		want time.Duration
	}{
		{0, 0},
		{30, 30 * time.Second},
		{-5, -5 * time.Second},
		{maxSeconds, time.Duration(maxSeconds) * time.Second},
		{maxSeconds + 1, math.MaxInt64},
		{math.MaxInt64, math.MaxInt64},
		{-maxSeconds - 1, math.MinInt64},
		{math.MinInt64, math.MinInt64},
	}
	for _, tt := range tests {
		if got := Seconds(tt.in); got != tt.want {
			t.Errorf("Seconds(%d) = %v, want %v", tt.in, got, tt.want)
		}
	}
	// The overflow Seconds avoids: 2^63-1 s would be -1 s.
	huge := int64(math.MaxInt64)
	if wrapped := time.Duration(huge) * time.Second; wrapped != -time.Second {
		t.Fatalf("overflow premise: %v", wrapped)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := AddSeconds(now, math.MaxInt64); got.Year() < 2300 {
		t.Errorf("AddSeconds(now, 2^63-1) = %v, want about 292 years on", got)
	}
}
