package kubelet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"minik8s/kubelet/network"
	"minik8s/kubelet/runtime/cni"
	"minik8s/kubelet/runtime/containerd"
	"minik8s/kubelet/stats"
	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/client/cache"
	"minik8s/pkg/client/record"
	"minik8s/pkg/cmdutil"
)

// NewCommand returns the "kubelet" command.
func NewCommand() *cobra.Command {
	opts := DefaultOptions()
	cmd := cmdutil.Daemon("kubelet", "Run the node agent: register the node, run its pods on containerd, serve logs and exec", func(ctx context.Context, _ *cobra.Command) error {
		return RunContainerd(ctx, opts)
	})
	opts.AddFlags(cmd.Flags())
	return cmd
}

// cniConfFile is the conflist the kubelet writes into the CNI conf dir.
const cniConfFile = "10-minik8s.conflist"

// writeCNIConfig writes the node's bridge conflist for podCIDR atomically;
// host-local keeps its reservations under the node's root dir, so nodes
// sharing one machine (the lab) do not share IP state.
func writeCNIConfig(opts *Options, podCIDR string, mtu int) error {
	if err := os.MkdirAll(opts.CNIConfDir, 0o755); err != nil {
		return fmt.Errorf("CNI conf dir: %w", err)
	}
	data := cni.Bridge{PodCIDR: podCIDR, Bridge: "cni0", MTU: mtu, DataDir: filepath.Join(opts.RootDir, "cni", "ipam")}.ConfList()
	tmp := filepath.Join(opts.CNIConfDir, "."+cniConfFile+".tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(opts.CNIConfDir, cniConfFile))
}

// RunContainerd runs a kubelet on containerd with opts until ctx ends.
func RunContainerd(ctx context.Context, opts Options) error {
	if err := opts.Complete(); err != nil {
		return err
	}
	rt, err := containerd.New(ctx, containerd.Options{
		Address:    opts.ContainerdAddress,
		Namespace:  opts.ContainerdNamespace,
		RootDir:    filepath.Join(opts.RootDir, "runtime"),
		CNIConfDir: opts.CNIConfDir,
		CNIBinDirs: opts.CNIBinDirs,
		CgroupRoot: opts.CgroupRoot,
		PauseImage: opts.PauseImage,
		NodeIP:     opts.NodeIP,
		Registry:   opts.RegistryMirror,
	})
	if err != nil {
		return err
	}
	defer rt.Close()
	c, err := client.NewForComponent(opts.Kubeconfig, opts.APIServer, client.Config{Timeout: 30 * time.Second, UserAgent: "minik8s-kubelet/" + opts.NodeName})
	if err != nil {
		return err
	}
	k, err := New(opts, c, rt)
	if err != nil {
		return err
	}
	k.Stats = stats.NewCgroupProvider(opts.CgroupRoot, opts.NodeStatsCgroup)
	rec := record.NewRecorder(c, api.EventSource{Component: "kubelet", Host: opts.NodeName})
	k.Recorder, k.WithFieldPath = rec, record.WithFieldPath
	// One informer factory for the process: the kubelet and its network
	// agent share one list+watch of the node's pods (and the agent's nodes).
	informers := cache.NewSharedInformerFactory(c, 0, cache.NodeScoped(opts.NodeName))
	k.Informers = informers
	ctx, cancel := context.WithCancel(ctx)
	defer informers.Shutdown() // runs last: after cancel below
	defer cancel()
	recDone := make(chan struct{})
	go func() { defer close(recDone); _ = rec.Run(ctx) }()
	defer func() { cancel(); <-recDone }()
	mtu := 0
	var agent *network.Agent
	if opts.NetworkBackend != "none" {
		nopts, uplinkMTU, err := networkOptions(&k.opts, c)
		if err != nil {
			return err
		}
		nopts.Informers = informers
		if agent, err = network.New(nopts); err != nil {
			return fmt.Errorf("network agent: %w", err)
		}
		mtu = network.MTU(nopts.Backend, uplinkMTU, 0)
	}
	k.WriteCNIConfig = func(cidr string) error { return writeCNIConfig(&k.opts, cidr, mtu) }
	if agent == nil {
		return k.Run(ctx)
	}
	// The agent and the kubelet live and die together: either one
	// failing stops the other.
	agentErr := make(chan error, 1)
	go func() { agentErr <- agent.Run(ctx); cancel() }()
	err = k.Run(ctx)
	cancel()
	return errors.Join(err, <-agentErr)
}

// networkOptions are the network agent's options for this kubelet, and the
// MTU of its uplink.
func networkOptions(opts *Options, c *client.Client) (network.Options, int, error) {
	n := network.DefaultOptions()
	n.NodeName, n.NodeIP, n.Backend, n.ClusterCIDR, n.Client = opts.NodeName, opts.NodeIP, opts.NetworkBackend, opts.ClusterCIDR, c
	iface, err := uplink(opts.NetworkInterface, opts.NodeIP)
	if err != nil {
		return n, 0, err
	}
	n.Interface = iface.Name
	return n, iface.MTU, nil
}

// uplink is the named interface, else the one holding nodeIP, else eth0.
func uplink(name, nodeIP string) (*net.Interface, error) {
	if name == "" && nodeIP != "" {
		ifs, err := net.Interfaces()
		if err != nil {
			return nil, fmt.Errorf("listing interfaces: %w", err)
		}
		for i := range ifs {
			addrs, _ := ifs[i].Addrs()
			for _, a := range addrs {
				if ipn, ok := a.(*net.IPNet); ok && ipn.IP.String() == nodeIP {
					return &ifs[i], nil
				}
			}
		}
	}
	if name == "" {
		name = "eth0"
	}
	iface, err := net.InterfaceByName(name)
	if err != nil {
		return nil, fmt.Errorf("uplink interface %s: %w", name, err)
	}
	return iface, nil
}
