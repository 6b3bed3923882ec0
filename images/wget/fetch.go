package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Run fetches every URL of o and returns the exit code: 0 if all were
// fetched, 1 otherwise (as busybox wget, which stops at the first failure).
func Run(ctx context.Context, o Options, stdout, stderr io.Writer) int {
	logw := stderr
	if o.LogFile != "" {
		f, err := os.Create(o.LogFile)
		if err != nil {
			fmt.Fprintf(stderr, "wget: can't open '%s': %v\n", o.LogFile, errnoText(err))
			return 1
		}
		defer f.Close()
		logw = f
	}
	f := &fetcher{o: o, stdout: stdout, log: logw, headers: logw}
	if o.Quiet {
		f.log = io.Discard
	}
	f.client = f.newClient()
	var out *os.File // -O FILE: one file for every URL
	if o.Output != "" && o.Output != "-" && !o.Spider {
		flags := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
		if o.Continue {
			flags = os.O_CREATE | os.O_WRONLY | os.O_APPEND
		}
		var err error
		if out, err = os.OpenFile(o.Output, flags, 0o666); err != nil {
			fmt.Fprintf(stderr, "wget: can't open '%s': %v\n", o.Output, errnoText(err))
			return 1
		}
		defer out.Close()
	}
	for _, u := range o.URLs {
		if err := f.fetch(ctx, u, out); err != nil {
			fmt.Fprintf(stderr, "wget: %v\n", err)
			return 1
		}
	}
	return 0
}

type fetcher struct {
	o       Options
	stdout  io.Writer
	log     io.Writer // progress messages; nothing with -q
	headers io.Writer // -S output, printed even with -q (as busybox)
	client  *http.Client
}

// errTimedOut is the message busybox prints when -T runs out.
var errTimedOut = errors.New("download timed out")

func (f *fetcher) newClient() *http.Client {
	tr := &http.Transport{
		DialContext:           f.dial,
		TLSClientConfig:       &tls.Config{InsecureSkipVerify: f.o.Insecure}, //nolint:gosec // --no-check-certificate
		ResponseHeaderTimeout: f.o.Timeout,
		TLSHandshakeTimeout:   f.o.Timeout,
		DisableCompression:    true,
	}
	if !f.o.NoProxy {
		tr.Proxy = http.ProxyFromEnvironment
	}
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 20 {
				return errors.New("too many redirections")
			}
			return nil
		},
	}
}

// dial resolves the host, says where it connects (as busybox does) and
// connects within the timeout; reads then time out after -T of silence.
func (f *fetcher) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	ip := host
	if net.ParseIP(host) == nil {
		ips, err := net.DefaultResolver.LookupIP(ctx, "ip", host)
		if err != nil || len(ips) == 0 {
			return nil, fmt.Errorf("bad address '%s'", host)
		}
		ip = ips[0].String()
		for _, a := range ips { // prefer IPv4, as busybox
			if a.To4() != nil {
				ip = a.String()
				break
			}
		}
	}
	target := net.JoinHostPort(ip, port)
	shown := addr // as in the URL: the port only when it is not the default
	if port == "80" || port == "443" {
		shown = host
	}
	fmt.Fprintf(f.log, "Connecting to %s (%s)\n", shown, target)
	d := net.Dialer{Timeout: f.o.Timeout}
	c, err := d.DialContext(ctx, network, target)
	if err != nil {
		if isTimeout(err) {
			return nil, errTimedOut
		}
		return nil, fmt.Errorf("can't connect to remote host (%s): %s", ip, errnoText(err))
	}
	return &idleConn{Conn: c, timeout: f.o.Timeout}, nil
}

// idleConn fails a read after timeout of silence (busybox's -T).
type idleConn struct {
	net.Conn
	timeout time.Duration
}

func (c *idleConn) Read(p []byte) (int, error) {
	_ = c.Conn.SetReadDeadline(time.Now().Add(c.timeout))
	n, err := c.Conn.Read(p)
	if err != nil && isTimeout(err) {
		return n, errTimedOut
	}
	return n, err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, errTimedOut) || (errors.As(err, &ne) && ne.Timeout())
}

// errnoText is an error as strerror says it ("Connection refused").
func errnoText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		return strings.ToUpper(s[:1]) + s[1:]
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// normalizeURL adds the http:// busybox assumes when there is no scheme.
func normalizeURL(raw string) (*url.URL, error) {
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("not an http or ftp url: %s", raw)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("not an http or ftp url: %s", raw)
	}
	return u, nil
}

