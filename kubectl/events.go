package kubectl

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/printers"
)

// `kubectl events`: the events of a namespace (or -A), oldest first, as
// kubectl v1.32's events command prints them (client-side, unlike
// `get events`), optionally only those about --for TYPE/NAME or of
// --types.

func newEventsCommand(o *options) *cobra.Command {
	var allNamespaces, noHeaders, watch bool
	var forObj, output string
	var types []string
	cmd := &cobra.Command{
		Use:   "events [(-o|--output=)json|yaml|name|go-template|...] [--for TYPE/NAME] [--watch] [--types=Normal,Warning]",
		Short: "List events",
		Args:  noArgsUnexpectedLower,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if watch {
				return fmt.Errorf("--watch is not supported by minik8s's kubectl events; use kubectl get events --watch")
			}
			switch output {
			case "", "json", "yaml":
			default:
				return fmt.Errorf("unable to match a printer suitable for the output format %q, allowed formats are: json,yaml", output)
			}
			for _, t := range types {
				if t != "Normal" && t != "Warning" {
					return fmt.Errorf("valid --types are Normal or Warning")
				}
			}
			c, ns, err := o.clientNS()
			if err != nil {
				return err
			}
			if allNamespaces {
				ns = ""
			}
			var lo client.ListOptions
			if forObj != "" {
				typ, name, ok := strings.Cut(forObj, "/")
				if !ok || typ == "" || name == "" {
					return fmt.Errorf("--for must be in resource/name form")
				}
				info, err := api.Lookup(typ)
				if err != nil {
					return err
				}
				lo.FieldSelector = "involvedObject.kind=" + info.Kind + ",involvedObject.apiVersion=" + info.APIVersion() + ",involvedObject.name=" + name
			}
			list, _, err := c.Events(ns).List(cmd.Context(), lo)
			if err != nil {
				return err
			}
			evs := filterEventTypes(list, types)
			sortEventsByTime(evs)
			if output != "" {
				items := make([]any, len(evs))
				for i, e := range evs {
					items[i] = e
				}
				return printObject(o.out, output, map[string]any{"apiVersion": "v1", "kind": "EventList", "metadata": map[string]any{"resourceVersion": ""}, "items": items})
			}
			if len(evs) == 0 {
				if allNamespaces {
					fmt.Fprintln(o.err, "No events found.")
				} else {
					fmt.Fprintf(o.err, "No events found in %s namespace.\n", ns)
				}
				return nil
			}
			return printEventList(o, evs, allNamespaces, noHeaders, time.Now())
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&allNamespaces, "all-namespaces", "A", false, "If present, list the requested object(s) across all namespaces")
	f.BoolVar(&noHeaders, "no-headers", false, "When using the default output format, don't print headers")
	f.BoolVarP(&watch, "watch", "w", false, "After listing the requested events, watch for more events (not supported)")
	f.StringVar(&forObj, "for", "", "Filter events to only those pertaining to the specified resource")
	f.StringVarP(&output, "output", "o", "", "Output format: json or yaml")
	f.StringSliceVar(&types, "types", nil, "Output only events of given types")
	return cmd
}

func filterEventTypes(list []*api.Event, types []string) []*api.Event {
	if len(types) == 0 {
		return list
	}
	var out []*api.Event
	for _, e := range list {
		for _, t := range types {
			if strings.EqualFold(e.Type, t) {
				out = append(out, e)
				break
			}
		}
	}
	return out
}

// sortEventsByTime is the events command's order: by lastTimestamp, or
// eventTime when there is none.
func sortEventsByTime(evs []*api.Event) {
	at := func(e *api.Event) time.Time {
		if !e.LastTimestamp.IsZero() {
			return e.LastTimestamp.Time
		}
		return e.EventTime.Time
	}
	sort.SliceStable(evs, func(i, j int) bool { return at(evs[i]).Before(at(evs[j])) })
}

// printEventList prints the events command's table.
func printEventList(o *options, evs []*api.Event, allNamespaces, noHeaders bool, now time.Time) error {
	tw := printers.NewTabWriter(o.out)
	if !noHeaders {
		if allNamespaces {
			fmt.Fprint(tw, "NAMESPACE\t")
		}
		fmt.Fprint(tw, "LAST SEEN\tTYPE\tREASON\tOBJECT\tMESSAGE\n")
	}
	for _, e := range evs {
		if allNamespaces {
			fmt.Fprintf(tw, "%v\t", e.Namespace)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s/%s\t%v\n", eventInterval(e, now), e.Type, e.Reason,
			e.InvolvedObject.Kind, e.InvolvedObject.Name, strings.TrimSpace(e.Message))
	}
	return tw.Flush()
}

// eventInterval is "age" or "last (xN over first)", as kubectl prints it.
func eventInterval(e *api.Event, now time.Time) string {
	first := printers.MicroAge(e.EventTime, now)
	if e.EventTime.IsZero() {
		first = printers.Age(e.FirstTimestamp, now)
	}
	if e.Count > 1 {
		return fmt.Sprintf("%s (x%d over %s)", printers.Age(e.LastTimestamp, now), e.Count, first)
	}
	return first
}
