package network

import (
	"strings"
	"testing"
)

func TestOptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		name    string
		edit    func(*Options)
		wantErr string
	}{
		{"node name given", func(o *Options) { o.NodeName = "n1" }, ""},
		{"no node name", func(*Options) {}, "--node-name is required"},
		{"bad backend", func(o *Options) { o.NodeName = "n1"; o.Backend = "udp" }, `--backend "udp"`},
		{"host-gw", func(o *Options) { o.NodeName = "n1"; o.Backend = BackendHostGW }, ""},
		{"bad cluster CIDR", func(o *Options) { o.NodeName = "n1"; o.ClusterCIDR = "fd00::/64" }, "--cluster-cidr"},
		{"bad node IP", func(o *Options) { o.NodeName = "n1"; o.NodeIP = "nope" }, "--node-ip"},
		{"no resync", func(o *Options) { o.NodeName = "n1"; o.ResyncInterval = 0 }, "--resync"},
	} {
		o := DefaultOptions()
		tc.edit(&o)
		err := o.Validate()
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%s: Validate() = %v, want %q", tc.name, err, tc.wantErr)
		}
	}
}

func TestMTU(t *testing.T) {
	for _, tc := range []struct {
		backend          string
		uplink, explicit int
		want             int
	}{
		{BackendVXLAN, 1500, 0, 1450},
		{BackendHostGW, 1500, 0, 1500},
		{BackendVXLAN, 9000, 0, 8950},
		{BackendVXLAN, 1500, 1400, 1400},
	} {
		if got := MTU(tc.backend, tc.uplink, tc.explicit); got != tc.want {
			t.Errorf("MTU(%s, %d, %d) = %d, want %d", tc.backend, tc.uplink, tc.explicit, got, tc.want)
		}
	}
}
