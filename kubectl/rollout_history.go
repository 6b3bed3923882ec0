package kubectl

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
)

func newRolloutHistoryCommand(o *options) *cobra.Command {
	var revision int64
	cmd := &cobra.Command{
		Use:   "history (TYPE NAME | TYPE/NAME)",
		Short: "View rollout history",
		RunE: func(cmd *cobra.Command, args []string) error {
			return forEachDeployment(cmd.Context(), o, args, func(c *client.Client, d *api.Deployment) error {
				rss, err := controlledReplicaSets(cmd.Context(), c, d)
				if err != nil {
					return err
				}
				out, err := historyText(rss, revision)
				if err != nil {
					return err
				}
				with := ""
				if revision > 0 {
					with = fmt.Sprintf("with revision #%d", revision)
				}
				fmt.Fprintf(o.out, "deployment.apps/%s %s\n%s\n", d.Name, with, out)
				return nil
			})
		},
	}
	cmd.Flags().Int64Var(&revision, "revision", 0, "See the details, including podTemplate of the revision specified")
	return cmd
}

// historyText is kubectl's deployment history view: a REVISION and
// CHANGE-CAUSE table, or one revision's pod template.
func historyText(rss []*api.ReplicaSet, revision int64) (string, error) {
	byRev := map[int64]*api.ReplicaSet{}
	var revs []int64
	for _, rs := range rss {
		v := rsRevision(rs)
		if _, dup := byRev[v]; !dup {
			revs = append(revs, v)
		}
		byRev[v] = rs
	}
	sort.Slice(revs, func(i, j int) bool { return revs[i] < revs[j] })
	var buf bytes.Buffer
	if revision > 0 {
		rs, ok := byRev[revision]
		if !ok {
			return "", fmt.Errorf("unable to find the specified revision")
		}
		writeTemplate(&buf, &rs.Spec.Template)
		return buf.String(), nil
	}
	if len(revs) == 0 {
		return "No rollout history found.\n", nil
	}
	w := tabwriter.NewWriter(&buf, 0, 8, 2, ' ', 0)
	fmt.Fprintf(w, "REVISION\tCHANGE-CAUSE\n")
	for _, r := range revs {
		cause := byRev[r].Annotations[changeCauseAnnotation]
		if cause == "" {
			cause = "<none>"
		}
		fmt.Fprintf(w, "%d\t%s\n", r, cause)
	}
	w.Flush()
	return buf.String(), nil
}

// writeTemplate prints a pod template as the real kubectl's
// `rollout history --revision` does (describe's template section, with
// plain tabs).
func writeTemplate(buf *bytes.Buffer, t *api.PodTemplateSpec) {
	fmt.Fprintf(buf, "Pod Template:\n")
	fmt.Fprintf(buf, "  Labels:\t%s\n", joinMap(t.Labels, "=", "\n\t"))
	if len(t.Annotations) > 0 {
		fmt.Fprintf(buf, "  Annotations:\t%s\n", joinMap(t.Annotations, ": ", "\n\t"))
	}
	fmt.Fprintf(buf, "  Containers:\n")
	for _, c := range t.Spec.Containers {
		fmt.Fprintf(buf, "   %s:\n", c.Name)
		fmt.Fprintf(buf, "    Image:\t%s\n", c.Image)
		ports, hostPorts := make([]string, 0, len(c.Ports)), make([]string, 0, len(c.Ports))
		for _, p := range c.Ports {
			proto := p.Protocol
			if proto == "" {
				proto = "TCP"
			}
			ports = append(ports, fmt.Sprintf("%d/%s", p.ContainerPort, proto))
			hostPorts = append(hostPorts, fmt.Sprintf("%d/%s", p.HostPort, proto))
		}
		if len(ports) == 0 {
			ports, hostPorts = []string{"<none>"}, []string{"<none>"}
		}
		fmt.Fprintf(buf, "    Port:\t%s\n", strings.Join(ports, ", "))
		fmt.Fprintf(buf, "    Host Port:\t%s\n", strings.Join(hostPorts, ", "))
		if len(c.Command) > 0 {
			fmt.Fprintf(buf, "    Command:\n")
			for _, a := range c.Command {
				fmt.Fprintf(buf, "      %s\n", a)
			}
		}
		if len(c.Args) > 0 {
			fmt.Fprintf(buf, "    Args:\n")
			for _, a := range c.Args {
				fmt.Fprintf(buf, "      %s\n", a)
			}
		}
		if len(c.Env) == 0 {
			fmt.Fprintf(buf, "    Environment:\t<none>\n")
		} else {
			fmt.Fprintf(buf, "    Environment:\n")
			for _, e := range c.Env {
				fmt.Fprintf(buf, "      %s:\t%s\n", e.Name, e.Value)
			}
		}
		fmt.Fprintf(buf, "    Mounts:\t<none>\n")
	}
	fmt.Fprintf(buf, "  Volumes:\t<none>\n")
	if len(t.Spec.NodeSelector) == 0 {
		fmt.Fprintf(buf, "  Node-Selectors:\t<none>\n")
	} else {
		fmt.Fprintf(buf, "  Node-Selectors:\t%s\n", joinMap(t.Spec.NodeSelector, "=", "\n\t"))
	}
	fmt.Fprintf(buf, "  Tolerations:\t<none>\n")
}

func joinMap(m map[string]string, kv, sep string) string {
	if len(m) == 0 {
		return "<none>"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + kv + m[k]
	}
	return strings.Join(parts, sep)
}
