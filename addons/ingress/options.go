package ingress

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/pflag"

	"minik8s/pkg/client"
	"minik8s/pkg/labels"
)

// Options is every setting of `minik8s ingress`, with its flag and default.
type Options struct {
	BindAddress     string        // --bind-address: the address the proxy and /healthz listen on ("": every address)
	HTTPPort        int           // --http-port: where the proxy listens
	HealthPort      int           // --health-port: /healthz (0: none)
	IngressClass    string        // --ingress-class: the IngressClass name served
	Controller      string        // --controller-class: spec.controller of the classes served
	NodeName        string        // --node-name (default $NODE_NAME, then the hostname)
	Namespace       string        // --namespace: of the controller's pods and status lease (default $POD_NAMESPACE, then kube-system)
	PublishSelector string        // --publish-selector: labels of the controller's pods
	UpdateStatus    bool          // --update-status: write status.loadBalancer (leader-elected)
	MinSyncPeriod   time.Duration // --min-sync-period: least time between two route rebuilds
	Kubeconfig      string        // --kubeconfig
	Server          string        // --server
	RequestTimeout  time.Duration // --request-timeout
}

// Defaults of the contract the add-on's DaemonSet and IngressClass follow.
const (
	DefaultClassName       = "minik8s"
	DefaultControllerName  = "minik8s.io/ingress"
	DefaultPublishSelector = "app.kubernetes.io/name=minik8s-ingress"
)

// DefaultOptions returns the defaults.
func DefaultOptions() Options {
	return Options{
		HTTPPort:        80,
		HealthPort:      10254,
		IngressClass:    DefaultClassName,
		Controller:      DefaultControllerName,
		NodeName:        os.Getenv("NODE_NAME"),
		Namespace:       os.Getenv("POD_NAMESPACE"),
		PublishSelector: DefaultPublishSelector,
		UpdateStatus:    true,
		MinSyncPeriod:   100 * time.Millisecond,
		RequestTimeout:  30 * time.Second,
	}
}

// AddFlags registers the flags on fs.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.BindAddress, "bind-address", o.BindAddress, "address the proxy and /healthz listen on (default: every address)")
	fs.IntVar(&o.HTTPPort, "http-port", o.HTTPPort, "port the HTTP proxy listens on")
	fs.IntVar(&o.HealthPort, "health-port", o.HealthPort, "port of /healthz (0: none)")
	fs.StringVar(&o.IngressClass, "ingress-class", o.IngressClass, "name of the IngressClass this controller serves (also the legacy kubernetes.io/ingress.class value)")
	fs.StringVar(&o.Controller, "controller-class", o.Controller, "spec.controller of the IngressClasses this controller serves")
	fs.StringVar(&o.NodeName, "node-name", o.NodeName, "this node's name (default $NODE_NAME, then the hostname)")
	fs.StringVar(&o.Namespace, "namespace", o.Namespace, "namespace of the controller's pods and status lease (default $POD_NAMESPACE, then kube-system)")
	fs.StringVar(&o.PublishSelector, "publish-selector", o.PublishSelector, "label selector of the controller's pods, whose nodes' addresses go into the Ingresses' status")
	fs.BoolVar(&o.UpdateStatus, "update-status", o.UpdateStatus, "write status.loadBalancer.ingress of the Ingresses (one leader-elected replica)")
	fs.DurationVar(&o.MinSyncPeriod, "min-sync-period", o.MinSyncPeriod, "least time between two route rebuilds (changes in between are batched)")
	fs.StringVar(&o.Kubeconfig, "kubeconfig", o.Kubeconfig, "kubeconfig file of the cluster")
	fs.StringVar(&o.Server, "server", o.Server, "URL of the apiserver (default: in a pod, the kubernetes Service)")
	fs.DurationVar(&o.RequestTimeout, "request-timeout", o.RequestTimeout, "timeout of one apiserver request (not watches)")
}

// Complete fills the defaults that depend on the machine.
func (o *Options) Complete() error {
	if o.NodeName == "" {
		h, err := os.Hostname()
		if err != nil {
			return fmt.Errorf("hostname: %w", err)
		}
		o.NodeName = h
	}
	if o.Namespace == "" {
		o.Namespace = "kube-system"
	}
	return nil
}

// Validate checks the options.
func (o *Options) Validate() error {
	var errs []error
	if o.HTTPPort < 1 || o.HTTPPort > 65535 {
		errs = append(errs, fmt.Errorf("--http-port %d: want 1-65535", o.HTTPPort))
	}
	if o.HealthPort < 0 || o.HealthPort > 65535 || o.HealthPort == o.HTTPPort {
		errs = append(errs, fmt.Errorf("--health-port %d: want 0-65535, not --http-port", o.HealthPort))
	}
	if o.IngressClass == "" || o.Controller == "" {
		errs = append(errs, errors.New("--ingress-class and --controller-class are required"))
	}
	if _, err := labels.Parse(o.PublishSelector); err != nil {
		errs = append(errs, fmt.Errorf("--publish-selector: %w", err))
	}
	if o.MinSyncPeriod < 0 {
		errs = append(errs, fmt.Errorf("--min-sync-period %v: must not be negative", o.MinSyncPeriod))
	}
	return errors.Join(errs...)
}

// clientConfig finds the apiserver: --server, --kubeconfig, and in a pod
// without either the kubernetes Service (client.InClusterConfig), else the
// usual kubeconfig search.
func (o *Options) clientConfig() (*client.Config, error) {
	return client.LoadAddonConfig(client.LoadOptions{Server: o.Server, Kubeconfig: o.Kubeconfig})
}
