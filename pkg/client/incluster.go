package client

import (
	"errors"
	"net"
	"os"
	"time"
)

// ErrNotInCluster: the process does not run in a pod (no service
// environment), as client-go's rest.ErrNotInCluster.
var ErrNotInCluster = errors.New("unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined")

// InClusterConfig is how a pod (an add-on such as the cluster DNS or the
// ingress controller) reaches the apiserver: through the `kubernetes`
// Service whose address the kubelet puts in every container's
// environment (KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT), as
// client-go's rest.InClusterConfig.
//
// The scheme is http:// until the apiserver serves HTTPS (the security
// issue): the Service's port 443 forwards to the apiserver's plain-HTTP
// port 6443, so the URL is e.g. http://10.96.0.1:443. There is no service
// account token or CA yet; the namespace is the service account's
// namespace file when it exists, else POD_NAMESPACE, else "".
func InClusterConfig() (*Config, error) {
	return inClusterConfig(os.Getenv, os.ReadFile)
}

// serviceAccountNamespaceFile is where Kubernetes mounts the pod's namespace.
const serviceAccountNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

func inClusterConfig(getenv func(string) string, readFile func(string) ([]byte, error)) (*Config, error) {
	host, port := getenv("KUBERNETES_SERVICE_HOST"), getenv("KUBERNETES_SERVICE_PORT")
	if host == "" || port == "" {
		return nil, ErrNotInCluster
	}
	ns := getenv("POD_NAMESPACE")
	if b, err := readFile(serviceAccountNamespaceFile); err == nil && len(b) > 0 {
		ns = string(b)
	}
	return &Config{
		Server:    "http://" + net.JoinHostPort(host, port),
		Timeout:   30 * time.Second,
		Namespace: ns,
		Source:    "in-cluster",
	}, nil
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
