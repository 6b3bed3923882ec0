package kubectl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
)

// selection is what kubectl's resource builder reads for the commands
// that change objects in place (label, annotate, set env|resources):
// TYPE NAME..., TYPE/NAME..., TYPE -l SELECTOR | --all, or -f FILE.
type selection struct {
	files         fileFlags
	selector      string
	fieldSelector string
	all           bool
	allNamespaces bool
}

// addSelectors adds -l, --field-selector, --all and -A to cmd; -f is added
// by the caller (its usage text differs per command).
func (s *selection) addSelectors(cmd *cobra.Command, withFieldSelector bool) {
	fl := cmd.Flags()
	fl.StringVarP(&s.selector, "selector", "l", "", "Selector (label query) to filter on, supports '=', '==', and '!='.(e.g. -l key1=value1,key2=value2). Matching objects must satisfy all of the specified label constraints.")
	fl.BoolVar(&s.all, "all", false, "Select all resources, in the namespace of the specified resource types")
	if withFieldSelector {
		fl.StringVar(&s.fieldSelector, "field-selector", "", "Selector (field query) to filter on, supports '=', '==', and '!='.(e.g. --field-selector key1=value1,key2=value2). The server only supports a limited number of field queries per type.")
		fl.BoolVarP(&s.allNamespaces, "all-namespaces", "A", false, "If true, check the specified action in all namespaces.")
	}
}

// selected is one object found: its resource, namespace, name and JSON
// as the server sent it (apiVersion and kind set).
type selected struct {
	info      *api.ResourceInfo
	namespace string
	name      string
	obj       map[string]any
}

// ref is "kind.group/name" as kubectl's name printer writes it.
func (s *selected) ref() string { return kindName(s.info) + "/" + s.name }

// hasSelector tells whether objects are chosen by -l, --field-selector or --all.
func (s *selection) hasSelector() bool {
	return s.selector != "" || s.fieldSelector != "" || s.all
}

// check is kubectl's check of --all against the selectors.
func (s *selection) check() error {
	if s.all && s.selector != "" {
		return errors.New("cannot set --all and --selector at the same time")
	}
	if s.all && s.fieldSelector != "" {
		return errors.New("cannot set --all and --field-selector at the same time")
	}
	return nil
}

