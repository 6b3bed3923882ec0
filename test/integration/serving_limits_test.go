package integration

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"minik8s/apiserver"
	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
	"minik8s/pkg/auth/authenticator"
	"minik8s/pkg/auth/user"
)

// mastersAuthenticator: "Bearer master" is a member of system:masters;
// everyone else is anonymous.
var mastersAuthenticator = authenticator.RequestFunc(func(r *http.Request) (*user.Info, bool, error) {
	if r.Header.Get("Authorization") == "Bearer master" {
		return &user.Info{Name: "admin", Groups: []string{user.SystemPrivilegedGroup, user.AllAuthenticated}}, true, nil
	}
	return nil, false, nil
})

func rawConn(t *testing.T, baseURL string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(baseURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedWithin reads c until the server closes it and returns how long
// that took (responses it sent first are read and dropped).
func closedWithin(t *testing.T, c net.Conn, limit time.Duration) (time.Duration, string) {
	t.Helper()
	start := time.Now()
	c.SetReadDeadline(start.Add(limit))
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("connection still open after %v: %v", limit, err)
	}
	return time.Since(start), string(b)
}

// slowPost starts a POST whose body never completes: it holds a mutating
// request in flight.
func slowPost(t *testing.T, baseURL, auth string) net.Conn {
	c := rawConn(t, baseURL)
	fmt.Fprintf(c, "POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n%s\r\n{\"metadata\":", auth)
	return c
}

// TestMaxRequestsInflight: beyond --max-mutating-requests-inflight the
// apiserver answers 429 with Retry-After: 1 and Kubernetes' Status;
// read-only requests have their own limit, watches are not counted, and
// system:masters is served over the limit (as Kubernetes' maxinflight).
func TestMaxRequestsInflight(t *testing.T) {
	ts := testserver.StartWithOptions(t, func(o *apiserver.Options) {
		o.Authenticator = mastersAuthenticator
		o.MaxRequestsInflight = 1
		o.MaxMutatingRequestsInflight = 2
	})
	coll := ts.URL + "/api/v1/namespaces/default/configmaps"
	// Watches are long-running: they take no read-only slot.
	for range 3 {
		startWatch(t, coll+"?watch=true")
	}
	mustDo(t, http.StatusOK, "GET", coll, "", "")

	slowPost(t, ts.URL, "")
	slowPost(t, ts.URL, "")
	for start := time.Now(); ; time.Sleep(10 * time.Millisecond) {
		if _, m := ts.Server().InflightRequests(); m == 2 {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatal("the two slow POSTs are not in flight")
		}
	}
	resp, err := client.Post(coll, "application/json", strings.NewReader(`{"metadata":{"name":"x"}}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third mutating request: %d %s, want 429", resp.StatusCode, b)
	}
	if ra := resp.Header.Get("Retry-After"); ra != "1" {
		t.Errorf("Retry-After %q, want 1", ra)
	}
	st := status(t, b)
	if st.Reason != "TooManyRequests" || st.Message != "Too many requests, please try again later." || st.Code != 429 {
		t.Errorf("status %+v", st)
	}
	// Read-only requests have their own limit.
	mustDo(t, http.StatusOK, "GET", coll, "", "")
	// system:masters is served over the limit.
	req, _ := http.NewRequest("POST", coll, strings.NewReader(`{"metadata":{"name":"by-admin"}}`))
	req.Header.Set("Authorization", "Bearer master")
	req.Header.Set("Content-Type", "application/json")
	r2, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != http.StatusCreated {
		t.Errorf("system:masters over the limit: %d, want 201", r2.StatusCode)
	}
}

// TestSlowClientsAreCut: a client that sends its headers slowly, one that
// sends its body slowly, and a keep-alive connection left idle are all
// closed after their timeouts; a watch outlives them all.
func TestSlowClientsAreCut(t *testing.T) {
	ts := testserver.StartWithOptions(t, func(o *apiserver.Options) {
		o.ReadHeaderTimeout = time.Second
		o.BodyReadTimeout = time.Second
		o.IdleTimeout = time.Second
	})
	coll := ts.URL + "/api/v1/namespaces/default/configmaps"
	w := startWatch(t, coll+"?watch=true")

	t.Run("slow header", func(t *testing.T) {
		c := rawConn(t, ts.URL)
		fmt.Fprintf(c, "GET /api/v1/namespaces HTTP/1.1\r\nHost: t\r\n")
		if d, _ := closedWithin(t, c, 10*time.Second); d > 3*time.Second {
			t.Errorf("closed after %v, want about 1s", d)
		}
	})
	t.Run("slow body", func(t *testing.T) {
		c := slowPost(t, ts.URL, "")
		d, out := closedWithin(t, c, 10*time.Second)
		if d > 3*time.Second {
			t.Errorf("closed after %v, want about 1s", d)
		}
		if !strings.HasPrefix(out, "HTTP/1.1 400") || !strings.Contains(out, "reading request body") {
			t.Errorf("answer %q, want a 400 naming the body", out)
		}
	})
	t.Run("idle keep-alive", func(t *testing.T) {
		c := rawConn(t, ts.URL)
		fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("healthz: %v %v", resp, err)
		}
		if d, _ := closedWithin(t, c, 10*time.Second); d > 3*time.Second {
			t.Errorf("idle connection closed after %v, want about 1s", d)
		}
	})
	t.Run("body sent in time", func(t *testing.T) {
		// A body that comes within the limit is served, and the request
		// is not cancelled after it (the deadline is cleared at the end of
		// the body).
		c := rawConn(t, ts.URL)
		body := `{"metadata":{"name":"in-time"}}`
		fmt.Fprintf(c, "POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body[:10])
		time.Sleep(500 * time.Millisecond)
		fmt.Fprint(c, body[10:])
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || resp.StatusCode != http.StatusCreated {
			t.Fatalf("POST: %v %v", resp, err)
		}
	})
	// The watch, idle on the read side for longer than every timeout, still
	// delivers.
	time.Sleep(1500 * time.Millisecond)
	mustDo(t, http.StatusCreated, "POST", coll, "application/json", `{"metadata":{"name":"late"}}`)
	for {
		select {
		case ev, ok := <-w.events:
			if !ok {
				t.Fatal("watch closed")
			}
			var cm api.ConfigMap
			if ev.Type == api.Added && json.Unmarshal(ev.Object, &cm) == nil && cm.Name == "late" {
				return
			}
		case <-time.After(10 * time.Second):
			t.Fatal("watch got no event after the timeouts")
		}
	}
}
