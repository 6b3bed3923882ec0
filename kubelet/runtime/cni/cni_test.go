package cni

import (
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/containernetworking/cni/libcni"
	current "github.com/containernetworking/cni/pkg/types/100"
)

func TestBridgeConfList(t *testing.T) {
	b := Bridge{PodCIDR: "10.244.1.0/24", Bridge: "cni0", MTU: 1450, DataDir: "/tmp/x/ipam"}.ConfList()
	list, err := libcni.ConfListFromBytes(b)
	if err != nil {
		t.Fatalf("libcni rejects the conflist: %v\n%s", err, b)
	}
	if list.Name != "minik8s" || list.CNIVersion != "1.0.0" || len(list.Plugins) != 2 {
		t.Fatalf("list = %s %s %d plugins", list.Name, list.CNIVersion, len(list.Plugins))
	}
	var types []string
	for _, p := range list.Plugins {
		types = append(types, p.Network.Type)
	}
	if !reflect.DeepEqual(types, []string{"bridge", "loopback"}) {
		t.Errorf("plugin types = %v", types)
	}
	var br struct {
		Bridge      string `json:"bridge"`
		IsGateway   bool   `json:"isGateway"`
		IPMasq      bool   `json:"ipMasq"`
		HairpinMode bool   `json:"hairpinMode"`
		MTU         int    `json:"mtu"`
		IPAM        struct {
			Type    string                `json:"type"`
			Ranges  [][]map[string]string `json:"ranges"`
			DataDir string                `json:"dataDir"`
		} `json:"ipam"`
	}
	if err := json.Unmarshal(list.Plugins[0].Bytes, &br); err != nil {
		t.Fatal(err)
	}
	if br.Bridge != "cni0" || !br.IsGateway || br.IPMasq || !br.HairpinMode || br.MTU != 1450 {
		t.Errorf("bridge = %+v", br)
	}
	if br.IPAM.Type != "host-local" || br.IPAM.Ranges[0][0]["subnet"] != "10.244.1.0/24" || br.IPAM.DataDir != "/tmp/x/ipam" {
		t.Errorf("ipam = %+v", br.IPAM)
	}
	// The short form has no mtu and no dataDir.
	var short map[string]any
	if err := json.Unmarshal(BridgeConfList("10.244.2.0/24", "cni0", 0), &short); err != nil {
		t.Fatal(err)
	}
	bridge := short["plugins"].([]any)[0].(map[string]any)
	if _, ok := bridge["mtu"]; ok {
		t.Error("mtu 0 rendered")
	}
	if _, ok := bridge["ipam"].(map[string]any)["dataDir"]; ok {
		t.Error("empty dataDir rendered")
	}
}

func TestPodIP(t *testing.T) {
	zero, one := 0, 1
	cidr := func(s string) net.IPNet {
		ip, n, err := net.ParseCIDR(s)
		if err != nil {
			t.Fatal(err)
		}
		n.IP = ip
		return *n
	}
	r := &current.Result{
		Interfaces: []*current.Interface{{Name: "cni0"}, {Name: "eth0", Sandbox: "/run/netns/x"}},
		IPs: []*current.IPConfig{
			{Interface: &zero, Address: cidr("10.244.1.1/24")},
			{Interface: &one, Address: cidr("fd00::5/64")},
			{Interface: &one, Address: cidr("10.244.1.5/24")},
		},
	}
	if got := PodIP(r); got != "10.244.1.5" {
		t.Errorf("PodIP = %q", got)
	}
	r.Interfaces[1].Sandbox = "" // no interface marked: any IPv4
	if got := PodIP(r); got != "10.244.1.1" {
		t.Errorf("PodIP without sandbox marks = %q", got)
	}
	if got := PodIP(&current.Result{}); got != "" {
		t.Errorf("PodIP of nothing = %q", got)
	}
}

func TestLoadConfList(t *testing.T) {
	dir := t.TempDir()
	n := &Network{ConfDir: dir}
	if _, err := n.LoadConfList(); !errors.Is(err, ErrNoConfig) {
		t.Fatalf("empty dir: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "20-b.conflist"), BridgeConfList("10.244.2.0/24", "cni0", 0), 0o644); err != nil {
		t.Fatal(err)
	}
	single := `{"cniVersion":"1.0.0","name":"first","type":"bridge","bridge":"br9"}`
	if err := os.WriteFile(filepath.Join(dir, "10-a.conf"), []byte(single), 0o644); err != nil {
		t.Fatal(err)
	}
	list, err := n.LoadConfList()
	if err != nil {
		t.Fatal(err)
	}
	if list.Name != "first" || len(list.Plugins) != 1 || list.Plugins[0].Network.Type != "bridge" {
		t.Errorf("first conf = %s %d", list.Name, len(list.Plugins))
	}
	if err := os.Remove(filepath.Join(dir, "10-a.conf")); err != nil {
		t.Fatal(err)
	}
	if list, err = n.LoadConfList(); err != nil || list.Name != DefaultNetworkName || len(list.Plugins) != 2 {
		t.Errorf("conflist = %v, %v", list, err)
	}
}
