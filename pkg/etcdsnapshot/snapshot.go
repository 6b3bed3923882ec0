// Package etcdsnapshot saves and restores snapshots of the cluster's etcd,
// embedded or external (`minik8s etcd-snapshot save|restore|ls`, as k3s
// has), with etcd's own snapshot package (etcdutl).
package etcdsnapshot

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

// Defaults of the lab layout (scripts/up.sh: the apiserver's --data-dir).
const (
	DefaultDataDir = "/var/lib/minik8s/etcd"
	DefaultDir     = "/var/lib/minik8s/snapshots"
	DefaultName    = "on-demand" // k3s's name for snapshots taken by hand
)

// NewCommand is `minik8s etcd-snapshot`.
func NewCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "etcd-snapshot",
		Short: "Save, list or restore snapshots of the cluster's etcd",
		Long: `Save, list or restore snapshots of the cluster's etcd: the apiserver's
embedded etcd (--data-dir, reached on its unix socket) or an external one
(--etcd-servers). Restore needs the apiserver stopped; it moves the current
data dir aside (never deletes it) and bumps etcd's revision so that clients
never see resourceVersions go back (their watches get 410 Gone and re-list).`,
		SilenceUsage: true,
	}
	cmd.AddCommand(newSaveCommand(), newListCommand(), newRestoreCommand())
	return cmd
}

func newSaveCommand() *cobra.Command {
	o := SaveOptions{Source: Source{DataDir: DefaultDataDir}, Dir: DefaultDir, Name: DefaultName}
	cmd := &cobra.Command{
		Use:   "save",
		Short: "Save a snapshot of etcd into the snapshot dir",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Node == "" {
				h, err := os.Hostname()
				if err != nil {
					return fmt.Errorf("node name: %w", err)
				}
				o.Node = h
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
			defer cancel()
			info, err := Save(ctx, o)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Snapshot %s saved: %d bytes, revision %d, %d keys, in %s\n",
				info.Path, info.Size, info.Revision, info.Keys, info.Took.Round(time.Millisecond))
			return nil
		},
	}
	f := cmd.Flags()
	addSourceFlags(cmd, &o.Source)
	f.StringVar(&o.Dir, "dir", o.Dir, "directory of the snapshots (created 0700)")
	f.StringVar(&o.Name, "name", o.Name, "snapshot name: the file is <name>-<node>-<unix time>")
	f.StringVar(&o.Node, "node-name", "", "node name in the file name (default: the host name)")
	return cmd
}

func addSourceFlags(cmd *cobra.Command, s *Source) {
	f := cmd.Flags()
	f.StringVar(&s.DataDir, "data-dir", s.DataDir, "data dir of the apiserver's embedded etcd")
	f.StringSliceVar(&s.Endpoints, "etcd-servers", nil, "external etcd endpoints instead of the embedded etcd (tried in order)")
	f.StringVar(&s.CAFile, "etcd-cafile", "", "CA that verifies an external etcd's serving certificate")
	f.StringVar(&s.CertFile, "etcd-certfile", "", "client certificate towards etcd")
	f.StringVar(&s.KeyFile, "etcd-keyfile", "", "private key of --etcd-certfile")
}

func newListCommand() *cobra.Command {
	dir := DefaultDir
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the snapshots in the snapshot dir",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			infos, err := List(dir)
			if err != nil {
				return err
			}
			printList(cmd.OutOrStdout(), infos)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", dir, "directory of the snapshots")
	return cmd
}

func printList(w io.Writer, infos []Info) {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSIZE\tREVISION\tKEYS\tCREATED")
	for _, i := range infos {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\n", filepath.Base(i.Path), i.Size, i.Revision, i.Keys, i.Modified.UTC().Format(time.RFC3339))
	}
	tw.Flush()
}

func newRestoreCommand() *cobra.Command {
	o := RestoreOptions{BumpRevision: DefaultBumpRevision, MarkCompacted: true}
	cmd := &cobra.Command{
		Use:   "restore SNAPSHOT",
		Short: "Restore a snapshot into the embedded etcd's data dir (apiserver stopped) or a new external member's",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Snapshot = args[0]
			if !o.External() && !cmd.Flags().Changed("data-dir") {
				o.DataDir = DefaultDataDir
			}
			res, err := Restore(o)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Restored %s (revision %d, %d keys) into %s in %s\n",
				res.Snapshot.Path, res.Snapshot.Revision, res.Snapshot.Keys, res.DataDir, res.Took.Round(time.Millisecond))
			if res.Aside != "" {
				fmt.Fprintf(out, "The previous data dir is kept in %s\n", res.Aside)
			}
			if o.BumpRevision > 0 {
				fmt.Fprintf(out, "Revision bumped to %d and marked compacted: watches from older resourceVersions get 410 Gone\n", res.Revision)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.DataDir, "data-dir", "", "data dir of the apiserver's embedded etcd (default "+DefaultDataDir+")")
	f.StringVar(&o.Name, "name", "", "external member: its name")
	f.StringVar(&o.InitialCluster, "initial-cluster", "", "external member: the cluster's members (name=peer-url,...; default <name>=<peer urls>)")
	f.StringVar(&o.PeerURLs, "initial-advertise-peer-urls", "", "external member: its peer URLs (default "+embeddedPeerURL+")")
	f.StringVar(&o.InitialClusterToken, "initial-cluster-token", "", "external member: the cluster token (default "+defaultToken+")")
	f.StringVar(&o.OutputDataDir, "output-data-dir", "", "external member: the data dir to create (default <name>.etcd)")
	f.Uint64Var(&o.BumpRevision, "bump-revision", o.BumpRevision, "how far to move etcd's revision past the snapshot's (0: none, then also --mark-compacted=false)")
	f.BoolVar(&o.MarkCompacted, "mark-compacted", o.MarkCompacted, "mark the revisions up to the bumped one compacted (watches from them get 410 Gone)")
	return cmd
}
