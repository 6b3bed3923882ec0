package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"minik8s/pkg/api"
)

// TestWatchDeliversEventsAfterServerEnd: when the server writes its last
// events and ends the stream, a slow reader still receives every one of
// them, the final ERROR 410 included (the end of the stream is not a Stop).
func TestWatchDeliversEventsAfterServerEnd(t *testing.T) {
	const n = 5
	_, c := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		for i := 1; i <= n; i++ {
			fmt.Fprintf(w, `{"type":"ADDED","object":{"metadata":{"name":"p%d","namespace":"d","resourceVersion":"%d"}}}`+"\n", i, i)
		}
		io.WriteString(w, `{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Expired","code":410,"message":"gone"}}`+"\n")
	})
	w, err := c.Pods("d").Watch(context.Background(), ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	var got []string
	for {
		time.Sleep(20 * time.Millisecond) // a slow consumer: the server has long finished
		ev, ok := <-w.ResultChan()
		if !ok {
			break
		}
		if ev.Type == api.Error {
			got = append(got, fmt.Sprintf("ERROR gone=%v", IsGone(ev.Err())))
			continue
		}
		got = append(got, ev.Type+" "+ev.Object.GetObjectMeta().Name)
	}
	if len(got) != n+1 || got[n] != "ERROR gone=true" {
		t.Fatalf("events %q: want %d ADDED then ERROR gone=true", got, n)
	}
}

// TestWatchRawDeliversEventsAfterServerEnd is the same for a raw watch.
func TestWatchRawDeliversEventsAfterServerEnd(t *testing.T) {
	_, c := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"type":"ADDED","object":{"metadata":{"name":"a"}}}`+"\n")
		io.WriteString(w, `{"type":"DELETED","object":{"metadata":{"name":"a"}}}`+"\n")
	})
	w, err := c.WatchRaw(context.Background(), "/api/v1/nodes", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	var got []string
	for {
		time.Sleep(20 * time.Millisecond)
		ev, ok := <-w.ResultChan()
		if !ok {
			break
		}
		got = append(got, ev.Type)
	}
	if len(got) != 2 || got[1] != api.Deleted {
		t.Fatalf("events %q, want ADDED, DELETED", got)
	}
}

// TestWatchContextEndCloses: ending the caller's context closes the channel
// even when nobody reads.
func TestWatchContextEndCloses(t *testing.T) {
	_, c := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 3; i++ {
			io.WriteString(w, `{"type":"ADDED","object":{"metadata":{"name":"a"}}}`+"\n")
		}
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	ctx, cancel := context.WithCancel(context.Background())
	w, err := c.Nodes().Watch(ctx, ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	cancel()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-w.ResultChan():
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("channel not closed after the context ended")
		}
	}
}
