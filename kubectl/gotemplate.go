package kubectl

// -o go-template=T, -o go-template-file=F, -o template=T, -o templatefile=F
// and --template=T (alone, or with a bare -o go-template): Go's
// text/template over the object's JSON decoded into maps, with kubectl's
// extra functions exists and base64decode (cli-runtime printers/template.go).

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"text/template"
)

// goTemplateFormats are kubectl's names of the Go template formats.
var goTemplateFormats = []string{"go-template", "go-template-file", "template", "templatefile"}

// getFormats are the -o formats of kubectl get, as its errors list them.
const getFormats = "custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml"

// splitGoTemplateFormat splits an -o value into a Go template format and
// its inline template; ok is false for any other format.
func splitGoTemplateFormat(output string) (format, value string, ok bool) {
	format, value, _ = strings.Cut(output, "=")
	for _, f := range goTemplateFormats {
		if format == f {
			return format, value, true
		}
	}
	return "", "", false
}

// newGoTemplatePrinter builds the printer of a Go template format; errors
// are the real kubectl's.
func newGoTemplatePrinter(o templateOutput) (objectPrinter, error) {
	format, value, _ := splitGoTemplateFormat(o.output)
	if o.template != "" {
		value = o.template
	}
	if value == "" {
		return nil, fmt.Errorf("template format specified but no template given")
	}
	if format == "go-template-file" || format == "templatefile" {
		data, err := os.ReadFile(value)
		if err != nil {
			return nil, fmt.Errorf("error reading --template %s, %v", value, err)
		}
		value = string(data)
	}
	t, err := template.New("output").Funcs(template.FuncMap{"exists": exists, "base64decode": base64decode}).Parse(value)
	if err != nil {
		return nil, fmt.Errorf("error parsing template %s, %v", value, err)
	}
	if o.allowMissing {
		t.Option("missingkey=default")
	} else {
		t.Option("missingkey=error")
	}
	return &goTemplatePrinter{raw: value, tmpl: t}, nil
}

type goTemplatePrinter struct {
	raw  string
	tmpl *template.Template
}

// printObject runs the template on obj's JSON decoded as kubectl decodes it
// for templates (numbers as float64). On failure it writes, as kubectl
// does, what it printed so far and the debugging help to w.
func (p *goTemplatePrinter) printObject(w io.Writer, obj any) error {
	data, err := json.Marshal(obj)
	if err != nil {
		return fmt.Errorf("encode JSON: %w", err)
	}
	out := map[string]any{}
	if err := json.Unmarshal(data, &out); err != nil {
		return fmt.Errorf("decode JSON: %w", err)
	}
	var buf bytes.Buffer
	err = p.safeExecute(&buf, out)
	if _, werr := w.Write(buf.Bytes()); werr != nil {
		return werr
	}
	if err != nil {
		fmt.Fprintf(w, "Error executing template: %v. Printing more information for debugging the template:\n", err)
		fmt.Fprintf(w, "\ttemplate was:\n\t\t%v\n", p.raw)
		fmt.Fprintf(w, "\traw data was:\n\t\t%v\n", string(data))
		fmt.Fprintf(w, "\tobject given to template engine was:\n\t\t%+v\n\n", out)
		return fmt.Errorf("error executing template %q: %v", p.raw, err)
	}
	return nil
}

func (p *goTemplatePrinter) safeExecute(w io.Writer, obj any) (err error) {
	defer func() {
		if x := recover(); x != nil {
			err = fmt.Errorf("caught panic: %+v", x)
		}
	}()
	return p.tmpl.Execute(w, obj)
}

func base64decode(v string) (string, error) {
	data, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return "", fmt.Errorf("base64 decode failed: %v", err)
	}
	return string(data), nil
}

// exists tells whether `index item indices...` would succeed (kubectl's
// template function).
func exists(item any, indices ...any) bool {
	v := reflect.ValueOf(item)
	for _, i := range indices {
		index := reflect.ValueOf(i)
		var isNil bool
		if v, isNil = indirect(v); isNil {
			return false
		}
		switch v.Kind() {
		case reflect.Array, reflect.Slice, reflect.String:
			var x int64
			switch index.Kind() {
			case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
				x = index.Int()
			case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
				x = int64(index.Uint())
			default:
				return false
			}
			if x < 0 || x >= int64(v.Len()) {
				return false
			}
			v = v.Index(int(x))
		case reflect.Map:
			if !index.IsValid() {
				index = reflect.Zero(v.Type().Key())
			}
			if !index.Type().AssignableTo(v.Type().Key()) {
				return false
			}
			if x := v.MapIndex(index); x.IsValid() {
				v = x
			} else {
				v = reflect.Zero(v.Type().Elem())
			}
		default:
			return false
		}
	}
	_, isNil := indirect(v)
	return !isNil
}

// indirect is text/template's: through pointers and empty interfaces.
func indirect(v reflect.Value) (reflect.Value, bool) {
	for ; v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface; v = v.Elem() {
		if v.IsNil() {
			return v, true
		}
		if v.Kind() == reflect.Interface && v.NumMethod() > 0 {
			break
		}
	}
	return v, false
}
