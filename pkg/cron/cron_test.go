package cron

import (
	"testing"
	"time"
)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestParseErrors(t *testing.T) {
	for _, spec := range []string{"", "* * * *", "* * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *",
		"* * * 13 *", "* * * * 7", "5-1 * * * *", "*/0 * * * *", "@foo", "TZ=UTC * * * * *", "CRON_TZ=UTC 0 * * * *", "a * * * *"} {
		if _, err := Parse(spec); err == nil {
			t.Errorf("Parse(%q): no error", spec)
		}
	}
}

func TestNext(t *testing.T) {
	cases := []struct{ spec, from, want string }{
		{"* * * * *", "2026-12-02T07:36:26Z", "2026-12-02T07:37:00Z"},
		{"*/5 * * * *", "2026-12-02T07:36:00Z", "2026-12-02T07:40:00Z"},
		{"0 * * * *", "2026-12-02T07:00:00Z", "2026-12-02T08:00:00Z"},
		{"@hourly", "2026-12-02T07:59:59Z", "2026-12-02T08:00:00Z"},
		{"@daily", "2026-12-31T23:00:00Z", "2027-01-01T00:00:00Z"},
		{"@weekly", "2026-12-02T07:00:00Z", "2026-12-06T00:00:00Z"}, // a Sunday
		{"@monthly", "2026-12-02T07:00:00Z", "2027-01-01T00:00:00Z"},
		{"@yearly", "2026-12-02T07:00:00Z", "2027-01-01T00:00:00Z"},
		{"30 8 * * mon-fri", "2026-12-04T09:00:00Z", "2026-12-07T08:30:00Z"}, // Friday after 8:30 → Monday
		{"0 0 29 feb *", "2026-03-01T00:00:00Z", "2028-02-29T00:00:00Z"},
		{"0 0 13 * 5", "2026-12-02T00:00:00Z", "2026-12-04T00:00:00Z"}, // dom or dow: Friday the 4th
		{"0 0 13 * *", "2026-12-02T00:00:00Z", "2026-12-13T00:00:00Z"},
		{"5,10 1-2 * * *", "2026-12-02T01:07:00Z", "2026-12-02T01:10:00Z"},
		{"10/20 * * * *", "2026-12-02T01:31:00Z", "2026-12-02T01:50:00Z"},
		{"@every 1h", "2026-12-02T01:31:00Z", "2026-12-02T02:31:00Z"},
	}
	for _, c := range cases {
		s, err := Parse(c.spec)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.spec, err)
		}
		if got := s.Next(mustTime(t, c.from)); !got.Equal(mustTime(t, c.want)) {
			t.Errorf("%q Next(%s) = %s, want %s", c.spec, c.from, got.Format(time.RFC3339), c.want)
		}
	}
}
