package client

import (
	"errors"
	"fmt"
	"net"
	"os"
	"time"
)

// ErrNotInCluster: the process does not run in a pod (no service
// environment), as client-go's rest.ErrNotInCluster.
var ErrNotInCluster = errors.New("unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined")

// Where Kubernetes mounts a pod's service account credentials (the
// projected kube-api-access volume).
const (
	ServiceAccountDir           = "/var/run/secrets/kubernetes.io/serviceaccount"
	serviceAccountTokenFile     = ServiceAccountDir + "/token"
	serviceAccountCAFile        = ServiceAccountDir + "/ca.crt"
	serviceAccountNamespaceFile = ServiceAccountDir + "/namespace"
)

// InClusterConfig is how a pod (an add-on such as the cluster DNS or the
// ingress controller) reaches the apiserver: through the `kubernetes`
// Service whose address the kubelet puts in every container's
// environment (KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT), as
// client-go's rest.InClusterConfig: https://HOST:PORT, trusting the
// service account's ca.crt (when it is there) and sending its token
// (BearerTokenFile, re-read as the kubelet rotates it).
//
// A pod without a service account token (a cluster whose apiserver issues
// no tokens: it serves plain HTTP, the Service's port 443 forwarding to
// it) gets http://HOST:PORT and no credentials. The namespace is the
// service account's namespace file when it exists, else POD_NAMESPACE,
// else "".
func InClusterConfig() (*Config, error) {
	return inClusterConfig(os.Getenv, os.ReadFile)
}

func inClusterConfig(getenv func(string) string, readFile func(string) ([]byte, error)) (*Config, error) {
	host, port := getenv("KUBERNETES_SERVICE_HOST"), getenv("KUBERNETES_SERVICE_PORT")
	if host == "" || port == "" {
		return nil, ErrNotInCluster
	}
	cfg := &Config{
		Server:    "http://" + net.JoinHostPort(host, port),
		Timeout:   30 * time.Second,
		Namespace: getenv("POD_NAMESPACE"),
		Source:    "in-cluster",
	}
	if b, err := readFile(serviceAccountNamespaceFile); err == nil && len(b) > 0 {
		cfg.Namespace = string(b)
	}
	token, err := readFile(serviceAccountTokenFile)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return cfg, nil
	case err != nil:
		return nil, fmt.Errorf("in-cluster configuration: %w", err)
	}
	cfg.Server = "https://" + net.JoinHostPort(host, port)
	cfg.BearerToken, cfg.BearerTokenFile = string(token), serviceAccountTokenFile
	if ca, err := readFile(serviceAccountCAFile); err == nil && len(ca) > 0 {
		cfg.TLS.CAFile = serviceAccountCAFile
	}
	return cfg, nil
}

// LoadAddonConfig is how an add-on finds the apiserver: the flags
// (o.Server, o.Kubeconfig) when given; without them, in a pod, the
// kubernetes Service (InClusterConfig); otherwise the usual kubeconfig
// search of LoadConfig.
func LoadAddonConfig(o LoadOptions) (*Config, error) {
	if o.Server == "" && o.Kubeconfig == "" {
		cfg, err := InClusterConfig()
		if err == nil {
			return cfg, nil
		}
		if !errors.Is(err, ErrNotInCluster) {
			return nil, err
		}
	}
	return LoadConfig(o)
}