// find reads the selected objects from the server. single is kubectl's
// "single item implied": one TYPE NAME or TYPE/NAME, no selector, no file.
// Objects that cannot be read are reported in errs (in order), the rest
// are returned, as kubectl's ContinueOnError builder does.
func (s *selection) find(ctx context.Context, o *options, resources []string) (objs []selected, single bool, errs []error, err error) {
	c, ns, err := o.clientNS()
	if err != nil {
		return nil, false, nil, err
	}
	type want struct {
		info      *api.ResourceInfo
		namespace string
		name      string
	}
	var wants []want
	switch {
	case len(s.files.files) > 0:
		if len(resources) > 0 {
			return nil, false, nil, errors.New("when paths, URLs, or stdin is provided as input, you may not specify resource arguments as well")
		}
		srcs, err := s.files.read(o)
		if err != nil {
			return nil, false, nil, err
		}
		for _, src := range srcs {
			info, err := prepare(src.Obj, ns, o.namespace != "")
			if err != nil {
				return nil, false, nil, err
			}
			m := src.Obj.GetObjectMeta()
			wants = append(wants, want{info, m.Namespace, m.Name})
		}
	default:
		targets, err := parseTargets(resources)
		if err != nil {
			return nil, false, nil, err
		}
		for _, t := range targets {
			tns := namespaceFor(t.info, ns)
			if len(t.names) > 0 {
				if s.hasSelector() {
					return nil, false, nil, errors.New("name cannot be provided when a selector is specified")
				}
				for _, n := range t.names {
					wants = append(wants, want{t.info, tns, n})
				}
				continue
			}
			if !s.hasSelector() {
				return nil, false, nil, errNoName
			}
			if s.allNamespaces {
				tns = ""
			}
			listed, err := listRaw(ctx, c, t.info, tns, client.ListOptions{LabelSelector: s.selector, FieldSelector: s.fieldSelector})
			if err != nil {
				return nil, false, nil, err
			}
			objs = append(objs, listed...)
		}
		single = len(wants) == 1 && len(targets) == 1 && !s.hasSelector()
	}
	for _, w := range wants {
		obj, err := getRaw(ctx, c, w.info, w.namespace, w.name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		objs = append(objs, selected{info: w.info, namespace: w.namespace, name: w.name, obj: obj})
	}
	return objs, single, errs, nil
}

// getRaw reads one object as generic JSON.
func getRaw(ctx context.Context, c *client.Client, info *api.ResourceInfo, ns, name string) (map[string]any, error) {
	data, err := c.Do(ctx, http.MethodGet, info.Path(ns, name), nil, nil)
	if err != nil {
		return nil, err
	}
	return decodeRaw(info, data)
}

// decodeRaw decodes an object's JSON and sets its apiVersion and kind.
func decodeRaw(info *api.ResourceInfo, data []byte) (map[string]any, error) {
	var obj map[string]any
	if err := json.Unmarshal(data, &obj); err != nil {
		return nil, fmt.Errorf("decode %s: %w", info.Kind, err)
	}
	obj["apiVersion"], obj["kind"] = info.APIVersion(), info.Kind
	return obj, nil
}

// listRaw lists objects as generic JSON, in the server's order.
func listRaw(ctx context.Context, c *client.Client, info *api.ResourceInfo, ns string, lo client.ListOptions) ([]selected, error) {
	q := url.Values{}
	if lo.LabelSelector != "" {
		q.Set("labelSelector", lo.LabelSelector)
	}
	if lo.FieldSelector != "" {
		q.Set("fieldSelector", lo.FieldSelector)
	}
	path := info.Path(ns, "")
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	data, err := c.Do(ctx, http.MethodGet, path, nil, nil)
	if err != nil {
		return nil, err
	}
	var list struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("decode %s: %w", info.ListKind(), err)
	}
	out := make([]selected, 0, len(list.Items))
	for _, raw := range list.Items {
		obj, err := decodeRaw(info, raw)
		if err != nil {
			return nil, err
		}
		meta, _ := obj["metadata"].(map[string]any)
		name, _ := meta["name"].(string)
		objNS, _ := meta["namespace"].(string)
		out = append(out, selected{info: info, namespace: objNS, name: name, obj: obj})
	}
	return out, nil
}

// patchRaw sends a merge patch (a server dry run when dry) and returns
// the object the server answers with.
func patchRaw(ctx context.Context, c *client.Client, s *selected, patch []byte, pt client.PatchType, dry bool) (map[string]any, error) {
	data, err := c.Do(ctx, http.MethodPatch, s.info.Path(s.namespace, s.name)+dryRunQuery(dry), patch, map[string]string{"Content-Type": string(pt)})
	if err != nil {
		return nil, err
	}
	return decodeRaw(s.info, data)
}

// aggregateErr prints errs as kubectl's CheckErr prints an aggregate
// error: one error in the usual form; several one a line, API errors in
// their standard form and others bare. It returns the error the command
// fails with (nil when errs is empty).
func aggregateErr(o *options, errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		if _, ok := client.AsStatus(errs[0]); !ok && strings.HasPrefix(errs[0].Error(), "error: ") {
			// kubectl adds no second "error: " (nor newline).
			msg := errs[0].Error()
			if !strings.HasSuffix(msg, "\n") {
				msg += "\n"
			}
			fmt.Fprint(o.err, msg)
			return &reportedError{err: errs[0]}
		}
		return errs[0]
	}
	for _, err := range errs {
		if _, ok := client.AsStatus(err); ok {
			fmt.Fprintln(o.err, formatError(err))
		} else {
			fmt.Fprintln(o.err, err.Error())
		}
	}
	return errFailed
}
