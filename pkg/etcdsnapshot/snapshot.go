// Package etcdsnapshot saves and restores snapshots of the cluster's etcd,
// embedded or external (`minik8s etcd-snapshot save|restore`, as k3s has).
package etcdsnapshot

import (
	"errors"

	"github.com/spf13/cobra"
	"go.etcd.io/etcd/etcdutl/v3/snapshot"
)

var _ = snapshot.NewV3

// NewCommand is `minik8s etcd-snapshot`.
func NewCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "etcd-snapshot",
		Short: "Save or restore a snapshot of the cluster's etcd",
		RunE:  func(*cobra.Command, []string) error { return errors.New("etcd-snapshot: not built yet") },
	}
}
