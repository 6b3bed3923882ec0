package kubeproxy

import (
	"strings"
	"testing"
)

func TestOptions(t *testing.T) {
	for _, tc := range []struct {
		name  string
		tweak func(*Options)
		err   string
	}{
		{"defaults", func(*Options) {}, ""},
		{"no node", func(o *Options) { o.NodeName = "" }, "--hostname-override"},
		{"bad node ip", func(o *Options) { o.NodeIP = "fe80::1" }, "--node-ip"},
		{"bad cidr", func(o *Options) { o.ClusterCIDR = "10.244.0.0" }, "--cluster-cidr"},
		{"no cidr is fine", func(o *Options) { o.ClusterCIDR = "" }, ""},
		{"sync period below min", func(o *Options) { o.SyncPeriod = 100 * 1e6 }, "--sync-period"},
		{"mark bit", func(o *Options) { o.MasqueradeBit = 32 }, "--masquerade-bit"},
		{"backend", func(o *Options) { o.Backend = "ebpf" }, "--iptables-backend"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := DefaultOptions()
			o.NodeName = "node1"
			tc.tweak(&o)
			err := o.Validate()
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Errorf("Validate() = %v, want %q", err, tc.err)
			}
		})
	}
	o := DefaultOptions()
	if m := o.MasqueradeMark(); m != "0x4000" {
		t.Errorf("MasqueradeMark() = %s, want 0x4000", m)
	}
	o.NodeName = ""
	if err := o.Complete(); err != nil || o.NodeName == "" {
		t.Errorf("Complete() = %v, node %q", err, o.NodeName)
	}
}
