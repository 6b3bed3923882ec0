package netinfo

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestCollectOwnNamespace reads the test's own namespace (no root needed):
// the loopback device is there with 127.0.0.1/8, and the local table has
// its local route.
func TestCollectOwnNamespace(t *testing.T) {
	c := Collector{Node: "n1", Backend: "vxlan"}
	n := c.Collect(context.Background(), []PodRef{{Namespace: "default", Name: "web", HostNetwork: true}, {Namespace: "default", Name: "gone", NetNS: "/nonexistent/netns"}})
	var lo *Link
	for i := range n.Links {
		if n.Links[i].Name == "lo" {
			lo = &n.Links[i]
		}
	}
	if lo == nil || lo.Kind != "loopback" || len(lo.Addresses) == 0 || lo.Addresses[0] != "127.0.0.1/8" {
		t.Fatalf("lo = %+v, want a loopback link with 127.0.0.1/8", lo)
	}
	found := false
	for _, r := range n.Routes {
		if r.Dst == "127.0.0.1/32" && r.Type == "local" && r.Table == 255 {
			found = true
		}
	}
	if !found {
		t.Errorf("routes %+v: no local 127.0.0.1/32 in table 255", n.Routes)
	}
	if len(n.Pods) != 2 || n.Pods[0].Name != "gone" || !strings.Contains(n.Pods[0].Error, "/nonexistent/netns") || !n.Pods[1].HostNetwork {
		t.Errorf("pods = %+v", n.Pods)
	}
	if _, err := json.Marshal(n); err != nil {
		t.Fatal(err)
	}
}

func TestValidateProbe(t *testing.T) {
	for _, tc := range []struct {
		req     ProbeRequest
		wantErr string
	}{
		{ProbeRequest{IP: "10.96.0.10", Port: 53}, ""},
		{ProbeRequest{Protocol: "udp", IP: "10.96.0.10", Port: 53, Namespace: "a", Pod: "b"}, ""},
		{ProbeRequest{Protocol: "sctp", IP: "10.96.0.10", Port: 53}, `protocol "sctp": want tcp or udp`},
		{ProbeRequest{IP: "nope", Port: 53}, `ip "nope": want an IPv4 address`},
		{ProbeRequest{IP: "10.0.0.1", Port: 0}, "port 0: want 1-65535"},
		{ProbeRequest{IP: "10.0.0.1", Port: 80, Pod: "b"}, "give both"},
		{ProbeRequest{IP: "10.0.0.1", Port: 80, TimeoutMillis: -1}, "timeoutMillis -1"},
	} {
		_, err := ValidateProbe(&tc.req)
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%+v: err = %v, want %q", tc.req, err, tc.wantErr)
		}
	}
}

// TestProbeLoopback probes a closed and an open loopback port from the
// test's own namespace.
func TestProbeLoopback(t *testing.T) {
	res := Probe(context.Background(), "", ProbeRequest{Protocol: "tcp", IP: "127.0.0.1", Port: 1}, DefaultProbeTimeout)
	if res.Outcome != "refused" {
		t.Errorf("closed port: %+v, want refused", res)
	}
}
