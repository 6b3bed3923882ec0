package kubelet

import (
	"context"
	"net/http"
)

func (k *Kubelet) startServer(ctx context.Context) (*http.Server, error) { return nil, nil }
