package kubectl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
)

// waitCondition is a parsed --for.
type waitCondition struct {
	delete    bool
	condition string // condition type, e.g. Ready
	status    string // wanted condition status, default True
	jsonpath  *jsonPathTemplate
	value     string // jsonpath's wanted value
}

func parseFor(s string) (waitCondition, error) {
	switch {
	case strings.EqualFold(s, "delete"):
		return waitCondition{delete: true}, nil
	case strings.HasPrefix(strings.ToLower(s), "condition="):
		rest := s[len("condition="):]
		cond, status, ok := strings.Cut(rest, "=")
		if !ok {
			status = "True"
		}
		if cond == "" {
			return waitCondition{}, fmt.Errorf("condition name is empty in --for=%s", s)
		}
		return waitCondition{condition: cond, status: status}, nil
	case strings.HasPrefix(strings.ToLower(s), "jsonpath="):
		expr, value, ok := splitJSONPathFor(s[len("jsonpath="):])
		if !ok {
			return waitCondition{}, fmt.Errorf("jsonpath wait format must be --for=jsonpath='{.status.field}'=value")
		}
		expr, err := relaxedJSONPath(strings.Trim(expr, "'\""))
		if err != nil {
			return waitCondition{}, err
		}
		if expr == "" {
			return waitCondition{}, fmt.Errorf("jsonpath expression is empty in --for=%s", s)
		}
		tmpl, err := newJSONPathTemplate(expr)
		if err != nil {
			return waitCondition{}, err
		}
		tmpl.allowMissing = true
		return waitCondition{jsonpath: tmpl, value: strings.Trim(value, "'\"")}, nil
	}
	return waitCondition{}, fmt.Errorf("unrecognized condition: %q", s)
}

// splitJSONPathFor splits "{expr}=value" at the "=" after the template's
// closing brace (a filter's "==" stays in the expression), or a relaxed
// "expr=value" at its first "=".
func splitJSONPathFor(s string) (expr, value string, ok bool) {
	if strings.HasPrefix(strings.TrimLeft(s, "'\""), "{") {
		i := strings.LastIndex(s, "}")
		rest := strings.TrimLeft(s[i+1:], "'\"")
		if !strings.HasPrefix(rest, "=") {
			return "", "", false
		}
		return s[:i+1], rest[1:], true
	}
	return strings.Cut(s, "=")
}

// met reports whether obj satisfies the condition (not used for delete).
func (w waitCondition) met(obj api.Object) (bool, error) {
	data, err := unstructuredOf(obj)
	if err != nil {
		return false, err
	}
	if w.jsonpath != nil {
		// The same engine as -o jsonpath; a missing field is "not yet".
		var out bytes.Buffer
		if err := w.jsonpath.execute(&out, data); err != nil || out.Len() == 0 {
			return false, nil
		}
		return out.String() == w.value, nil
	}
	m, _ := data.(map[string]any)
	status, _ := m["status"].(map[string]any)
	conds, _ := status["conditions"].([]any)
	for _, c := range conds {
		cm, _ := c.(map[string]any)
		if t, _ := cm["type"].(string); strings.EqualFold(t, w.condition) {
			s, _ := cm["status"].(string)
			return strings.EqualFold(s, w.status), nil
		}
	}
	return false, nil
}

func newWaitCommand(o *options) *cobra.Command {
	var forStr, selector string
	var all, allNamespaces bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "wait ([-f FILENAME] | TYPE/NAME | TYPE [NAME | -l label | --all]) --for=delete|condition=C[=S]|jsonpath='{.a.b}'=V",
		Short: "Wait for a specific condition on one or many resources",
		RunE: func(cmd *cobra.Command, args []string) error {
			if forStr == "" {
				return fmt.Errorf("unrecognized condition: %q", forStr)
			}
			cond, err := parseFor(forStr)
			if err != nil {
				return err
			}
			targets, err := parseTargets(args)
			if err != nil {
				return err
			}
			c, ns, err := o.clientNS()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			var victims []victim
			for _, t := range targets {
				tns := namespaceFor(t.info, ns)
				for _, n := range t.names {
					victims = append(victims, victim{info: t.info, namespace: tns, name: n})
				}
				if len(t.names) == 0 {
					if selector == "" && !all {
						return errNoName
					}
					if allNamespaces {
						tns = ""
					}
					objs, _, err := c.List(ctx, t.info, tns, client.ListOptions{LabelSelector: selector})
					if err != nil {
						return err
					}
					for _, obj := range objs {
						m := obj.GetObjectMeta()
						victims = append(victims, victim{info: t.info, namespace: m.Namespace, name: m.Name, uid: m.UID})
					}
				}
			}
			if len(victims) == 0 {
				return fmt.Errorf("no matching resources found")
			}
			for _, v := range victims {
				if err := waitFor(ctx, c, v, cond); err != nil {
					if errors.Is(err, context.DeadlineExceeded) {
						return fmt.Errorf("timed out waiting for the condition on %s/%s", v.info.Resource, v.name)
					}
					return err
				}
				fmt.Fprintf(o.out, "%s/%s condition met\n", kindName(v.info), v.name)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&forStr, "for", "", "The condition to wait on: delete, condition=condition-name[=condition-value] or jsonpath='{JSONPath expression}'=JSONPath value")
	f.StringVarP(&selector, "selector", "l", "", "Selector (label query) to filter on")
	f.BoolVar(&all, "all", false, "Select all resources in the namespace of the specified resource types")
	f.BoolVarP(&allNamespaces, "all-namespaces", "A", false, "List the requested object(s) across all namespaces")
	f.DurationVar(&timeout, "timeout", 30*time.Second, "The length of time to wait before giving up")
	return cmd
}

// waitFor polls v until cond holds (or, for delete, until v is gone).
func waitFor(ctx context.Context, c *client.Client, v victim, cond waitCondition) error {
	if cond.delete {
		return waitGone(ctx, c, v)
	}
	delay := 50 * time.Millisecond
	for {
		obj, err := c.Get(ctx, v.info, v.namespace, v.name)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		ok, err := cond.met(obj)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		if delay < 500*time.Millisecond {
			delay *= 2
		}
	}
}
