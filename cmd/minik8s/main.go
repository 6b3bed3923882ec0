// Command minik8s is the multi-call binary of minik8s: the first argument
// (or the name it is called by, e.g. a "kubectl" link) picks the component.
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"minik8s/addons/dns"
	"minik8s/addons/ingress"
	"minik8s/apiserver"
	"minik8s/controller"
	"minik8s/kubectl"
	"minik8s/kubelet"
	"minik8s/kubelet/network"
	"minik8s/kubelet/runtime/containerd"
	"minik8s/kubeproxy"
	"minik8s/pkg/certs"
	"minik8s/pkg/etcdsnapshot"
	"minik8s/scheduler"
)

func main() {
	if err := newRoot(filepath.Base(os.Args[0])).Execute(); err != nil {
		// `kubectl exec` exits with the remote command's exit code.
		var coded interface{ ExitCode() int }
		if errors.As(err, &coded) && coded.ExitCode() > 0 {
			os.Exit(coded.ExitCode())
		}
		os.Exit(1)
	}
}

// components maps a subcommand (and link name) to its command constructor.
var components = map[string]func() *cobra.Command{
	"apiserver":          apiserver.NewCommand,
	"certs":              certs.NewCommand,
	"container-logger":   containerd.NewLoggerCommand,
	"controller-manager": controller.NewCommand,
	"dns":                dns.NewCommand,
	"etcd-snapshot":      etcdsnapshot.NewCommand,
	"ingress":            ingress.NewCommand,
	"kubectl":            kubectl.NewCommand,
	"kubectl-trace":      kubectl.NewTracePluginCommand,
	"netagent":           network.NewCommand,
	"kubelet":            kubelet.NewCommand,
	"kubeproxy":          kubeproxy.NewCommand,
	"kube-proxy":         kubeproxy.NewLinkCommand,
	"scheduler":          scheduler.NewCommand,
}

func newRoot(argv0 string) *cobra.Command {
	if mk, ok := components[argv0]; ok {
		return mk()
	}
	root := &cobra.Command{
		Use:           "minik8s",
		Short:         "minik8s: a small Kubernetes for labs",
		SilenceUsage:  true,
		SilenceErrors: false,
	}
	for _, mk := range components {
		root.AddCommand(mk())
	}
	root.AddCommand(&cobra.Command{
		Use:   "version",
		Short: "Print the minik8s version",
		Run:   func(cmd *cobra.Command, _ []string) { fmt.Fprintln(cmd.OutOrStdout(), "minik8s", "v0.1.0") },
	})
	return root
}
