package client

import (
	"fmt"
	"log"
)

// NewForComponent is how a component (kubelet, network agent, kube-proxy,
// scheduler, controller-manager) reaches the apiserver: with a
// --kubeconfig, that file's server, CA and credentials, the server
// replaced by --apiserver when it was set to something other than its
// default; without one, --apiserver alone. base carries the timeout and
// user agent.
func NewForComponent(kubeconfig, apiserver string, base Config) (*Client, error) {
	cfg := base
	if cfg.FailoverLogf == nil {
		cfg.FailoverLogf = log.Printf
	}
	cfg.Server = apiserver
	if kubeconfig != "" {
		o := LoadOptions{Kubeconfig: kubeconfig}
		if apiserver != DefaultServer {
			o.Server = apiserver
		}
		kc, err := LoadConfig(o)
		if err != nil {
			return nil, fmt.Errorf("--kubeconfig: %w", err)
		}
		cfg.Server, cfg.Servers, cfg.TLS, cfg.BearerToken, cfg.BearerTokenFile = kc.Server, kc.Servers, kc.TLS, kc.BearerToken, kc.BearerTokenFile
	}
	return New(&cfg)
}
