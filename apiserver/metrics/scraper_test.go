package metrics

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"minik8s/pkg/api"
)

func node(name string, ready bool) *api.Node {
	st := "False"
	if ready {
		st = api.ConditionTrue
	}
	return &api.Node{ObjectMeta: api.ObjectMeta{Name: name},
		Status: api.NodeStatus{Conditions: []api.NodeCondition{{Type: api.NodeReady, Status: st}}}}
}

// fakeClock advances by a fixed step at each reading.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestScraper(t *testing.T) {
	ctx := context.Background()
	f := NewFakeFetcher()
	clock := &fakeClock{now: t0}
	nodes := []*api.Node{node("n1", true), node("n2", true), node("down", false)}
	store := NewStore()
	s := &Scraper{Nodes: func(context.Context) ([]*api.Node, error) { return nodes, nil }, Fetcher: f, Store: store, Now: clock.Now}

	f.SetNode("n1", 1e12, 1<<30)
	f.SetContainer("n1", "default", "web", "app", 1e9, 50<<20)
	f.SetContainer("n1", "default", "web", "sidecar", 0, 10<<20)
	f.SetNode("down", 0, 0)
	if err := s.Scrape(ctx); err == nil || !strings.Contains(err.Error(), "node n2") {
		t.Fatalf("scrape with n2 failing: %v", err)
	}
	if f.Calls() != 2 {
		t.Fatalf("%d summaries asked, want 2 (the NotReady node is skipped)", f.Calls())
	}
	if _, ok := store.PodUsage(PodKey{"default", "web"}); ok {
		t.Fatal("pod usage after one scrape")
	}

	clock.Add(15 * time.Second)
	f.SetNode("n1", 1e12+15e9, 1<<30)                              // one core
	f.SetContainer("n1", "default", "web", "app", 1e9+3e9, 60<<20) // 200m
	f.SetContainer("n1", "default", "web", "sidecar", 15e7, 10<<20)
	f.SetNode("n2", 0, 0)
	if err := s.Scrape(ctx); err != nil {
		t.Fatal(err)
	}
	cs, ok := store.PodUsage(PodKey{"default", "web"})
	if !ok || len(cs) != 2 || cs[0].Name != "app" || cs[0].NanoCores != 2e8 || cs[0].Memory != 60<<20 || cs[1].NanoCores != 1e7 ||
		cs[0].Window != 15*time.Second || !cs[0].Timestamp.Equal(t0.Add(15*time.Second)) {
		t.Fatalf("pod usage = %+v, %v", cs, ok)
	}
	if u, ok := store.NodeUsage("n1"); !ok || u.NanoCores != 1e9 {
		t.Fatalf("node usage = %+v, %v", u, ok)
	}
	if _, ok := store.NodeUsage("n2"); ok {
		t.Fatal("n2 has usage after its first successful scrape")
	}

	// n1 fails: its node and pods are forgotten.
	f.RemoveNode("n1")
	clock.Add(15 * time.Second)
	if err := s.Scrape(ctx); err == nil {
		t.Fatal("no error for n1")
	}
	if _, ok := store.PodUsage(PodKey{"default", "web"}); ok {
		t.Fatal("pod of a failed node still has usage")
	}
}

func TestScraperRunStopsWithContext(t *testing.T) {
	f := NewFakeFetcher()
	f.SetNode("n1", 0, 0)
	s := &Scraper{Nodes: func(context.Context) ([]*api.Node, error) { return []*api.Node{node("n1", true)}, nil },
		Fetcher: f, Store: NewStore(), Resolution: 10 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for f.Calls() < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil || f.Calls() < 3 {
		t.Fatalf("Run = %v after %d scrapes", err, f.Calls())
	}
}

func TestHTTPFetcher(t *testing.T) {
	want := api.Summary{Node: api.NodeStats{NodeName: "n1", CPU: &api.CPUStats{UsageCoreNanoSeconds: u64(5)}}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/stats/summary" {
			http.Error(w, "no such path", http.StatusNotFound)
			return
		}
		json.NewEncoder(w).Encode(want)
	}))
	defer srv.Close()
	base, _ := url.Parse(srv.URL)
	f := &HTTPFetcher{Client: srv.Client(), URL: func(*api.Node) (*url.URL, error) { u := *base; return &u, nil }}
	got, err := f.Summary(context.Background(), node("n1", true))
	if err != nil || got.Node.NodeName != "n1" || *got.Node.CPU.UsageCoreNanoSeconds != 5 {
		t.Fatalf("summary = %+v, %v", got, err)
	}
	f.URL = func(*api.Node) (*url.URL, error) { u := *base; u.Path = "/elsewhere"; return &u, nil }
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) })
	if _, err := f.Summary(context.Background(), node("n1", true)); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("error = %v", err)
	}
}

func TestFakeFetcherRate(t *testing.T) {
	f := NewFakeFetcher()
	f.SetContainerUsage("n1", "ns", "p", "c", 5e8, 1<<20)
	s := &Scraper{Nodes: func(context.Context) ([]*api.Node, error) { return []*api.Node{node("n1", true)}, nil }, Fetcher: f, Store: NewStore()}
	if err := s.Scrape(context.Background()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if err := s.Scrape(context.Background()); err != nil {
		t.Fatal(err)
	}
	cs, ok := s.Store.PodUsage(PodKey{"ns", "p"})
	if !ok || cs[0].NanoCores < 4.9e8 || cs[0].NanoCores > 5.1e8 || cs[0].Memory != 1<<20 {
		t.Fatalf("usage = %+v, %v; want about 500m", cs, ok)
	}
}
