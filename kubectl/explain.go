package kubectl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/spf13/cobra"

	"minik8s/pkg/api"
)

// explain prints the schema of a resource or of one of its fields from
// the server's OpenAPI v3 document, in kubectl 1.32's plaintext layout
// (kubectl/pkg/explain/v2/templates/plaintext.tmpl): a GROUP/KIND/VERSION
// header, then FIELD, DESCRIPTION and FIELDS.
func newExplainCommand(o *options) *cobra.Command {
	var recursive bool
	var apiVersion, output string
	cmd := &cobra.Command{
		Use:                   "explain TYPE [--recursive=FALSE|TRUE] [--api-version=api-version-group] [--output=plaintext|plaintext-openapiv2]",
		DisableFlagsInUseLine: true,
		Short:                 "Get documentation for a resource",
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case len(args) == 0:
				return errors.New(`You must specify the type of resource to explain. Use "kubectl api-resources" for a complete list of supported resources.`)
			case len(args) > 1:
				return errors.New("We accept only this format: explain RESOURCE")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if output != "plaintext" {
				return fmt.Errorf("unrecognized format: %s", output)
			}
			r, path, err := explainTarget(args[0], apiVersion)
			if err != nil {
				fmt.Fprintln(o.err, err.Error())
				return &reportedError{err: err}
			}
			doc, err := fetchOpenAPIV3(cmd.Context(), o, r)
			if err != nil {
				return err
			}
			out, err := explainDoc(doc, r, path, recursive)
			fmt.Fprint(o.out, out)
			return err
		},
	}
	cmd.Flags().BoolVar(&recursive, "recursive", false, "When true, print the name of all the fields recursively. Otherwise, print the available fields with their description.")
	cmd.Flags().StringVar(&apiVersion, "api-version", "", "Use given api-version (group/version) of the resource.")
	cmd.Flags().StringVar(&output, "output", "plaintext", "Format in which to render the schema. Valid values are: (plaintext, plaintext-openapiv2).")
	return cmd
}

// explainTarget resolves "deployments.apps.spec.replicas" to the resource
// and the field path, as kubectl does: the longest prefix naming a
// resource ("deployments.apps", then "deployments"). With --api-version
// the first segment alone is the resource, and the group version is the
// flag's (served or not: the document lookup reports it).
func explainTarget(arg, apiVersion string) (*api.ResourceInfo, []string, error) {
	parts := strings.Split(arg, ".")
	var r *api.ResourceInfo
	var err error
	n := 1
	if apiVersion == "" {
		for n = len(parts); n > 0; n-- {
			if r, err = api.Lookup(strings.Join(parts[:n], ".")); err == nil {
				break
			}
		}
	}
	if r == nil {
		n = 1
		if r, err = api.Lookup(parts[0]); err != nil {
			return nil, nil, err
		}
	}
	if apiVersion != "" {
		g, v, ok := strings.Cut(apiVersion, "/")
		if !ok {
			g, v = "", apiVersion
		}
		if found, ok := api.ForResource(g, v, r.Resource); ok {
			r = found
		} else {
			cp := *r
			cp.Group, cp.Version = g, v
			r = &cp
		}
	}
	return r, parts[n:], nil
}

// gvrString is how kubectl prints a GroupVersionResource in errors.
func gvrString(r *api.ResourceInfo) string {
	return r.APIVersion() + ", Resource=" + r.Resource
}

