package controller

import (
	"context"
	"strings"
	"testing"
)

func TestOptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		name    string
		edit    func(*Options)
		wantErr string
	}{
		{"defaults", func(*Options) {}, ""},
		{"no apiserver", func(o *Options) { o.APIServer = "" }, "--apiserver is required"},
		{"bad cluster CIDR", func(o *Options) { o.ClusterCIDR = "10.244.0.0" }, "--cluster-cidr"},
		{"mask shorter than the cluster", func(o *Options) { o.NodeCIDRMaskSize = 8 }, "between the cluster prefix length 16 and 30"},
		{"IPAM off ignores the CIDR", func(o *Options) { o.AllocateNodeCIDRs = false; o.ClusterCIDR = "x" }, ""},
		{"no namespace workers", func(o *Options) { o.ConcurrentNamespaceSyncs = 0 }, "--concurrent-namespace-syncs"},
		{"no deployment workers", func(o *Options) { o.ConcurrentDeploymentSyncs = 0 }, "--concurrent-deployment-syncs"},
		{"no gc workers", func(o *Options) { o.ConcurrentGCSyncs = 0 }, "--concurrent-gc-syncs"},
		{"gc off ignores its workers", func(o *Options) { o.GarbageCollector = false; o.ConcurrentGCSyncs = 0 }, ""},
		{"no endpoint workers", func(o *Options) { o.ConcurrentEndpointSyncs = 0 }, "--concurrent-endpoint-syncs"},
		{"slices too large", func(o *Options) { o.MaxEndpointsPerSlice = 1001 }, "--max-endpoints-per-slice"},
	} {
		o := DefaultOptions()
		tc.edit(&o)
		err := o.Validate()
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%s: Validate() = %v, want %q", tc.name, err, tc.wantErr)
		}
	}
}

func TestRunWithoutControllers(t *testing.T) {
	o := DefaultOptions()
	o.AllocateNodeCIDRs = false
	o.NamespaceController = false
	o.DeploymentController = false
	o.GarbageCollector = false
	o.ReplicaSetController = false
	o.EndpointController = false
	o.EndpointSliceController = false
	if err := Run(context.Background(), o); err == nil || !strings.Contains(err.Error(), "no controller enabled") {
		t.Errorf("Run = %v, want 'no controller enabled'", err)
	}
}

func TestCommandFlags(t *testing.T) {
	cmd := NewCommand()
	for _, f := range []string{"apiserver", "cluster-cidr", "node-cidr-mask-size", "allocate-node-cidrs", "resync",
		"namespace-controller", "concurrent-namespace-syncs", "namespace-sync-period", "enable-garbage-collector", "concurrent-gc-syncs",
		"replicaset-controller", "concurrent-replicaset-syncs", "concurrent-rc-syncs", "deployment-controller", "concurrent-deployment-syncs",
		"endpoint-controller", "concurrent-endpoint-syncs", "endpointslice-controller", "concurrent-service-endpoint-syncs", "max-endpoints-per-slice"} {
		if cmd.Flags().Lookup(f) == nil {
			t.Errorf("flag --%s missing", f)
		}
	}
	if def := cmd.Flags().Lookup("cluster-cidr").DefValue; def != "10.244.0.0/16" {
		t.Errorf("--cluster-cidr default %q", def)
	}
}
