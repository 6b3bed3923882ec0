package kubectl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/labels"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
)

// apply's flags beyond -f: --dry-run, -o, and --prune as kubectl v1.32's
// pkg/cmd/apply/prune.go: after applying, delete the objects of the
// allowlisted kinds that match the selector, carry the last-applied
// annotation and were not applied this time, in the namespaces applied to.

type applyOptions struct {
	ff        fileFlags
	out       outputFlag
	dryRun    string
	prune     bool
	all       bool
	selector  string
	allowlist []string

	sel         labels.Selector
	visitedUIDs map[string]bool
	visitedNS   []string
}

func (a *applyOptions) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	a.out.add(cmd)
	f.StringVar(&a.dryRun, "dry-run", "none", `Must be "none", "server", or "client". If client strategy, only print the object that would be sent, without sending it. If server strategy, submit server-side request without persisting the resource.`)
	f.Lookup("dry-run").NoOptDefVal = "unchanged"
	f.BoolVar(&a.prune, "prune", false, "Automatically delete resource objects, that do not appear in the configs and are created by either apply or create --save-config. Should be used with either -l or --all.")
	f.BoolVar(&a.all, "all", false, "Select all resources in the namespace of the specified resource types.")
	f.StringVarP(&a.selector, "selector", "l", "", "Selector (label query) to filter on, supports '=', '==', '!=', 'in', 'notin'.(e.g. -l key1=value1,key2=value2,key3 in (value3)). Matching objects must satisfy all of the specified label constraints.")
	f.StringArrayVar(&a.allowlist, "prune-allowlist", nil, "Overwrite the default allowlist with <group/version/kind> for --prune")
}

// validate is kubectl apply's Validate for the flags handled here.
func (a *applyOptions) validate(o *options) error {
	if err := a.out.check(); err != nil {
		return err
	}
	if err := checkDryRun(o, &a.dryRun); err != nil {
		return err
	}
	if a.all && a.selector != "" {
		return errors.New("cannot set --all and --selector at the same time")
	}
	if a.prune && !a.all && a.selector == "" {
		return errors.New("all resources selected for prune without explicitly passing --all. To prune all resources, pass the --all flag. If you did not mean to prune all resources, specify a label selector")
	}
	sel, err := labels.Parse(a.selector)
	if err != nil {
		return err
	}
	a.sel = sel
	a.visitedUIDs = map[string]bool{}
	return nil
}

// selects reports whether -l selects an object of the files (kubectl
// applies only those when pruning by label).
func (a *applyOptions) selects(l map[string]string) bool {
	return a.sel == nil || a.sel.Matches(labels.Set(l))
}

// visited records an applied object for pruning: its uid and namespace.
func (a *applyOptions) visited(info *api.ResourceInfo, result []byte, ns string) {
	var m struct {
		Metadata struct{ UID string } `json:"metadata"`
	}
	if json.Unmarshal(result, &m) == nil && m.Metadata.UID != "" {
		a.visitedUIDs[m.Metadata.UID] = true
	}
	if info.Namespaced && ns != "" {
		for _, v := range a.visitedNS {
			if v == ns {
				return
			}
		}
		a.visitedNS = append(a.visitedNS, ns)
	}
}

// defaultPruneAllowlist is kubectl's default --prune-allowlist.
var defaultPruneAllowlist = []string{
	"core/v1/ConfigMap", "core/v1/Endpoints", "core/v1/Namespace", "core/v1/PersistentVolumeClaim",
	"core/v1/PersistentVolume", "core/v1/Pod", "core/v1/ReplicationController", "core/v1/Secret",
	"core/v1/Service", "batch/v1/Job", "batch/v1/CronJob", "networking.k8s.io/v1/Ingress",
	"apps/v1/DaemonSet", "apps/v1/Deployment", "apps/v1/ReplicaSet", "apps/v1/StatefulSet",
}

