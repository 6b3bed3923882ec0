package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// Stream GETs path with query q and returns the body of a 2xx answer to
// read as it arrives (pods/log); any other answer becomes a *StatusError.
// The caller closes the body.
func (c *Client) Stream(ctx context.Context, path string, q url.Values) (io.ReadCloser, error) {
	req, err := c.newRequest(ctx, http.MethodGet, path, q, nil, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "*/*")
	resp, err := c.stream.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer resp.Body.Close()
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return nil, NewStatusError(resp.StatusCode, data)
	}
	return resp.Body, nil
}
