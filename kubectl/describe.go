package kubectl

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/describe"
	"minik8s/pkg/printers"
)

func newDescribeCommand(o *options) *cobra.Command {
	var selector string
	var allNamespaces, showEvents bool
	cmd := &cobra.Command{
		Use:   "describe (TYPE [NAME_PREFIX | -l label] | TYPE/NAME)",
		Short: "Show details of a specific resource or group of resources",
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if len(args) == 0 {
				return errors.New("You must specify the type of resource to describe. Use \"kubectl api-resources\" for a complete list of supported resources.")
			}
			targets, err := parseTargets(args)
			if err != nil {
				return err
			}
			c, ns, err := o.clientNS()
			if err != nil {
				return err
			}
			if allNamespaces {
				ns = ""
			}
			var objs []api.Object
			failed := false
			for _, t := range targets {
				tns := namespaceFor(t.info, ns)
				if len(t.names) == 0 {
					list, _, err := c.List(ctx, t.info, tns, client.ListOptions{LabelSelector: selector})
					if err != nil {
						return err
					}
					objs = append(objs, list...)
					continue
				}
				for _, name := range t.names {
					found, err := getOrPrefix(ctx, c, t.info, tns, name)
					if err != nil {
						failed = true
						fmt.Fprintln(o.err, formatError(err))
						continue
					}
					objs = append(objs, found...)
				}
			}
			if len(objs) == 0 && !failed {
				fmt.Fprintln(o.err, noResources(ns, allNamespaces, targets[0].info.Namespaced))
			}
			for i, obj := range objs {
				if i > 0 {
					fmt.Fprint(o.out, "\n\n")
				}
				events := []api.Event{}
				if showEvents {
					events = eventsFor(ctx, c, obj)
				}
				rel := related(ctx, c, obj)
				rel.HideEvents = !showEvents
				if err := describe.Describe(o.out, obj, events, rel); err != nil {
					return err
				}
			}
			if failed {
				return errFailed
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&selector, "selector", "l", "", "Selector (label query) to filter on")
	f.BoolVarP(&allNamespaces, "all-namespaces", "A", false, "If present, list the requested object(s) across all namespaces")
	f.BoolVar(&showEvents, "show-events", true, "If true, display events related to the described object")
	return cmd
}

// getOrPrefix gets name, or, like kubectl describe, every object whose
// name starts with it when there is no object of that exact name.
func getOrPrefix(ctx context.Context, c *client.Client, info *api.ResourceInfo, ns, name string) ([]api.Object, error) {
	obj, err := c.Get(ctx, info, ns, name)
	if err == nil {
		return []api.Object{obj}, nil
	}
	if !client.IsNotFound(err) {
		return nil, err
	}
	list, _, lerr := c.List(ctx, info, ns, client.ListOptions{})
	if lerr != nil {
		return nil, err
	}
	var out []api.Object
	for _, o := range list {
		if strings.HasPrefix(o.GetObjectMeta().Name, name) {
			out = append(out, o)
		}
	}
	if len(out) == 0 {
		return nil, err
	}
	return out, nil
}

// eventsFor lists the events about obj in the server's order, selected
// as kubectl's describe selects them (involvedObject name, namespace, kind
// and uid); describe sorts them. Failures only cost the Events section.
func eventsFor(ctx context.Context, c *client.Client, obj api.Object) []api.Event {
	m := obj.GetObjectMeta()
	kind := obj.GetTypeMeta().Kind
	out := eventsAbout(ctx, c, kind, m.Namespace, m.Name, m.UID)
	if kind == "Node" {
		// Kubelets report about their node with the node's name as uid,
		// controllers with its uid: kubectl merges both.
		out = append(out, eventsAbout(ctx, c, kind, m.Namespace, m.Name, m.Name)...)
	}
	return out
}

// eventsAbout lists the events whose involvedObject is kind/ns/name/uid.
func eventsAbout(ctx context.Context, c *client.Client, kind, ns, name, uid string) []api.Event {
	sel := "involvedObject.name=" + name + ",involvedObject.namespace=" + ns
	if kind != "" {
		sel += ",involvedObject.kind=" + kind
	}
	if uid != "" {
		sel += ",involvedObject.uid=" + uid
	}
	evs, _, err := c.Events(ns).List(ctx, client.ListOptions{FieldSelector: sel})
	if err != nil {
		// A server without event field selectors: filter here.
		all, _, lerr := c.Events(ns).List(ctx, client.ListOptions{})
		if lerr != nil {
			return nil
		}
		evs = evs[:0]
		for _, e := range all {
			io := e.InvolvedObject
			if io.Name == name && io.Namespace == ns && (kind == "" || io.Kind == kind) && (uid == "" || io.UID == uid) {
				evs = append(evs, e)
			}
		}
	}
	out := make([]api.Event, 0, len(evs))
	for _, e := range evs {
		out = append(out, *e)
	}
	return out
}

// related fetches what describe shows besides the object: the pods of a
// node, the pods and replica sets of a deployment or replica set, the
// endpoints of a service. Failures only leave sections empty.
func related(ctx context.Context, c *client.Client, obj api.Object) describe.Related {
	var rel describe.Related
	podsOf := func(ns string, sel *api.LabelSelector) []api.Pod {
		s, err := printers.SelectorString(sel)
		if err != nil || s == "" {
			return nil
		}
		pods, _, err := c.Pods(ns).List(ctx, client.ListOptions{LabelSelector: s})
		if err != nil {
			return nil
		}
		out := make([]api.Pod, len(pods))
		for i, p := range pods {
			out[i] = *p
		}
		return out
	}
	switch o := obj.(type) {
	case *api.Node:
		pods, _, err := c.Pods("").List(ctx, client.ListOptions{FieldSelector: "spec.nodeName=" + o.Name})
		if err == nil {
			for _, p := range pods {
				rel.Pods = append(rel.Pods, *p)
			}
		}
	case *api.ReplicaSet:
		rel.Pods = podsOf(o.Namespace, o.Spec.Selector)
	case *api.DaemonSet:
		rel.Pods = podsOf(o.Namespace, o.Spec.Selector)
	case *api.Deployment:
		rel.Pods = podsOf(o.Namespace, o.Spec.Selector)
		if s, err := printers.SelectorString(o.Spec.Selector); err == nil && s != "" {
			if rss, _, err := c.ReplicaSets(o.Namespace).List(ctx, client.ListOptions{LabelSelector: s}); err == nil {
				for _, rs := range rss {
					rel.ReplicaSets = append(rel.ReplicaSets, *rs)
				}
			}
		}
	case *api.Service:
		opts := client.ListOptions{LabelSelector: api.LabelServiceName + "=" + o.Name}
		if slices, _, err := client.Typed[*api.EndpointSlice](c, o.Namespace).List(ctx, opts); err == nil {
			rel.EndpointSlices = slices
		}
	case *api.Ingress:
		rel.Services, rel.EndpointSlices = ingressBackends(ctx, c, o)
	}
	return rel
}

// ingressBackends fetches the Services an Ingress's backends name and
// their EndpointSlices.
func ingressBackends(ctx context.Context, c *client.Client, ing *api.Ingress) ([]*api.Service, []*api.EndpointSlice) {
	var names []string
	add := func(b *api.IngressBackend) {
		if b != nil && b.Service != nil && !slices.Contains(names, b.Service.Name) {
			names = append(names, b.Service.Name)
		}
	}
	add(ing.Spec.DefaultBackend)
	for _, r := range ing.Spec.Rules {
		if r.HTTP != nil {
			for i := range r.HTTP.Paths {
				add(&r.HTTP.Paths[i].Backend)
			}
		}
	}
	var svcs []*api.Service
	var eps []*api.EndpointSlice
	for _, n := range names {
		if svc, err := c.Services(ing.Namespace).Get(ctx, n); err == nil {
			svcs = append(svcs, svc)
		}
		opts := client.ListOptions{LabelSelector: api.LabelServiceName + "=" + n}
		if l, _, err := client.Typed[*api.EndpointSlice](c, ing.Namespace).List(ctx, opts); err == nil {
			eps = append(eps, l...)
		}
	}
	return svcs, eps
}
