package kubeproxy

import (
	"context"
	"sync"

	"minik8s/kubeproxy/proxy"
)

// fakeConntrack records the cleanups asked for.
type fakeConntrack struct {
	mu    sync.Mutex
	calls int
}

func (c *fakeConntrack) CleanStale(context.Context, []proxy.ServicePort, map[string][]proxy.Endpoint) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	return 0, nil
}