// localName is the file a URL is saved to without -O.
func localName(u *url.URL) string {
	name := path.Base(u.Path)
	if name == "/" || name == "." || name == "" || strings.HasSuffix(u.Path, "/") {
		name = "index.html"
	}
	return name
}

func (f *fetcher) request(ctx context.Context, u *url.URL, offset int64) (*http.Request, error) {
	method := http.MethodGet
	var body io.Reader
	switch {
	case f.o.PostData != nil:
		method, body = http.MethodPost, strings.NewReader(*f.o.PostData)
	case f.o.PostFile != "":
		b, err := os.ReadFile(f.o.PostFile)
		if err != nil {
			return nil, fmt.Errorf("can't open '%s': %s", f.o.PostFile, errnoText(err))
		}
		method, body = http.MethodPost, strings.NewReader(string(b))
	case f.o.Spider:
		method = http.MethodHead
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, err
	}
	ua := f.o.UserAgent
	if ua == "" {
		ua = "Wget"
	}
	req.Header.Set("User-Agent", ua)
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if offset > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(offset, 10)+"-")
	}
	for _, h := range f.o.Headers {
		k, v, ok := strings.Cut(h, ":")
		if !ok {
			return nil, fmt.Errorf("bad header '%s'", h)
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if strings.EqualFold(k, "Host") {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	return req, nil
}

func (f *fetcher) fetch(ctx context.Context, raw string, out *os.File) error {
	u, err := normalizeURL(raw)
	if err != nil {
		return err
	}
	// Where the body goes: stdout, the -O file, or a file named after the URL.
	var dst io.Writer
	name := ""
	var offset int64
	switch {
	case f.o.Spider:
	case f.o.Output == "-":
		dst = f.stdout
	case out != nil:
		dst, name = out, f.o.Output
	default:
		name = localName(u)
		if f.o.Dir != "" {
			name = filepath.Join(f.o.Dir, name)
		}
		if f.o.Continue {
			if st, err := os.Stat(name); err == nil {
				offset = st.Size()
			}
		}
	}
	req, err := f.request(ctx, u, offset)
	if err != nil {
		return err
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return unwrapURLError(err)
	}
	defer resp.Body.Close()
	if f.o.ServerResponse {
		fmt.Fprintf(f.headers, "  %s %s\n", resp.Proto, resp.Status)
		writeHeaders(f.headers, resp.Header)
	}
	if resp.StatusCode/100 != 2 && !(offset > 0 && resp.StatusCode == http.StatusRequestedRangeNotSatisfiable) {
		return fmt.Errorf("server returned error: %s %s", resp.Proto, resp.Status)
	}
	if f.o.Spider {
		fmt.Fprintln(f.log, "remote file exists")
		return nil
	}
	if offset > 0 && resp.StatusCode == http.StatusRequestedRangeNotSatisfiable {
		return nil // already complete
	}
	if dst == nil {
		flags := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
		if offset > 0 && resp.StatusCode == http.StatusPartialContent {
			flags = os.O_CREATE | os.O_WRONLY | os.O_APPEND
		}
		file, err := os.OpenFile(name, flags, 0o666)
		if err != nil {
			return fmt.Errorf("can't open '%s': %s", name, errnoText(err))
		}
		defer file.Close()
		dst = file
	}
	if name == "" {
		fmt.Fprintln(f.log, "writing to stdout")
	} else {
		fmt.Fprintf(f.log, "saving to '%s'\n", name)
	}
	n, err := io.Copy(dst, resp.Body)
	if err != nil {
		if isTimeout(err) {
			return errTimedOut
		}
		return fmt.Errorf("error getting response: %s", errnoText(err))
	}
	label := "-"
	if name != "" {
		label = filepath.Base(name)
	}
	fmt.Fprintf(f.log, "%-20.20s 100%% |%s| %6d  0:00:00 ETA\n", label, strings.Repeat("*", 32), n)
	if name == "" {
		fmt.Fprintln(f.log, "written to stdout")
	} else {
		fmt.Fprintf(f.log, "'%s' saved\n", name)
	}
	return nil
}

// unwrapURLError drops net/http's "Get URL:" wrapping so the message is
// busybox's (timed out, can't connect, bad address).
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if isTimeout(err) {
		return errTimedOut
	}
	return err
}

// writeHeaders prints response headers as wget -S: indented by two
// spaces, sorted, then an indented empty line.
func writeHeaders(w io.Writer, h http.Header) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			fmt.Fprintf(w, "  %s: %s\n", k, v)
		}
	}
	fmt.Fprintln(w, "  ")
}
