package kubelet

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"minik8s/kubelet/runtime/cni"
	"minik8s/kubelet/runtime/containerd"
	"minik8s/pkg/client"
)

// NewCommand returns the "kubelet" command.
func NewCommand() *cobra.Command {
	opts := DefaultOptions()
	cmd := &cobra.Command{
		Use:          "kubelet",
		Short:        "Run the node agent: register the node, run its pods on containerd, serve logs and exec",
		SilenceUsage: true,
		Args:         cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return RunContainerd(ctx, opts)
		},
	}
	opts.AddFlags(cmd.Flags())
	return cmd
}

// cniConfFile is the conflist the kubelet writes into the CNI conf dir.
const cniConfFile = "10-minik8s.conflist"

// writeCNIConfig writes the node's bridge conflist for podCIDR atomically;
// host-local keeps its reservations under the node's root dir, so nodes
// sharing one machine (the lab) do not share IP state.
func writeCNIConfig(opts *Options, podCIDR string) error {
	if err := os.MkdirAll(opts.CNIConfDir, 0o755); err != nil {
		return fmt.Errorf("CNI conf dir: %w", err)
	}
	data := cni.Bridge{PodCIDR: podCIDR, Bridge: "cni0", DataDir: filepath.Join(opts.RootDir, "cni", "ipam")}.ConfList()
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
	c, err := client.New(&client.Config{Server: opts.APIServer, Timeout: 30 * time.Second, UserAgent: "minik8s-kubelet/" + opts.NodeName})
	if err != nil {
		return err
	}
	k, err := New(opts, c, rt)
	if err != nil {
		return err
	}
	k.WriteCNIConfig = func(cidr string) error { return writeCNIConfig(&k.opts, cidr) }
	return k.Run(ctx)
}
