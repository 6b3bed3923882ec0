package certs

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// NewCommand is `minik8s certs`.
func NewCommand() *cobra.Command {
	var (
		o         Options
		advertise string
		nodes     []string
		extraSANs []string
	)
	cmd := &cobra.Command{
		Use:   "certs",
		Short: "Make (or renew) the cluster's certificates and kubeconfigs under --state-dir, as kubeadm's certs and kubeconfig phases",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if advertise != "" {
				if o.AdvertiseAddress = net.ParseIP(advertise); o.AdvertiseAddress == nil {
					return fmt.Errorf("--apiserver-advertise-address %q is not an IP address", advertise)
				}
			}
			if err := ValidateEndpoints(o.Endpoints); err != nil {
				return err
			}
			o.SANs = append(o.SANs, extraSANs...)
			var err error
			if o.Nodes, err = ParseNodes(nodes); err != nil {
				return err
			}
			return Apply(o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.StateDir, "state-dir", "/var/lib/minik8s", "state directory: certificates go to DIR/pki, kubeconfigs to DIR")
	f.StringVar(&advertise, "apiserver-advertise-address", "", "the apiserver's address on the lab network (a SAN of its certificate; the server of the node kubeconfigs)")
	f.StringSliceVar(&o.SANs, "apiserver-sans", nil, "extra SANs (IP addresses or DNS names) of the apiserver's certificate")
	f.StringSliceVar(&extraSANs, "apiserver-cert-extra-sans", nil, "kubeadm's name for --apiserver-sans (both may be given)")
	f.StringSliceVar(&o.Endpoints, "apiserver-endpoints", nil, "the other apiservers of an HA control plane, HOST:PORT or :PORT (the kubeconfig server's host): every kubeconfig lists them for failover (docs/ha.md)")
	f.StringSliceVar(&o.EtcdSANs, "etcd-sans", nil, "extra SANs (IPs or DNS names) of the etcd serving and peer certificates: the etcd members' addresses")
	f.IntVar(&o.Port, "apiserver-bind-port", 6443, "the apiserver's port in the kubeconfigs")
	f.StringArrayVar(&nodes, "node", nil, "a node NAME=IP: its kubelet serving and client certificates and kubeconfig (repeatable)")
	f.BoolVar(&o.Renew, "renew", false, "reissue every certificate signed by the CA (the CA and the ServiceAccount keys are kept)")

	var stateDir string
	check := &cobra.Command{
		Use:   "check-expiration",
		Short: "Check the expiration of the certificates under --state-dir",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return CheckExpiration(stateDir, time.Now(), cmd.OutOrStdout())
		},
	}
	check.Flags().StringVar(&stateDir, "state-dir", "/var/lib/minik8s", "state directory whose pki/ is checked")
	cmd.AddCommand(check)
	return cmd
}

// ParseNodes parses --node NAME=IP values.
func ParseNodes(values []string) ([]Node, error) {
	var out []Node
	for _, v := range values {
		name, ip, ok := strings.Cut(v, "=")
		n := Node{Name: name, IP: net.ParseIP(ip)}
		if !ok || name == "" || n.IP == nil {
			return nil, fmt.Errorf("--node %q: want NAME=IP", v)
		}
		out = append(out, n)
	}
	return out, nil
}
