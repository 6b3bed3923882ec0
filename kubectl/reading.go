package kubectl

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"

	"github.com/spf13/cobra"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
)

// newAPIVersionsCommand is `kubectl api-versions`: every group/version the
// server's discovery (/api and /apis) lists, sorted as strings.
func newAPIVersionsCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "api-versions",
		Short: "Print the supported API versions on the server, in the form of \"group/version\"",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 0 {
				return usageError(cmd, "unexpected arguments: %v", args)
			}
			c, err := o.client()
			if err != nil {
				return err
			}
			versions, err := serverGroupVersions(cmd.Context(), c)
			if err != nil {
				return fmt.Errorf("couldn't get available api versions from server: %w", err)
			}
			for _, v := range versions {
				fmt.Fprintln(o.out, v)
			}
			return nil
		},
	}
}

// serverGroupVersions reads /api and /apis and returns the group/versions
// sorted as kubectl sorts them (plain string order).
func serverGroupVersions(ctx context.Context, c *client.Client) ([]string, error) {
	var out []string
	data, err := c.Do(ctx, http.MethodGet, "/api", nil, nil)
	if err != nil {
		return nil, err
	}
	var core struct {
		Versions []string `json:"versions"`
	}
	if err := json.Unmarshal(data, &core); err != nil {
		return nil, fmt.Errorf("decode /api: %w", err)
	}
	out = append(out, core.Versions...)
	if data, err = c.Do(ctx, http.MethodGet, "/apis", nil, nil); err != nil {
		return nil, err
	}
	var groups struct {
		Groups []struct {
			Versions []struct {
				GroupVersion string `json:"groupVersion"`
			} `json:"versions"`
		} `json:"groups"`
	}
	if err := json.Unmarshal(data, &groups); err != nil {
		return nil, fmt.Errorf("decode /apis: %w", err)
	}
	for _, g := range groups.Groups {
		for _, v := range g.Versions {
			out = append(out, v.GroupVersion)
		}
	}
	sort.Strings(out)
	return out, nil
}

// clusterServiceSelector selects the services cluster-info lists.
const clusterServiceSelector = "kubernetes.io/cluster-service=true"

// clusterInfoLines are the "NAME is running at LINK" lines of cluster-info:
// the control plane, then each cluster service (as kubectl's clusterinfo.go
// builds its link: the load balancer's ingress, or the service proxy path
// with the first port's name and an https guess).
func clusterInfoLines(host string, services []api.Service) [][2]string {
	lines := [][2]string{{"Kubernetes control plane", host}}
	for _, s := range services {
		var link string
		if ing := s.Status.LoadBalancer.Ingress; len(ing) > 0 {
			ip := ing[0].IP
			if ip == "" {
				ip = ing[0].Hostname
			}
			for _, p := range s.Spec.Ports {
				link += "http://" + ip + ":" + strconv.Itoa(int(p.Port)) + " "
			}
		} else {
			name := s.Name
			if len(s.Spec.Ports) > 0 {
				p := s.Spec.Ports[0]
				scheme := ""
				if p.Name == "https" || p.Port == 443 {
					scheme = "https"
				}
				name = joinSchemeNamePort(scheme, s.Name, p.Name)
			}
			link = host + "/api/v1/namespaces/" + s.Namespace + "/services/" + name + "/proxy"
		}
		title := s.Labels["kubernetes.io/name"]
		if title == "" {
			title = s.Name
		}
		lines = append(lines, [2]string{title, link})
	}
	return lines
}

// joinSchemeNamePort is apimachinery's utilnet.JoinSchemeNamePort.
func joinSchemeNamePort(scheme, name, port string) string {
	if scheme != "" {
		return scheme + ":" + name + ":" + port
	}
	if port != "" {
		return name + ":" + port
	}
	return name
}

// colorOn tells whether cluster-info colours its names and links: only
// on a terminal, as the real kubectl (go-colortext) does.
func colorOn(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isTerminal(f)
}

func writeClusterInfo(w io.Writer, lines [][2]string, color bool) {
	green, yellow, reset := "", "", ""
	if color {
		green, yellow, reset = "\x1b[0;32m", "\x1b[0;33m", "\x1b[0m"
	}
	for _, l := range lines {
		fmt.Fprintf(w, "%s%s%s is running at %s%s%s\n", green, l[0], reset, yellow, l[1], reset)
	}
}

// newClusterInfoCommand is `kubectl cluster-info`.
func newClusterInfoCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "cluster-info",
		Short: "Display cluster information",
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := o.client()
			if err != nil {
				return err
			}
			ns := o.namespace
			if ns == "" {
				ns = "kube-system"
			}
			info, _ := api.ForResource("", "v1", "services")
			objs, _, err := c.List(cmd.Context(), info, ns, client.ListOptions{LabelSelector: clusterServiceSelector})
			if err == nil {
				svcs := make([]api.Service, 0, len(objs))
				for _, obj := range objs {
					svcs = append(svcs, *obj.(*api.Service))
				}
				writeClusterInfo(o.out, clusterInfoLines(c.Server(), svcs), colorOn(o.out))
			}
			fmt.Fprint(o.out, "\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n")
			return err
		},
	}
}

// getRawPath is `kubectl get --raw PATH`: the body as the server sent it.
func getRawPath(ctx context.Context, o *options, path string) error {
	c, err := o.client()
	if err != nil {
		return err
	}
	data, err := c.Do(ctx, http.MethodGet, path, nil, nil)
	if err != nil {
		return err
	}
	_, err = o.out.Write(data)
	return err
}

// runGetRaw checks --raw as kubectl's get does, then prints the body.
func runGetRaw(cmd *cobra.Command, o *options, g *getOptions, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("arguments may not be passed when --raw is specified")
	}
	if g.watch || g.watchOnly || g.selector != "" {
		return fmt.Errorf("--raw may not be specified with other flags that filter the server request or alter the output")
	}
	if g.output != "" {
		return usageError(cmd, "--raw and --output are mutually exclusive")
	}
	if _, err := url.ParseRequestURI(g.raw); err != nil {
		return usageError(cmd, "--raw must be a valid URL path: %v", err)
	}
	return getRawPath(cmd.Context(), o, g.raw)
}

// printWatchEvent prints a watch event as kubectl get -w
// --output-watch-events does: {"type":T,"object":O} as one compact JSON
// line (keys sorted, as kubectl marshals unstructured objects), as a YAML
// document, through a template, or by name.
func printWatchEvent(w io.Writer, g *getOptions, info *api.ResourceInfo, eventType string, obj api.Object) error {
	u, err := unstructuredOf(obj)
	if err != nil {
		return err
	}
	ev := struct {
		Type   string `json:"type"`
		Object any    `json:"object"`
	}{eventType, u}
	switch {
	case g.output == "json":
		b, err := json.Marshal(ev)
		if err != nil {
			return fmt.Errorf("encode JSON: %w", err)
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	case g.output == "yaml":
		if _, err := io.WriteString(w, "---\n"); err != nil {
			return err
		}
		return printObject(w, "yaml", ev)
	case g.output == "name":
		_, err := fmt.Fprintf(w, "%s/%s\n", kindName(info), obj.GetObjectMeta().Name)
		return err
	}
	if g.printer == nil {
		p, err := newTemplatePrinter(templateOutput{output: g.output, template: g.template, allowMissing: g.allowMissingKeys, noHeaders: g.noHeaders})
		if err != nil {
			return err
		}
		g.printer = p
	}
	uev, err := unstructuredOf(ev)
	if err != nil {
		return err
	}
	return g.printer.printObject(w, uev)
}
