package client

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		code   int
		header string
		want   time.Duration
		ok     bool
	}{
		{429, "1", time.Second, true},
		{429, "0", 0, true},
		{503, "2", 2 * time.Second, true},
		{500, "1", time.Second, true},
		{429, "", 0, false},     // no Retry-After: no retry
		{503, "", 0, false},     // 5xx without Retry-After: no retry
		{409, "1", 0, false},    // not 429 nor 5xx
		{429, "soon", 0, false}, // not whole seconds (client-go: strconv.Atoi)
		{429, "-1", 0, false},
	}
	for _, tt := range tests {
		resp := &http.Response{StatusCode: tt.code, Header: http.Header{}}
		if tt.header != "" {
			resp.Header.Set("Retry-After", tt.header)
		}
		got, ok := retryAfter(resp)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%d Retry-After %q: %v %v, want %v %v", tt.code, tt.header, got, ok, tt.want, tt.ok)
		}
	}
}

// retryServer answers 429 (Retry-After: after) to the first `busy`
// requests, then 201 echoing the body; it counts requests and checks that
// every attempt carries the whole body.
func retryServer(t *testing.T, busy int64, after string) (*Client, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if string(b) != `{"metadata":{"name":"x"}}` {
			t.Errorf("attempt %d: body %q", n.Load()+1, b)
		}
		if n.Add(1) <= busy {
			w.Header().Set("Retry-After", after)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"Too many requests, please try again later.","reason":"TooManyRequests","code":429}`)
			return
		}
		w.WriteHeader(http.StatusCreated)
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	c, err := New(&Config{Server: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return c, &n
}

func TestDoRetriesTooManyRequests(t *testing.T) {
	c, n := retryServer(t, 3, "0")
	b, err := c.Do(context.Background(), "POST", "/api/v1/namespaces/default/configmaps", []byte(`{"metadata":{"name":"x"}}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"metadata":{"name":"x"}}` || n.Load() != 4 {
		t.Errorf("body %q after %d requests, want the echo after 4", b, n.Load())
	}
}

func TestDoRetriesAreBounded(t *testing.T) {
	c, n := retryServer(t, 1000, "0")
	_, err := c.Do(context.Background(), "POST", "/x", []byte(`{"metadata":{"name":"x"}}`), nil)
	var se *StatusError
	if !errors.As(err, &se) || se.Status.Code != http.StatusTooManyRequests || ReasonForError(err) != "TooManyRequests" {
		t.Fatalf("err %v, want the 429 StatusError", err)
	}
	if n.Load() != maxRetries+1 {
		t.Errorf("%d requests, want %d (1 + %d retries, as client-go)", n.Load(), maxRetries+1, maxRetries)
	}
}

func TestDoWaitsRetryAfter(t *testing.T) {
	c, n := retryServer(t, 1, "1")
	start := time.Now()
	if _, err := c.Do(context.Background(), "POST", "/x", []byte(`{"metadata":{"name":"x"}}`), nil); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < time.Second || d > 3*time.Second || n.Load() != 2 {
		t.Errorf("done after %v and %d requests, want 2 requests a second apart", d, n.Load())
	}
	// The wait ends with the context.
	c, _ = retryServer(t, 1, strconv.Itoa(30))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start = time.Now()
	_, err := c.Do(ctx, "POST", "/x", []byte(`{"metadata":{"name":"x"}}`), nil)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Errorf("err %v after %v, want the context's deadline at once", err, time.Since(start))
	}
}
