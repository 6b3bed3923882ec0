package kubelet

import (
	"bytes"
	"errors"
	"net/url"
	"os"
	"testing"
	"time"
)

func TestParseLogOptions(t *testing.T) {
	now := time.Date(2026, 12, 2, 13, 0, 10, 0, time.UTC)
	cases := []struct {
		query   string
		want    logOptions
		wantErr bool
	}{
		{query: "", want: logOptions{tail: -1}},
		{query: "tailLines=2&limitBytes=7&timestamps=true&follow=1&previous=false", want: logOptions{tail: 2, limitBytes: 7, timestamps: true, follow: true}},
		{query: "sinceSeconds=8", want: logOptions{tail: -1, since: now.Add(-8 * time.Second)}},
		{query: "sinceTime=2026-12-02T13:00:02Z", want: logOptions{tail: -1, since: time.Date(2026, 12, 2, 13, 0, 2, 0, time.UTC)}},
		{query: "sinceTime=2026-12-02T13:00:02Z&sinceSeconds=3", wantErr: true},
		{query: "sinceSeconds=0", wantErr: true},
		{query: "sinceTime=yesterday", wantErr: true},
		{query: "tailLines=x", wantErr: true},
		{query: "limitBytes=-1", wantErr: true},
		{query: "timestamps=maybe", wantErr: true},
	}
	for _, c := range cases {
		q, _ := url.ParseQuery(c.query)
		got, err := parseLogOptions(q, now)
		if (err != nil) != c.wantErr {
			t.Errorf("%q: err = %v, want error %v", c.query, err, c.wantErr)
			continue
		}
		if err == nil && (got.tail != c.want.tail || got.limitBytes != c.want.limitBytes || got.timestamps != c.want.timestamps ||
			got.follow != c.want.follow || got.previous != c.want.previous || !got.since.Equal(c.want.since)) {
			t.Errorf("%q: got %+v, want %+v", c.query, got, c.want)
		}
	}
}

// TestWriteLogLines applies the options to a CRI-format fixture as the
// kubelet's ReadLogs does: tail, since, timestamps (fixed nanoseconds,
// only at the start of a message split in partial lines), limitBytes.
func TestWriteLogLines(t *testing.T) {
	data, err := os.ReadFile("testdata/cri.log")
	if err != nil {
		t.Fatal(err)
	}
	at := func(sec, nsec int) time.Time { return time.Date(2026, 12, 2, 13, 0, sec, nsec, time.UTC) }
	cases := []struct {
		name string
		opts logOptions
		want string
	}{
		{"all", logOptions{tail: -1}, "one\ntwo\nthree\n\nfive\n"},
		{"tail 2", logOptions{tail: 2}, "\nfive\n"},
		{"tail 0", logOptions{tail: 0}, ""},
		{"since", logOptions{tail: -1, since: at(1, 500000000)}, "two\nthree\n\nfive\n"},
		{"since after partial start", logOptions{tail: -1, since: at(2, 2)}, "ee\n\nfive\n"},
		{"timestamps", logOptions{tail: 3, timestamps: true},
			"2026-12-02T13:00:02.000000002Z ee\n2026-12-02T13:00:03.000000000Z \n2026-12-02T13:00:04.000000000Z five\n"},
		{"timestamps partial", logOptions{tail: -1, timestamps: true, since: at(2, 0)},
			"2026-12-02T13:00:02.000000001Z three\n2026-12-02T13:00:03.000000000Z \n2026-12-02T13:00:04.000000000Z five\n"},
		{"limit", logOptions{tail: -1, limitBytes: 6}, "one\ntw"},
		{"limit with timestamps", logOptions{tail: 1, limitBytes: 12, timestamps: true}, "2026-12-02T1"},
	}
	for _, c := range cases {
		var out bytes.Buffer
		lw := newLogWriter(&out, c.opts)
		err := lw.writeLines(tailLines(data, int(c.opts.tail)))
		if err != nil && !errors.Is(err, errMaximumWrite) {
			t.Errorf("%s: %v", c.name, err)
		}
		if out.String() != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, out.String(), c.want)
		}
	}
}

func TestPlainTextLogs(t *testing.T) {
	data := []byte("hello\nworld")
	var out bytes.Buffer
	if err := newLogWriter(&out, logOptions{tail: -1}).writeLines(data); err != nil || out.String() != "hello\nworld" {
		t.Fatalf("plain = %q, %v", out.String(), err)
	}
	if !plainText(data) || plainText([]byte("2026-12-02T13:00:00Z stdout F x\n")) || plainText(nil) {
		t.Fatal("plainText misjudges")
	}
	if err := newLogWriter(&out, logOptions{tail: -1, timestamps: true}).writeLines(data); !errors.Is(err, errNoTimestamps) {
		t.Fatalf("timestamps on plain text: %v", err)
	}
}
