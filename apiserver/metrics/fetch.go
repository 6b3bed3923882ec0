package metrics

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"minik8s/pkg/api"
)

// HTTPFetcher reads /stats/summary from the kubelet URL of a node.
type HTTPFetcher struct {
	Client *http.Client
	// URL is the kubelet's base URL for a node (scheme and host).
	URL func(node *api.Node) (*url.URL, error)
}

var _ SummaryFetcher = (*HTTPFetcher)(nil)

// maxSummaryBytes bounds a summary body (a few hundred pods fit easily).
const maxSummaryBytes = 32 << 20

// Summary implements SummaryFetcher.
func (f *HTTPFetcher) Summary(ctx context.Context, node *api.Node) (*api.Summary, error) {
	u, err := f.URL(node)
	if err != nil {
		return nil, err
	}
	u.Path = "/stats/summary"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("summary request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := f.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("get %s: %s: %s", u, resp.Status, strings.TrimSpace(string(b)))
	}
	var sum api.Summary
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxSummaryBytes)).Decode(&sum); err != nil {
		return nil, fmt.Errorf("decoding summary from %s: %w", u, err)
	}
	return &sum, nil
}
