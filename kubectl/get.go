package kubectl

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/printers"
)

type getOptions struct {
	output        string
	selector      string
	fieldSelector string
	allNamespaces bool
	noHeaders     bool
	showLabels    bool
	labelColumns  []string
	watch         bool
	watchOnly     bool
	// template formats (jsonpath_print.go)
	template         string
	allowMissingKeys bool
	printer          objectPrinter // built once, for a watch
	sortBy           string        // --sort-by JSONPath (sortby.go)
	raw              string        // --raw PATH (reading.go)
	watchEvents      bool          // --output-watch-events
}

func newGetCommand(o *options) *cobra.Command {
	g := &getOptions{}
	cmd := &cobra.Command{
		Use:   "get TYPE[,TYPE...] [NAME...] | TYPE/NAME...",
		Short: "Display one or many resources",
		RunE: func(cmd *cobra.Command, args []string) error {
			if g.raw != "" {
				return runGetRaw(cmd, o, g, args)
			}
			if g.watchEvents && !g.watch && !g.watchOnly {
				return fmt.Errorf("--output-watch-events option can only be used with --watch or --watch-only")
			}
			if len(args) == 0 {
				fmt.Fprint(cmd.ErrOrStderr(), "You must specify the type of resource to get. Use \"kubectl api-resources\" for a complete list of supported resources.\n\n")
				return usageError(cmd, "Required resource not specified.\nUse \"kubectl explain <resource>\" for a detailed description of that resource (e.g. kubectl explain pods).")
			}
			return runGet(cmd.Context(), o, g, args)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&g.output, "output", "o", "", "Output format: wide, yaml, json, name, jsonpath=TEMPLATE, jsonpath-file=FILE, jsonpath-as-json=TEMPLATE, custom-columns=SPEC or custom-columns-file=FILE")
	f.StringVar(&g.template, "template", "", "Template string or path to template file to use when -o=jsonpath or -o=custom-columns")
	f.BoolVar(&g.allowMissingKeys, "allow-missing-template-keys", true, "If true, ignore any errors in templates when a field or map key is missing in the template")
	f.StringVarP(&g.selector, "selector", "l", "", "Selector (label query) to filter on, e.g. -l key1=value1,key2=value2")
	f.StringVar(&g.fieldSelector, "field-selector", "", "Selector (field query) to filter on, e.g. --field-selector spec.nodeName=node-1")
	f.BoolVarP(&g.allNamespaces, "all-namespaces", "A", false, "List the requested object(s) across all namespaces")
	f.BoolVar(&g.noHeaders, "no-headers", false, "When using the default or wide output format, don't print headers")
	f.BoolVar(&g.showLabels, "show-labels", false, "When printing, show all labels as the last column")
	f.StringSliceVarP(&g.labelColumns, "label-columns", "L", nil, "Labels to present as columns")
	f.BoolVarP(&g.watch, "watch", "w", false, "After listing/getting the requested object, watch for changes")
	f.StringVar(&g.sortBy, "sort-by", "", "If non-empty, sort list types using this field specification, a JSONPath expression (e.g. '{.metadata.name}' or .lastTimestamp)")
	f.BoolVar(&g.watchOnly, "watch-only", false, "Watch for changes to the requested object(s), without listing/getting first")
	f.StringVar(&g.raw, "raw", "", "Raw URI to request from the server.  Uses the transport specified by the kubeconfig file.")
	f.BoolVar(&g.watchEvents, "output-watch-events", false, "Output watch event objects when --watch or --watch-only is used. Existing objects are output as initial ADDED events.")
	return cmd
}

func (g *getOptions) listOptions() client.ListOptions {
	return client.ListOptions{LabelSelector: g.selector, FieldSelector: g.fieldSelector}
}

func (g *getOptions) printOptions() printers.PrintOptions {
	return printers.PrintOptions{Wide: g.output == "wide", NoHeaders: g.noHeaders, WithNamespace: g.allNamespaces,
		ShowLabels: g.showLabels, ColumnLabels: g.labelColumns}
}

func runGet(ctx context.Context, o *options, g *getOptions, args []string) error {
	if g.output == "" && g.template != "" {
		g.output = "go-template" // kubectl: --template alone means a Go template
	}
	switch g.output {
	case "", "wide", "yaml", "json", "name":
	default:
		if !isTemplateFormat(g.output) {
			return fmt.Errorf("unable to match a printer suitable for the output format %q, allowed formats are: %s", g.output, getFormats)
		}
	}
	targets, err := parseTargets(args)
	if err != nil {
		return err
	}
	c, ns, err := o.clientNS()
	if err != nil {
		return err
	}
	if g.allNamespaces {
		ns = ""
	}
	for _, t := range targets {
		if len(t.names) > 0 && g.selector != "" {
			return fmt.Errorf("name cannot be provided when a selector is specified")
		}
	}
	if g.watch || g.watchOnly {
		if len(targets) != 1 {
			return fmt.Errorf("you may only specify a single resource type")
		}
		if g.sortBy != "" && g.watch {
			fmt.Fprintln(o.err, "warning: --watch requested, --sort-by will be ignored for watch events received")
		}
		return watchGet(ctx, o, c, g, targets[0], ns)
	}
	if g.output == "" || g.output == "wide" {
		return getTables(ctx, o, c, g, targets, ns)
	}
	return getObjects(ctx, o, c, g, targets, ns)
}

// fetchTable asks the server for the Table of one object (name set) or of a
// list; a server that answers with plain objects gets them printed locally.
func fetchTable(ctx context.Context, c *client.Client, info *api.ResourceInfo, ns, name string, lo client.ListOptions) (*api.Table, error) {
	path := info.Path(namespaceFor(info, ns), name)
	q := url.Values{}
	if name == "" {
		if lo.LabelSelector != "" {
			q.Set("labelSelector", lo.LabelSelector)
		}
		if lo.FieldSelector != "" {
			q.Set("fieldSelector", lo.FieldSelector)
		}
	}
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	data, err := c.Do(ctx, http.MethodGet, path, nil, map[string]string{"Accept": client.TableAccept})
	if err != nil {
		return nil, err
	}
	return tableFromBody(info, data, name != "")
}

// tableFromBody reads a Table, or prints an object or list as one.
func tableFromBody(info *api.ResourceInfo, data []byte, single bool) (*api.Table, error) {
	var tm api.TypeMeta
	if err := json.Unmarshal(data, &tm); err != nil {
		return nil, fmt.Errorf("decode response: %w", err)
	}
	if tm.Kind == "Table" {
		var t api.Table
		if err := json.Unmarshal(data, &t); err != nil {
			return nil, fmt.Errorf("decode Table: %w", err)
		}
		return &t, nil
	}
	var objs []api.Object
	rv := ""
	if single {
		obj := api.NewFor(info)
		if err := json.Unmarshal(data, obj); err != nil {
			return nil, fmt.Errorf("decode %s: %w", info.Kind, err)
		}
		objs = append(objs, obj)
	} else {
		var list struct {
			Metadata api.ListMeta      `json:"metadata"`
			Items    []json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal(data, &list); err != nil {
			return nil, fmt.Errorf("decode %s: %w", info.ListKind(), err)
		}
		for _, raw := range list.Items {
			obj := api.NewFor(info)
			if err := json.Unmarshal(raw, obj); err != nil {
				return nil, fmt.Errorf("decode %s: %w", info.Kind, err)
			}
			objs = append(objs, obj)
		}
		rv = list.Metadata.ResourceVersion
	}
	t, err := printers.TableFor(info, objs, time.Now())
	if err != nil {
		return nil, err
	}
	t.ResourceVersion = rv
	return t, nil
}

func getTables(ctx context.Context, o *options, c *client.Client, g *getOptions, targets []target, ns string) error {
	failed, printed := false, false
	multi := len(targets) > 1
	allNamespaced := true
	for _, t := range targets {
		var table *api.Table
		if g.sortBy != "" {
			objs, err := fetchObjects(ctx, o, c, g, t, ns, &failed)
			if err != nil {
				return err
			}
			if err := sortObjects(g.sortBy, objs, nil); err != nil {
				return err
			}
			if table, err = printers.TableFor(t.info, objs, time.Now()); err != nil {
				return err
			}
		} else if len(t.names) == 0 {
			tb, err := fetchTable(ctx, c, t.info, ns, "", g.listOptions())
			if err != nil {
				return err
			}
			table = tb
		} else {
			for _, name := range t.names {
				tb, err := fetchTable(ctx, c, t.info, ns, name, client.ListOptions{})
				if err != nil {
					failed = true
					fmt.Fprintln(o.err, formatError(err))
					continue
				}
				if table == nil {
					table = tb
				} else {
					table.Rows = append(table.Rows, tb.Rows...)
				}
			}
		}
		if !t.info.Namespaced {
			allNamespaced = false
		}
		if table == nil || len(table.Rows) == 0 {
			continue
		}
		if printed {
			fmt.Fprintln(o.out)
		}
		po := g.printOptions()
		po.WithNamespace = g.allNamespaces && t.info.Namespaced
		if multi {
			po.Kind = kindName(t.info)
		}
		if err := printers.PrintTable(o.out, table, po); err != nil {
			return err
		}
		printed = true
	}
	if failed {
		return errFailed
	}
	if !printed {
		fmt.Fprintln(o.err, noResources(ns, g.allNamespaces, allNamespaced))
	}
	return nil
}

// fetchObjects lists t's objects, or gets its names one by one (printing
// and counting the failures in *failed).
func fetchObjects(ctx context.Context, o *options, c *client.Client, g *getOptions, t target, ns string, failed *bool) ([]api.Object, error) {
	tns := namespaceFor(t.info, ns)
	if len(t.names) == 0 {
		list, _, err := c.List(ctx, t.info, tns, g.listOptions())
		return list, err
	}
	var objs []api.Object
	for _, name := range t.names {
		obj, err := c.Get(ctx, t.info, tns, name)
		if err != nil {
			*failed = true
			fmt.Fprintln(o.err, formatError(err))
			continue
		}
		objs = append(objs, obj)
	}
	return objs, nil
}

// getObjects prints -o yaml|json|name and the template formats.
func getObjects(ctx context.Context, o *options, c *client.Client, g *getOptions, targets []target, ns string) error {
	var objs []api.Object
	var infos []*api.ResourceInfo
	failed := false
	single := len(targets) == 1 && len(targets[0].names) == 1
	for _, t := range targets {
		tns := namespaceFor(t.info, ns)
		if len(t.names) == 0 {
			list, _, err := c.List(ctx, t.info, tns, g.listOptions())
			if err != nil {
				return err
			}
			for _, obj := range list {
				objs, infos = append(objs, obj), append(infos, t.info)
			}
			continue
		}
		for _, name := range t.names {
			obj, err := c.Get(ctx, t.info, tns, name)
			if err != nil {
				failed = true
				fmt.Fprintln(o.err, formatError(err))
				continue
			}
			objs, infos = append(objs, obj), append(infos, t.info)
		}
	}
	if g.sortBy != "" {
		if err := sortObjects(g.sortBy, objs, infos); err != nil {
			return err
		}
	}
	if isTemplateFormat(g.output) {
		if err := printTemplate(o.out, g, objs, single); err != nil {
			return err
		}
	} else if g.output == "name" {
		// An empty -o name prints nothing at all, as kubectl's.
		for i, obj := range objs {
			fmt.Fprintf(o.out, "%s/%s\n", kindName(infos[i]), obj.GetObjectMeta().Name)
		}
	} else if single {
		if len(objs) == 1 {
			if err := printObject(o.out, g.output, objs[0]); err != nil {
				return err
			}
		}
	} else {
		items := make([]any, len(objs))
		for i, obj := range objs {
			items[i] = obj
		}
		list := map[string]any{"apiVersion": "v1", "kind": "List", "metadata": map[string]any{"resourceVersion": ""}, "items": items}
		if err := printObject(o.out, g.output, list); err != nil {
			return err
		}
	}
	if failed {
		return errFailed
	}
	return nil
}

// printObject writes v as kubectl's -o json (4-space indent) or -o yaml.
func printObject(w io.Writer, format string, v any) error {
	switch format {
	case "json":
		b, err := json.MarshalIndent(v, "", "    ")
		if err != nil {
			return fmt.Errorf("encode JSON: %w", err)
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	case "yaml":
		b, err := yaml.Marshal(v)
		if err != nil {
			return fmt.Errorf("encode YAML: %w", err)
		}
		_, err = w.Write(b)
		return err
	}
	return fmt.Errorf("unknown output format %q", format)
}

// watchGet prints the current state (unless --watch-only), then one line
// (or object) per watch event until the command's context ends.
func watchGet(ctx context.Context, o *options, c *client.Client, g *getOptions, t target, ns string) error {
	if len(t.names) > 1 {
		return fmt.Errorf("watch is only supported on individual resources and resource collections, but %d resources were found", len(t.names))
	}
	lo := g.listOptions()
	name := ""
	if len(t.names) == 1 {
		name = t.names[0]
		lo.FieldSelector = "metadata.name=" + name
	}
	tns := namespaceFor(t.info, ns)
	tableOut := g.output == "" || g.output == "wide"
	po := g.printOptions()
	po.WithNamespace = g.allNamespaces && t.info.Namespaced
	headerDone := g.noHeaders
	aligned := &printers.AlignedRows{}      // rows keep the first table's column widths
	var columns []api.TableColumnDefinition // watch events after the first omit them

	var rv string
	if g.watchOnly {
		_, listRV, err := c.List(ctx, t.info, tns, lo)
		if err != nil {
			return err
		}
		rv = listRV
	} else if tableOut {
		table, err := fetchTable(ctx, c, t.info, tns, "", lo)
		if err != nil {
			return err
		}
		if name != "" && len(table.Rows) == 0 {
			return &client.StatusError{Status: api.Status{Status: "Failure", Reason: client.ReasonNotFound, Code: 404,
				Message: fmt.Sprintf("%s %q not found", t.info.GroupResource(), name)}}
		}
		columns = table.ColumnDefinitions
		if len(table.Rows) > 0 {
			if err := printWatchTable(o.out, aligned, table, po, g.watchEvents, "ADDED"); err != nil {
				return err
			}
			headerDone = true
		}
		rv = table.ResourceVersion
	} else {
		objs, listRV, err := c.List(ctx, t.info, tns, lo)
		if err != nil {
			return err
		}
		for _, obj := range objs {
			if err := printWatched(o.out, g, t.info, "ADDED", obj); err != nil {
				return err
			}
		}
		rv = listRV
	}

	q := url.Values{}
	if lo.LabelSelector != "" {
		q.Set("labelSelector", lo.LabelSelector)
	}
	if lo.FieldSelector != "" {
		q.Set("fieldSelector", lo.FieldSelector)
	}
	if rv != "" {
		q.Set("resourceVersion", rv)
	}
	headers := map[string]string{}
	if tableOut {
		headers["Accept"] = client.TableAccept
	}
	w, err := c.WatchRaw(ctx, t.info.Path(tns, "")+"?"+q.Encode(), headers)
	if err != nil {
		return err
	}
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.ResultChan():
			if !ok {
				return nil
			}
			switch ev.Type {
			case api.Bookmark:
				continue
			case api.Error:
				return client.NewStatusError(http.StatusInternalServerError, ev.Object)
			}
			if !tableOut {
				obj := api.NewFor(t.info)
				if err := json.Unmarshal(ev.Object, obj); err != nil {
					return fmt.Errorf("decode %s: %w", t.info.Kind, err)
				}
				if err := printWatched(o.out, g, t.info, string(ev.Type), obj); err != nil {
					return err
				}
				continue
			}
			table, err := tableFromBody(t.info, ev.Object, true)
			if err != nil {
				return err
			}
			if len(table.ColumnDefinitions) == 0 {
				table.ColumnDefinitions = columns
			} else {
				columns = table.ColumnDefinitions
			}
			rowOpts := po
			rowOpts.NoHeaders = headerDone
			if err := printWatchTable(o.out, aligned, table, rowOpts, g.watchEvents, string(ev.Type)); err != nil {
				return err
			}
			headerDone = true
		}
	}
}

// printWatchTable prints a watch's table rows aligned under the first
// table's, with kubectl's EVENT column for --output-watch-events.
func printWatchTable(w io.Writer, aligned *printers.AlignedRows, t *api.Table, po printers.PrintOptions, events bool, eventType string) error {
	header, rows, err := printers.TableCells(t, po)
	if err != nil {
		return err
	}
	var lines [][]string
	if header != nil {
		if events {
			header = append([]string{"EVENT"}, header...)
		}
		lines = append(lines, header)
	}
	for _, r := range rows {
		if events {
			r = append([]string{fmt.Sprintf("%-8s", eventType)}, r...)
		}
		lines = append(lines, r)
	}
	return aligned.Write(w, lines)
}

func printWatched(w io.Writer, g *getOptions, info *api.ResourceInfo, eventType string, obj api.Object) error {
	format := g.output
	if g.watchEvents {
		return printWatchEvent(w, g, info, eventType, obj)
	}
	if isTemplateFormat(format) {
		return printTemplate(w, g, []api.Object{obj}, true)
	}
	if format == "name" {
		_, err := fmt.Fprintf(w, "%s/%s\n", kindName(info), obj.GetObjectMeta().Name)
		return err
	}
	if format == "yaml" {
		if _, err := io.WriteString(w, "---\n"); err != nil {
			return err
		}
	}
	return printObject(w, format, obj)
}