// fetchOpenAPIV3 reads the /openapi/v3 index and the document of r's group version.
func fetchOpenAPIV3(ctx context.Context, o *options, r *api.ResourceInfo) (map[string]any, error) {
	c, err := o.client()
	if err != nil {
		return nil, err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	b, err := c.Do(ctx, "GET", "/openapi/v3", nil, nil)
	if err != nil {
		return nil, err
	}
	var index struct {
		Paths map[string]struct {
			ServerRelativeURL string `json:"serverRelativeURL"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(b, &index); err != nil {
		return nil, fmt.Errorf("reading the OpenAPI v3 index: %w", err)
	}
	gvPath := "apis/" + r.APIVersion()
	if r.Group == "" {
		gvPath = "api/" + r.Version
	}
	gv, ok := index.Paths[gvPath]
	if !ok {
		return nil, fmt.Errorf("couldn't find resource for %q", gvrString(r))
	}
	if b, err = c.Do(ctx, "GET", gv.ServerRelativeURL, nil, map[string]string{"Accept": "application/json"}); err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("reading the OpenAPI v3 document of %s: %w", r.APIVersion(), err)
	}
	return doc, nil
}

// explainDoc renders r (and the field path) from its group version's
// document. On an error, what was printed before it is returned too.
func explainDoc(doc map[string]any, r *api.ResourceInfo, path []string, recursive bool) (string, error) {
	gvk := findGVK(doc, r)
	if gvk == nil {
		return "", fmt.Errorf("GVR (%s) not found in OpenAPI schema", gvrString(r))
	}
	var b strings.Builder
	if g, _ := gvk["group"].(string); g != "" {
		b.WriteString("GROUP:      " + g + "\n")
	}
	fmt.Fprintf(&b, "KIND:       %v\nVERSION:    %v\n\n", gvk["kind"], gvk["version"])
	e := &explainer{doc: doc, recursive: recursive}
	schemas, _ := dig(doc, "components", "schemas").(map[string]any)
	for _, name := range sortedKeys(schemas) {
		s, _ := schemas[name].(map[string]any)
		if !hasGVK(s, gvk) {
			continue
		}
		out := e.output(s, nil, path)
		if out == "" {
			return b.String(), fmt.Errorf("field %q does not exist", path[len(path)-1])
		}
		b.WriteString(out + "\n")
		return b.String(), nil
	}
	return b.String(), fmt.Errorf("GVK %v not found in OpenAPI schema", gvkString(gvk))
}

// gvkString prints a GVK map as Go prints the template's map value.
func gvkString(gvk map[string]any) string {
	return fmt.Sprintf("map[group:%v kind:%v version:%v]", gvk["group"], gvk["kind"], gvk["version"])
}

// findGVK takes the kind from the operations on r's paths: cluster-scoped,
// then namespaced, the collection before the item.
func findGVK(doc map[string]any, r *api.ResourceInfo) map[string]any {
	prefix := "/api"
	if r.Group != "" {
		prefix = "/apis/" + r.Group
	}
	base := prefix + "/" + r.Version
	paths, _ := doc["paths"].(map[string]any)
	for _, p := range []string{
		base + "/" + r.Resource, base + "/" + r.Resource + "/{name}",
		base + "/namespaces/{namespace}/" + r.Resource, base + "/namespaces/{namespace}/" + r.Resource + "/{name}",
	} {
		item, _ := paths[p].(map[string]any)
		for _, m := range []string{"get", "post", "put", "patch", "delete"} {
			op, _ := item[m].(map[string]any)
			if gvk, ok := op["x-kubernetes-group-version-kind"].(map[string]any); ok {
				return gvk
			}
		}
	}
	return nil
}

func hasGVK(s map[string]any, gvk map[string]any) bool {
	list, _ := s["x-kubernetes-group-version-kind"].([]any)
	for _, g := range list {
		if m, ok := g.(map[string]any); ok && len(m) == len(gvk) {
			same := true
			for k, v := range gvk {
				same = same && m[k] == v
			}
			if same {
				return true
			}
		}
	}
	return false
}

func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}

// explainer walks schemas as kubectl's plaintext template does.
type explainer struct {
	doc       map[string]any
	recursive bool
}

// resolve follows a local "#/components/schemas/X" reference (nil if none).
func (e *explainer) resolve(ref any) map[string]any {
	s, _ := ref.(string)
	frag, ok := strings.CutPrefix(s, "#")
	if !ok {
		return nil
	}
	cur := e.doc
	for _, k := range strings.Split(frag, "/") {
		if k == "" {
			continue
		}
		next, ok := cur[k].(map[string]any)
		if !ok {
			return nil
		}
		cur = next
	}
	return cur
}

// resolved is s, or what its $ref points to; ref is the reference ("" if none).
func (e *explainer) resolved(s map[string]any) (map[string]any, string) {
	ref, _ := s["$ref"].(string)
	if r := e.resolve(ref); r != nil {
		return r, ref
	}
	return s, ref
}

// mapSchema is a schema-valued "items" or "additionalProperties" (not a bool).
func mapSchema(s map[string]any, key string) map[string]any {
	m, _ := s[key].(map[string]any)
	if len(m) == 0 {
		return nil
	}
	return m
}

// parts are the schemas a schema is made of: its allOf, then its items,
// then its additionalProperties.
func parts(s map[string]any) []map[string]any {
	var out []map[string]any
	all, _ := s["allOf"].([]any)
	for _, a := range all {
		if sub, ok := a.(map[string]any); ok {
			out = append(out, sub)
		}
	}
	for _, k := range []string{"items", "additionalProperties"} {
		if sub := mapSchema(s, k); sub != nil {
			out = append(out, sub)
		}
	}
	return out
}

func withRef(history map[string]bool, ref string) map[string]bool {
	next := map[string]bool{ref: true}
	for k := range history {
		next[k] = true
	}
	return next
}

// output follows the field path, then prints the description and fields
// of the schema it ends at ("" if the path does not exist).
func (e *explainer) output(s map[string]any, history map[string]bool, path []string) string {
	res, ref := e.resolved(s)
	next := withRef(history, ref)
	if len(path) == 0 {
		desc := e.description(s)
		if desc == "" {
			desc = "<empty>"
		}
		out := "DESCRIPTION:\n" + indent(4, wrapWords(76, desc)) + "\n"
		if fields := e.fieldList(res, 1, nil); fields != "" {
			out += "FIELDS:\n" + fields
		}
		return out
	}
	if ref != "" && history[ref] {
		return ""
	}
	props, _ := res["properties"].(map[string]any)
	if sub, ok := props[path[0]].(map[string]any); ok {
		out := ""
		if len(path) == 1 {
			out = "FIELD: " + path[0] + " <" + e.typeGuess(sub) + ">\n\n\n"
		}
		return out + e.output(sub, nil, path[1:])
	}
	if items := mapSchema(res, "items"); items != nil {
		return e.output(items, next, path)
	}
	if ap := mapSchema(res, "additionalProperties"); ap != nil {
		return e.output(ap, next, path)
	}
	all, _ := res["allOf"].([]any)
	for _, a := range all {
		if sub, ok := a.(map[string]any); ok {
			if out := e.output(sub, next, path); out != "" {
				return out
			}
		}
	}
	return ""
}

// description is the schema's description and those of the schemas it
// is made of, one per line.
func (e *explainer) description(s map[string]any) string {
	res, _ := e.resolved(s)
	out := ""
	if d, _ := res["description"].(string); d != "" {
		out += d + "\n"
	}
	for _, sub := range parts(res) {
		out += e.description(sub)
	}
	return out
}

// fieldList lists the properties (recursively with --recursive, stopping
// at a reference already on the way).
func (e *explainer) fieldList(s map[string]any, level int, history map[string]bool) string {
	ref, _ := s["$ref"].(string)
	if ref != "" && history[ref] {
		return ""
	}
	next := withRef(history, ref)
	res, _ := e.resolved(s)
	var b strings.Builder
	props, _ := res["properties"].(map[string]any)
	required, _ := res["required"].([]any)
	for _, name := range sortedKeys(props) {
		b.WriteString(e.fieldDetail(name, props[name], required, level))
		if e.recursive {
			if sub, ok := props[name].(map[string]any); ok {
				b.WriteString(e.fieldList(sub, level+1, next))
			}
		}
	}
	for _, sub := range parts(res) {
		b.WriteString(e.fieldList(sub, level, next))
	}
	return b.String()
}

// fieldDetail is "name\t<type> -required-", then (without --recursive)
// the description and a blank line.
func (e *explainer) fieldDetail(name string, field any, required []any, level int) string {
	fs, _ := field.(map[string]any)
	pad := level * 2
	out := indent(pad, name) + "\t<" + e.typeGuess(fs) + ">"
	for _, r := range required {
		if r == name {
			out += " -required-"
			break
		}
	}
	out += "\n"
	if e.recursive {
		return out
	}
	desc, _ := fs["description"].(string)
	if desc == "" {
		desc = "<no description>"
	}
	return out + indent(pad+2, wrapWords(78-pad, desc)) + "\n\n"
}

// typeGuess names a field's type: string, integer, []Container,
// map[string]string, or the referenced definition's short name.
func (e *explainer) typeGuess(s map[string]any) string {
	if items := mapSchema(s, "items"); items != nil {
		return "[]" + e.typeGuess(items)
	}
	if ap := mapSchema(s, "additionalProperties"); ap != nil {
		return "map[string]" + e.typeGuess(ap)
	}
	all, _ := s["allOf"].([]any)
	if _, hasProps := s["properties"].(map[string]any); len(all) == 1 && !hasProps {
		if sub, ok := all[0].(map[string]any); ok {
			return e.typeGuess(sub)
		}
	}
	typ, _ := s["type"].(string)
	if ref, _ := s["$ref"].(string); ref != "" {
		rs := e.resolve(ref)
		rt, _ := rs["type"].(string)
		if rt == "" || rt == "object" {
			name := ref[strings.LastIndex(ref, "/")+1:]
			if short := name[strings.LastIndex(name, ".")+1:]; short != "" {
				return short
			}
			return "Object"
		}
		return rt
	}
	if typ == "" || typ == "object" {
		return "Object"
	}
	return typ
}

// indent prefixes s and every line after a newline with n spaces.
func indent(n int, s string) string {
	pad := strings.Repeat(" ", n)
	return pad + strings.ReplaceAll(s, "\n", "\n"+pad)
}

// wrapWords wraps s at lim runes as kubectl's word-wrap writer does
// (greedy: a word that would pass the limit starts a new line, the spaces
// before it dropped; words longer than the limit stay whole; existing
// newlines are kept).
func wrapWords(lim int, s string) string {
	var out, word, space strings.Builder
	cur, wordLen, spaceLen := 0, 0, 0
	flush := func() {
		cur += spaceLen + wordLen
		out.WriteString(space.String())
		out.WriteString(word.String())
		space.Reset()
		word.Reset()
		spaceLen, wordLen = 0, 0
	}
	for _, c := range s {
		switch {
		case c == '\n':
			if wordLen == 0 {
				if cur+spaceLen <= lim {
					out.WriteString(space.String())
				}
				space.Reset()
				spaceLen = 0
			} else {
				flush()
			}
			out.WriteRune('\n')
			cur = 0
		case unicode.IsSpace(c) && c != '\u00a0':
			if spaceLen == 0 || wordLen > 0 {
				flush()
			}
			space.WriteRune(c)
			spaceLen++
		default:
			word.WriteRune(c)
			wordLen++
			if cur+spaceLen+wordLen > lim && wordLen < lim {
				out.WriteRune('\n')
				cur = 0
				space.Reset()
				spaceLen = 0
			}
		}
	}
	if wordLen == 0 {
		if cur+spaceLen <= lim {
			out.WriteString(space.String())
		}
	} else {
		out.WriteString(space.String())
		out.WriteString(word.String())
	}
	return out.String()
}
