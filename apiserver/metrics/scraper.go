package metrics

import (
	"context"
	"fmt"
	"log"
	"sync"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/wait"
)

// SummaryFetcher gets a node's Summary API (/stats/summary) from its kubelet.
type SummaryFetcher interface {
	Summary(ctx context.Context, node *api.Node) (*api.Summary, error)
}

// NodeLister lists the cluster's nodes.
type NodeLister func(ctx context.Context) ([]*api.Node, error)

// DefaultResolution is how often the kubelets are scraped (metrics-server's
// --metric-resolution default).
const DefaultResolution = 15 * time.Second

// maxParallel bounds the concurrent kubelet requests of one scrape.
const maxParallel = 16

// Scraper polls every Ready node's kubelet each Resolution and adds what
// it sees to Store.
type Scraper struct {
	Nodes      NodeLister
	Fetcher    SummaryFetcher
	Store      *Store
	Resolution time.Duration    // 0: DefaultResolution
	Timeout    time.Duration    // per kubelet request; 0: min(10 s, Resolution)
	Now        func() time.Time // the clock of the scrape times; nil: time.Now
}

func (s *Scraper) resolution() time.Duration {
	if s.Resolution > 0 {
		return s.Resolution
	}
	return DefaultResolution
}

// Run scrapes at once and then every resolution until ctx ends.
func (s *Scraper) Run(ctx context.Context) error {
	wait.Every(ctx, s.resolution(), s.Scrape, func(err error) { log.Printf("metrics: %v", err) })
	return nil
}

// Scrape runs one cycle: list the nodes, fetch the Ready ones' summaries
// in parallel, store what came back. A node that fails is left out of the
// batch (its points are forgotten); the error names every failed node.
func (s *Scraper) Scrape(ctx context.Context) error {
	nodes, err := s.Nodes(ctx)
	if err != nil {
		return fmt.Errorf("listing nodes: %w", err)
	}
	nodes = readyNodes(nodes)
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = min(10*time.Second, s.resolution())
	}
	now := s.Now
	if now == nil {
		now = time.Now
	}
	type result struct {
		node *api.Node
		sum  *api.Summary
		at   time.Time
		err  error
	}
	results := make([]result, len(nodes))
	sem := make(chan struct{}, maxParallel)
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			rctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			sum, err := s.Fetcher.Summary(rctx, n)
			results[i] = result{node: n, sum: sum, at: now(), err: err}
		}()
	}
	wg.Wait()
	b := Batch{Nodes: map[string]Point{}, Pods: map[PodKey]map[string]Point{}}
	var errs []error
	for _, r := range results {
		if r.err != nil {
			errs = append(errs, fmt.Errorf("scraping node %s: %w", r.node.Name, r.err))
			continue
		}
		addSummary(&b, r.node.Name, r.sum, r.at)
	}
	s.Store.Add(b)
	if len(errs) > 0 {
		return fmt.Errorf("%d of %d nodes failed: %w", len(errs), len(nodes), errs[0])
	}
	return nil
}

// readyNodes are the nodes whose Ready condition is True.
func readyNodes(nodes []*api.Node) []*api.Node {
	out := make([]*api.Node, 0, len(nodes))
	for _, n := range nodes {
		for _, c := range n.Status.Conditions {
			if c.Type == api.NodeReady && c.Status == api.ConditionTrue {
				out = append(out, n)
				break
			}
		}
	}
	return out
}

// addSummary adds a node's summary, read at at, to a batch: the node's
// point (if complete) and each complete pod's container points.
func addSummary(b *Batch, node string, sum *api.Summary, at time.Time) {
	if sum == nil {
		return
	}
	if p, ok := nodePoint(sum.Node, at); ok {
		b.Nodes[node] = p
	}
	for _, ps := range sum.Pods {
		key := PodKey{Namespace: ps.PodRef.Namespace, Name: ps.PodRef.Name}
		if _, dup := b.Pods[key]; dup {
			continue
		}
		if cs, ok := podPoints(ps, at); ok {
			b.Pods[key] = cs
		}
	}
}
