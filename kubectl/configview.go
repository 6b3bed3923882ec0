package kubectl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/spf13/cobra"

	"minik8s/pkg/client"
)

// `kubectl config view`: the kubeconfig file in use, with secrets redacted
// unless --raw, only the current context's entries with --minify, in
// -o yaml|json|jsonpath=…. With --server, or without a kubeconfig file,
// it is the standard kubeconfig of the cluster kubectl talks to (one
// cluster, context and user named minik8s), which is what the compat
// tests and the set-up hand to the real clients.

func newConfigViewCommand(o *options) *cobra.Command {
	var raw, minify bool
	out := templateOutput{allowMissing: true}
	cmd := &cobra.Command{
		Use:   "view",
		Short: "Display merged kubeconfig settings or a specified kubeconfig file",
		Args:  noArgsUnexpectedLower,
		RunE: func(cmd *cobra.Command, _ []string) error {
			doc, err := o.viewDocument()
			if err != nil {
				return err
			}
			if minify {
				if o.selection.Context != "" {
					doc["current-context"] = o.selection.Context // as kubectl: --context picks what --minify keeps
				}
				if doc, err = minifyKubeconfig(doc); err != nil {
					return err
				}
			}
			if !raw {
				redactKubeconfig(doc)
			}
			switch out.output {
			case "", "yaml":
				return printObject(o.out, "yaml", doc)
			case "json":
				return printObject(o.out, "json", orderedKubeconfig(doc))
			}
			if !isTemplateFormat(out.output) {
				return fmt.Errorf("unable to match a printer suitable for the output format %q, allowed formats are: json,jsonpath,jsonpath-as-json,jsonpath-file,yaml", out.output)
			}
			p, err := newTemplatePrinter(out)
			if err != nil {
				return err
			}
			u, err := unstructuredOf(doc)
			if err != nil {
				return err
			}
			return p.printObject(o.out, u)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&raw, "raw", false, "Display raw byte data and sensitive data")
	f.BoolVar(&minify, "minify", false, "Remove all information not used by current-context from the output")
	f.StringVarP(&out.output, "output", "o", "yaml", "Output format: yaml, json, jsonpath=TEMPLATE, jsonpath-file=FILE, jsonpath-as-json=TEMPLATE")
	f.StringVar(&out.template, "template", "", "Template string or path to template file to use when -o=jsonpath")
	return cmd
}

// viewDocument is the kubeconfig config view starts from.
func (o *options) viewDocument() (map[string]any, error) {
	if o.server == "" {
		f, err := o.loadKubeconfig()
		if err != nil {
			return nil, err
		}
		if f.path != "" {
			doc := f.doc
			doc["apiVersion"], doc["kind"] = "v1", "Config"
			if doc["preferences"] == nil {
				doc["preferences"] = map[string]any{}
			}
			if doc["current-context"] == nil {
				doc["current-context"] = ""
			}
			return doc, nil
		}
	}
	cfg, err := o.config()
	if err != nil {
		return nil, err
	}
	ns := cfg.Namespace
	if o.namespace != "" {
		ns = o.namespace
	}
	b, err := client.NewKubeconfig(cfg.Server, ns).YAML()
	if err != nil {
		return nil, err
	}
	f := &kubeconfigFile{}
	if err := unmarshalYAML(b, &f.doc); err != nil {
		return nil, err
	}
	return f.doc, nil
}

// minifyKubeconfig keeps the current context and its cluster and user.
func minifyKubeconfig(doc map[string]any) (map[string]any, error) {
	cur, _ := doc["current-context"].(string)
	if cur == "" {
		return nil, errors.New("current-context must exist in order to minify")
	}
	ctx := namedEntry(doc, "contexts", cur)
	if ctx == nil {
		return nil, fmt.Errorf("cannot locate context %s", cur)
	}
	inner, _ := ctx["context"].(map[string]any)
	keep := func(list, name string) []any {
		if e := namedEntry(doc, list, name); e != nil {
			return []any{e}
		}
		return nil
	}
	clusterName, _ := inner["cluster"].(string)
	userName, _ := inner["user"].(string)
	doc["contexts"] = []any{ctx}
	doc["clusters"] = keep("clusters", clusterName)
	doc["users"] = keep("users", userName)
	return doc, nil
}

func namedEntry(doc map[string]any, list, name string) map[string]any {
	entries, _ := doc[list].([]any)
	for _, e := range entries {
		if m, ok := e.(map[string]any); ok && m["name"] == name {
			return m
		}
	}
	return nil
}

// redactKubeconfig hides key material as kubectl does: *-data fields
// become DATA+OMITTED, tokens and passwords REDACTED.
func redactKubeconfig(doc map[string]any) {
	for _, list := range []string{"clusters", "users"} {
		entries, _ := doc[list].([]any)
		for _, e := range entries {
			m, _ := e.(map[string]any)
			inner, _ := m[map[string]string{"clusters": "cluster", "users": "user"}[list]].(map[string]any)
			for k := range inner {
				switch k {
				case "certificate-authority-data", "client-certificate-data", "client-key-data":
					inner[k] = "DATA+OMITTED"
				case "token", "password":
					inner[k] = "REDACTED"
				}
			}
		}
	}
}

// orderedKubeconfig puts the fields in kubectl's JSON order (client-go's
// clientcmd/api/v1 struct order) at every level.
func orderedKubeconfig(doc map[string]any) any {
	named := func(list, inner string, fields []string) any {
		entries, ok := doc[list].([]any)
		if !ok {
			return doc[list]
		}
		out := make([]any, len(entries))
		for i, e := range entries {
			m, ok := e.(map[string]any)
			if !ok {
				out[i] = e
				continue
			}
			in := m[inner]
			if im, ok := in.(map[string]any); ok {
				in = orderedFields{im, fields}
			}
			out[i] = orderedFields{map[string]any{"name": m["name"], inner: in}, []string{"name", inner}}
		}
		return out
	}
	return struct {
		Kind           any `json:"kind"`
		APIVersion     any `json:"apiVersion"`
		Preferences    any `json:"preferences"`
		Clusters       any `json:"clusters"`
		Users          any `json:"users"`
		Contexts       any `json:"contexts"`
		CurrentContext any `json:"current-context"`
	}{doc["kind"], doc["apiVersion"], doc["preferences"],
		named("clusters", "cluster", []string{"server", "tls-server-name", "insecure-skip-tls-verify", "certificate-authority", "certificate-authority-data", "proxy-url", "disable-compression"}),
		named("users", "user", []string{"client-certificate", "client-certificate-data", "client-key", "client-key-data", "token", "tokenFile", "as", "as-uid", "as-groups", "as-user-extra", "username", "password", "auth-provider", "exec"}),
		named("contexts", "context", []string{"cluster", "user", "namespace"}),
		doc["current-context"]}
}

// orderedFields marshals a map with the listed keys first, in that order,
// then the others sorted (extensions and unknown fields).
type orderedFields struct {
	m     map[string]any
	order []string
}

func (o orderedFields) MarshalJSON() ([]byte, error) {
	keys := make([]string, 0, len(o.m))
	seen := map[string]bool{}
	for _, k := range o.order {
		if _, ok := o.m[k]; ok {
			keys, seen[k] = append(keys, k), true
		}
	}
	var rest []string
	for k := range o.m {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range append(keys, rest...) {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(o.m[k])
		if err != nil {
			return nil, err
		}
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
