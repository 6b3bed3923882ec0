package kubectl

// This file wires the template output formats into kubectl get:
// -o jsonpath=T, -o jsonpath-file=F, -o jsonpath-as-json=T (or the bare
// format with --template=T), -o custom-columns=SPEC and
// -o custom-columns-file=F. Objects are printed from their JSON decoded as
// the real kubectl decodes it (unstructuredOf), and errors read as its own.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"minik8s/pkg/api"
)

var (
	jsonPathFormats      = []string{"jsonpath", "jsonpath-file", "jsonpath-as-json"}
	customColumnsFormats = []string{"custom-columns", "custom-columns-file"}
)

// templateOutput is what selects and configures a template printer.
type templateOutput struct {
	output       string // the -o value
	template     string // --template
	allowMissing bool   // --allow-missing-template-keys (jsonpath only)
	noHeaders    bool   // --no-headers (custom-columns only)
}

// objectPrinter prints one decoded object or a kind: List of them.
type objectPrinter interface {
	printObject(w io.Writer, obj any) error
}

// splitTemplateFormat splits an -o value into one of the template formats
// and its inline template; ok is false for any other format.
func splitTemplateFormat(output string) (format, value string, ok bool) {
	format, value, _ = strings.Cut(output, "=")
	for _, f := range append(append([]string{}, jsonPathFormats...), customColumnsFormats...) {
		if format == f {
			return format, value, true
		}
	}
	return splitGoTemplateFormat(output)
}

// isTemplateFormat tells whether -o names a format of this file.
func isTemplateFormat(output string) bool {
	_, _, ok := splitTemplateFormat(output)
	return ok
}

// newTemplatePrinter builds the printer of a template format, reading its
// file if it has one; errors are those of the real kubectl.
func newTemplatePrinter(o templateOutput) (objectPrinter, error) {
	format, value, ok := splitTemplateFormat(o.output)
	if !ok || (o.template != "" && strings.Contains(o.output, "=")) {
		return nil, fmt.Errorf("unable to match a printer suitable for the output format %q, allowed formats are: %s", o.output, getFormats)
	}
	if o.template != "" {
		value = o.template
	}
	switch format {
	case "go-template", "go-template-file", "template", "templatefile":
		return newGoTemplatePrinter(o)
	case "custom-columns":
		return newCustomColumnsFromSpec(value, o.noHeaders)
	case "custom-columns-file":
		if value == "" {
			return nil, fmt.Errorf("custom-columns format specified but no custom columns given")
		}
		f, err := os.Open(value)
		if err != nil {
			return nil, fmt.Errorf("error reading template %s, %v", value, err)
		}
		defer f.Close()
		return newCustomColumnsFromTemplate(f)
	}
	if value == "" {
		return nil, fmt.Errorf("template format specified but no template given")
	}
	if format == "jsonpath-file" {
		data, err := os.ReadFile(value)
		if err != nil {
			return nil, fmt.Errorf("error reading --template %s, %v", value, err)
		}
		value = string(data)
	}
	t, err := newJSONPathTemplate(value)
	if err != nil {
		return nil, fmt.Errorf("error parsing jsonpath %s, %v", value, err)
	}
	t.allowMissing = o.allowMissing
	t.asJSON = format == "jsonpath-as-json"
	return &jsonPathPrinter{raw: value, tmpl: t}, nil
}

// jsonPathPrinter prints a template's values for each object.
type jsonPathPrinter struct {
	raw  string
	tmpl *jsonPathTemplate
}

// printObject writes nothing when the template fails on obj; the error
// shows the template and the object, as the real kubectl's does. (Its
// message ends in three newlines; kubectl's error printing adds the last.)
func (p *jsonPathPrinter) printObject(w io.Writer, obj any) error {
	var buf bytes.Buffer
	if err := p.tmpl.execute(&buf, obj); err != nil {
		return fmt.Errorf("error executing jsonpath %q: Error executing template: %v. Printing more information for debugging the template:\n"+
			"\ttemplate was:\n\t\t%v\n\tobject given to jsonpath engine was:\n\t\t%#v\n\n", p.raw, err, p.raw, obj)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func (p *customColumnsPrinter) printObject(w io.Writer, obj any) error { return p.print(w, obj) }

// unstructuredOf is v's JSON decoded as kubectl decodes objects: maps,
// lists, strings, bools, nil, int64 for integers and float64 for the other
// numbers.
func unstructuredOf(v any) (any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode JSON: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("decode JSON: %w", err)
	}
	return convertNumbers(out)
}

func convertNumbers(v any) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			c, err := convertNumbers(x)
			if err != nil {
				return nil, err
			}
			v[k] = c
		}
	case []any:
		for i, x := range v {
			c, err := convertNumbers(x)
			if err != nil {
				return nil, err
			}
			v[i] = c
		}
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i, nil
		}
		f, err := v.Float64()
		if err != nil {
			return nil, fmt.Errorf("decode number %s: %w", v, err)
		}
		return f, nil
	}
	return v, nil
}

// printTemplate prints objs with the template format of g: the one object
// of a single get, else a kind: List of them (possibly empty), as kubectl
// get does.
func printTemplate(w io.Writer, g *getOptions, objs []api.Object, single bool) error {
	if single && len(objs) == 0 {
		return nil // the get failed, and said so
	}
	if g.printer == nil {
		p, err := newTemplatePrinter(templateOutput{output: g.output, template: g.template,
			allowMissing: g.allowMissingKeys, noHeaders: g.noHeaders})
		if err != nil {
			return err
		}
		g.printer = p
	}
	var v any
	if single {
		v = objs[0]
	} else {
		items := make([]any, len(objs))
		for i, obj := range objs {
			items[i] = obj
		}
		v = map[string]any{"apiVersion": "v1", "kind": "List", "metadata": map[string]any{"resourceVersion": ""}, "items": items}
	}
	data, err := unstructuredOf(v)
	if err != nil {
		return err
	}
	return g.printer.printObject(w, data)
}