// pruneKinds resolves the allowlist to the kinds this cluster serves.
// Kinds minik8s does not serve are skipped from the default list (as on a
// cluster without them); one named by --prune-allowlist is an error, as
// kubectl's.
func pruneKinds(allowlist []string) ([]*api.ResourceInfo, error) {
	explicit := len(allowlist) > 0
	if !explicit {
		allowlist = defaultPruneAllowlist
	}
	var out []*api.ResourceInfo
	for _, gvk := range allowlist {
		parts := strings.Split(gvk, "/")
		if len(parts) != 3 {
			return nil, fmt.Errorf("invalid GroupVersionKind format: %v, please follow <group/version/kind>", gvk)
		}
		apiVersion := parts[1]
		if parts[0] != "core" && parts[0] != "" {
			apiVersion = parts[0] + "/" + parts[1]
		}
		info, err := api.ForKind(apiVersion, parts[2])
		if err != nil {
			if explicit {
				return nil, fmt.Errorf("error retrieving RESTMappings to prune: invalid resource %s: %w", gvk, err)
			}
			continue
		}
		out = append(out, info)
	}
	return out, nil
}

// pruneDeprecation is the warning kubectl v1.32 logs when it prunes with
// the default allowlist, whose cluster-scoped kinds it still prunes.
const pruneDeprecation = "Deprecated: kubectl apply will no longer prune non-namespaced resources by default when used with the --namespace flag in a future release. To preserve the current behaviour, list the resources you want to target explicitly in the --prune-allowlist flag."

// pruneAll deletes the objects to prune: of the namespaced kinds in each
// namespace applied to, then of the cluster-scoped ones.
func (a *applyOptions) pruneAll(ctx context.Context, o *options, c *client.Client) error {
	kinds, err := pruneKinds(a.allowlist)
	if err != nil {
		return err
	}
	if len(a.allowlist) == 0 {
		fmt.Fprintf(o.err, "W%s %7d prune.go:71] %s\n", time.Now().Format("0102 15:04:05.000000"), os.Getpid(), pruneDeprecation)
	}
	for _, ns := range a.visitedNS {
		for _, info := range kinds {
			if !info.Namespaced {
				continue
			}
			if err := a.pruneKind(ctx, o, c, info, ns); err != nil {
				return fmt.Errorf("error pruning namespaced object %s: %w", pruneGVK(info), err)
			}
		}
	}
	for _, info := range kinds {
		if info.Namespaced {
			continue
		}
		if err := a.pruneKind(ctx, o, c, info, ""); err != nil {
			return fmt.Errorf("error pruning nonNamespaced object %s: %w", pruneGVK(info), err)
		}
	}
	return nil
}

// pruneGVK is how Go prints a schema.GroupVersionKind: "apps/v1, Kind=Deployment".
func pruneGVK(info *api.ResourceInfo) string {
	return fmt.Sprintf("%s/%s, Kind=%s", info.Group, info.Version, info.Kind)
}

func (a *applyOptions) pruneKind(ctx context.Context, o *options, c *client.Client, info *api.ResourceInfo, ns string) error {
	objs, _, err := c.List(ctx, info, ns, client.ListOptions{LabelSelector: a.selector})
	if err != nil {
		return err
	}
	for _, obj := range pruneVictims(objs, a.visitedUIDs) {
		m := obj.GetObjectMeta()
		if a.dryRun != "client" {
			policy := "Background"
			opts := &api.DeleteOptions{PropagationPolicy: &policy}
			if a.dryRun == "server" {
				opts.DryRun = []string{"All"}
			}
			if err := c.Delete(ctx, info, ns, m.Name, opts); err != nil {
				return err
			}
		}
		fmt.Fprintf(o.out, "%s/%s pruned%s\n", kindName(info), m.Name, dryRunSuffix(a.dryRun))
	}
	return nil
}

// pruneVictims are the listed objects apply made (they carry the
// last-applied annotation) that were not applied this time.
func pruneVictims(objs []api.Object, visited map[string]bool) []api.Object {
	var out []api.Object
	for _, obj := range objs {
		m := obj.GetObjectMeta()
		if _, ok := m.Annotations[LastAppliedAnnotation]; !ok || visited[m.UID] {
			continue
		}
		out = append(out, obj)
	}
	return out
}
