// Package cni owns the pod network of the containerd runtime: the bridge
// conflist the kubelet writes (BridgeConfList), and Network, which runs the
// conflist found in a conf dir through libcni (ADD when a sandbox starts,
// DEL when it stops) and reads the pod IP from the result.
package cni

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/containernetworking/cni/libcni"
	current "github.com/containernetworking/cni/pkg/types/100"
)

// DefaultNetworkName is the network name of BridgeConfList's conflist.
const DefaultNetworkName = "minik8s"

// Bridge describes the standard pod network of a node: a Linux bridge that
// is the pods' gateway, host-local IPAM over the node's pod CIDR, and
// loopback. hostPorts are not CNI's business here: the network agent owns
// them with KUBE-HOSTPORTS chains, as the seeds' kubenet does.
type Bridge struct {
	Name    string // network name; DefaultNetworkName if empty
	PodCIDR string // e.g. 10.244.1.0/24
	Bridge  string // e.g. cni0
	MTU     int    // 0: the plugin's default
	// DataDir is where host-local keeps its IP reservations; empty means
	// /var/lib/cni/networks. Nodes sharing one machine (the lab) need
	// their own.
	DataDir string
}

// BridgeConfList returns the standard conflist (see Bridge) with
// host-local's default data dir.
func BridgeConfList(podCIDR, bridgeName string, mtu int) []byte {
	return Bridge{PodCIDR: podCIDR, Bridge: bridgeName, MTU: mtu}.ConfList()
}

// ConfList renders the conflist as indented JSON.
func (b Bridge) ConfList() []byte {
	name := b.Name
	if name == "" {
		name = DefaultNetworkName
	}
	ipam := map[string]any{
		"type":   "host-local",
		"ranges": [][]map[string]string{{{"subnet": b.PodCIDR}}},
		"routes": []map[string]string{{"dst": "0.0.0.0/0"}},
	}
	if b.DataDir != "" {
		ipam["dataDir"] = b.DataDir
	}
	bridge := map[string]any{
		"type":         "bridge",
		"bridge":       b.Bridge,
		"isGateway":    true,
		"ipMasq":       false,
		"hairpinMode":  true,
		"promiscMode":  false,
		"forceAddress": false,
		"ipam":         ipam,
	}
	if b.MTU > 0 {
		bridge["mtu"] = b.MTU
	}
	list := map[string]any{
		"cniVersion": "1.0.0",
		"name":       name,
		"plugins": []any{
			bridge,
			map[string]any{"type": "loopback"},
		},
	}
	out, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		panic(fmt.Sprintf("cni: marshal conflist: %v", err)) // maps of strings: cannot happen
	}
	return append(out, '\n')
}

// ErrNoConfig means the conf dir holds no network configuration yet.
var ErrNoConfig = errors.New("no CNI network configuration")

// Network runs the first conflist of ConfDir (in lexical order, like the
// CRI plugin) with the plugins of BinDirs.
type Network struct {
	ConfDir  string
	BinDirs  []string
	CacheDir string // libcni's result cache; /var/lib/cni if empty
	IfName   string // eth0 if empty
}

// LoadConfList reads the first .conflist (or .conf/.json list) of the conf dir.
func (n *Network) LoadConfList() (*libcni.NetworkConfigList, error) {
	files, err := libcni.ConfFiles(n.ConfDir, []string{".conflist", ".conf", ".json"})
	if err != nil {
		return nil, fmt.Errorf("read CNI conf dir %s: %w", n.ConfDir, err)
	}
	sort.Strings(files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read CNI conf %s: %w", f, err)
		}
		if !strings.Contains(string(b), `"plugins"`) {
			conf, err := libcni.NetworkPluginConfFromBytes(b)
			if err != nil {
				return nil, fmt.Errorf("CNI conf %s: %w", f, err)
			}
			list, err := libcni.ConfListFromConf(conf)
			if err != nil {
				return nil, fmt.Errorf("CNI conf %s: %w", f, err)
			}
			return list, nil
		}
		list, err := libcni.ConfListFromBytes(b)
		if err != nil {
			return nil, fmt.Errorf("CNI conflist %s: %w", f, err)
		}
		return list, nil
	}
	return nil, fmt.Errorf("%w in %s", ErrNoConfig, n.ConfDir)
}

func (n *Network) runtimeConf(id, netnsPath string) *libcni.RuntimeConf {
	ifName := n.IfName
	if ifName == "" {
		ifName = "eth0"
	}
	return &libcni.RuntimeConf{ContainerID: id, NetNS: netnsPath, IfName: ifName}
}

func (n *Network) cni() *libcni.CNIConfig {
	return libcni.NewCNIConfigWithCacheDir(n.BinDirs, n.CacheDir, nil)
}

// Setup runs CNI ADD for the sandbox id in netnsPath and returns the pod's
// IPv4 address.
func (n *Network) Setup(ctx context.Context, id, netnsPath string) (string, error) {
	list, err := n.LoadConfList()
	if err != nil {
		return "", err
	}
	res, err := n.cni().AddNetworkList(ctx, list, n.runtimeConf(id, netnsPath))
	if err != nil {
		return "", fmt.Errorf("CNI ADD %s for %s: %w", list.Name, id, err)
	}
	r, err := current.NewResultFromResult(res)
	if err != nil {
		return "", fmt.Errorf("CNI result of %s: %w", list.Name, err)
	}
	ip := PodIP(r)
	if ip == "" {
		return "", fmt.Errorf("CNI ADD %s for %s: no IPv4 address in the result", list.Name, id)
	}
	return ip, nil
}

// PodIP picks the first IPv4 address of the result's container interface
// (or of any interface if none is marked).
func PodIP(r *current.Result) string {
	for pass := 0; pass < 2; pass++ {
		for _, ipc := range r.IPs {
			if ipc.Address.IP.To4() == nil {
				continue
			}
			if pass == 0 && (ipc.Interface == nil || *ipc.Interface >= len(r.Interfaces) || r.Interfaces[*ipc.Interface].Sandbox == "") {
				continue
			}
			return ipc.Address.IP.String()
		}
	}
	return ""
}

// Teardown runs CNI DEL for the sandbox (netnsPath may be empty or gone:
// the plugins still release the IP). Missing configuration is not an error
// when nothing was cached for id.
func (n *Network) Teardown(ctx context.Context, id, netnsPath string) error {
	list, err := n.LoadConfList()
	if err != nil {
		return err
	}
	if netnsPath != "" {
		if _, err := os.Stat(netnsPath); err != nil {
			netnsPath = ""
		}
	}
	c := n.cni()
	if err := c.DelNetworkList(ctx, list, n.runtimeConf(id, netnsPath)); err != nil {
		return fmt.Errorf("CNI DEL %s for %s: %w", list.Name, id, err)
	}
	return nil
}
