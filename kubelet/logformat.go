package kubelet

// Reading container log files with the PodLogOptions, as the kubelet's
// kuberuntime/logs/logs.go does: each file line is a CRI log line
// ("2016-10-06T00:17:09.669794202Z stdout F message", P for a partial line)
// or, in files written as plain text, just the message (with no time).

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"strconv"
	"time"

	"minik8s/pkg/api"
)

// timeFormatOut is how --timestamps prints a line's time (RFC3339 with
// nanoseconds, fixed width), as the kubelet does.
const timeFormatOut = "2006-01-02T15:04:05.000000000Z07:00"

// errMaximumWrite: limitBytes reached; the stream ends.
var errMaximumWrite = errors.New("maximum write")

// errNoTimestamps: the log file is plain text, so an option that needs
// each line's time cannot be honoured.
var errNoTimestamps = errors.New("the log file has no timestamps (plain text): sinceSeconds, sinceTime and timestamps need CRI-format log lines")

// logOptions are the PodLogOptions the kubelet applies to a log file.
type logOptions struct {
	since      time.Time // lines before it are skipped; zero: all
	tail       int64     // last lines of the file; -1: all
	limitBytes int64     // bytes to write at most; 0: no limit
	timestamps bool
	follow     bool
	previous   bool
}

// needsTimes tells whether the options need each line's time.
func (o logOptions) needsTimes() bool { return o.timestamps || !o.since.IsZero() }

// parseLogOptions reads the containerLogs query (as the apiserver passes
// it on); sinceSeconds counts back from now.
func parseLogOptions(q url.Values, now time.Time) (logOptions, error) {
	o := logOptions{tail: -1}
	for k, dst := range map[string]*bool{"timestamps": &o.timestamps, "follow": &o.follow, "previous": &o.previous} {
		if v := q.Get(k); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return o, fmt.Errorf("invalid %s %q", k, v)
			}
			*dst = b
		}
	}
	for k, dst := range map[string]*int64{"tailLines": &o.tail, "limitBytes": &o.limitBytes} {
		if v := q.Get(k); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return o, fmt.Errorf("invalid %s %q", k, v)
			}
			*dst = n
		}
	}
	if v := q.Get("sinceSeconds"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return o, fmt.Errorf("invalid sinceSeconds %q", v)
		}
		o.since = now.Add(-api.Seconds(n))
	}
	if v := q.Get("sinceTime"); v != "" {
		if !o.since.IsZero() {
			return o, errors.New("at most one of sinceTime or sinceSeconds may be specified")
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return o, fmt.Errorf("invalid sinceTime %q", v)
		}
		o.since = t
	}
	return o, nil
}

// logLine is one parsed file line.
type logLine struct {
	time    time.Time // zero for a plain-text line
	stream  string    // stdout, stderr ("" for plain text)
	partial bool      // CRI tag P: the message continues on the next line
	msg     []byte    // the message, with its newline unless partial
}

// parseLogLine parses a CRI log line, or takes line as plain text.
func parseLogLine(line []byte) logLine {
	plain := logLine{msg: line}
	ts, rest, ok := bytes.Cut(line, []byte(" "))
	if !ok {
		return plain
	}
	t, err := time.Parse(time.RFC3339Nano, string(ts))
	if err != nil {
		return plain
	}
	stream, rest, ok := bytes.Cut(rest, []byte(" "))
	if !ok || (string(stream) != "stdout" && string(stream) != "stderr") {
		return plain
	}
	tag, msg, ok := bytes.Cut(rest, []byte(" "))
	if !ok {
		// "... stdout F" with an empty message and no newline.
		tag, msg = bytes.TrimSuffix(rest, []byte("\n")), []byte("\n")
	}
	partial := bytes.HasPrefix(tag, []byte("P"))
	if partial {
		msg = bytes.TrimSuffix(msg, []byte("\n"))
	} else if !bytes.HasSuffix(msg, []byte("\n")) {
		msg = append(append([]byte{}, msg...), '\n')
	}
	return logLine{time: t, stream: string(stream), partial: partial, msg: msg}
}

// logWriter writes file lines to w as the options say; it keeps the
// state of a stream (bytes left, whether the next line starts a message).
type logWriter struct {
	w         io.Writer
	opts      logOptions
	remain    int64
	midline   bool // the last message was partial: no timestamp prefix
	checkedAs bool // the first line's format was checked
}

func newLogWriter(w io.Writer, opts logOptions) *logWriter {
	remain := int64(math.MaxInt64)
	if opts.limitBytes > 0 {
		remain = opts.limitBytes
	}
	return &logWriter{w: w, opts: opts, remain: remain}
}

// writeLine writes one file line; errMaximumWrite says the limit is
// reached, errNoTimestamps that the file cannot honour the options.
func (lw *logWriter) writeLine(raw []byte) error {
	l := parseLogLine(raw)
	if l.time.IsZero() && lw.opts.needsTimes() {
		return errNoTimestamps
	}
	addPrefix := !lw.midline
	lw.midline = l.partial
	if !lw.opts.since.IsZero() && l.time.Before(lw.opts.since) {
		return nil
	}
	out := l.msg
	if lw.opts.timestamps && addPrefix {
		out = append([]byte(l.time.UTC().Format(timeFormatOut)+" "), out...)
	}
	if int64(len(out)) > lw.remain {
		out = out[:lw.remain]
	}
	n, err := lw.w.Write(out)
	lw.remain -= int64(n)
	if err != nil {
		return err
	}
	if lw.remain <= 0 {
		return errMaximumWrite
	}
	return nil
}

// plainText tells whether a log file's first line is plain text.
func plainText(data []byte) bool {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		data = data[:i+1]
	}
	return len(data) > 0 && parseLogLine(data).time.IsZero()
}

// writeLines writes the lines of data as the options say (from since, up
// to limitBytes); the caller applied tail.
func (lw *logWriter) writeLines(data []byte) error {
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line = data[:i+1]
		}
		data = data[len(line):]
		if err := lw.writeLine(line); err != nil {
			return err
		}
	}
	return nil
}
