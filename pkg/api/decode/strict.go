package decode

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"

	"minik8s/pkg/api"
)

// PathError is one strict-decoding problem at one field path.
type PathError struct {
	Path   string // spec.containers[0].imagePullPolcy
	Detail string // unknown field
}

func (e *PathError) Error() string {
	if e.Path == "" {
		return e.Detail
	}
	return e.Path + ": " + e.Detail
}

// StrictError lists every unknown field and type mismatch of one document.
type StrictError struct {
	Errors []*PathError
}

func (e *StrictError) Error() string {
	parts := make([]string, len(e.Errors))
	for i, pe := range e.Errors {
		parts[i] = pe.Error()
	}
	return strings.Join(parts, "; ")
}

// checkStrict walks generic JSON (decoded with UseNumber) against the Go
// type of target and reports unknown fields and type mismatches with paths.
func checkStrict(v any, target any) error {
	w := &walker{}
	w.walk("", v, reflect.TypeOf(target))
	if len(w.errs) == 0 {
		return nil
	}
	return &StrictError{Errors: w.errs}
}

type walker struct {
	errs []*PathError
}

func (w *walker) fail(path, format string, args ...any) {
	w.errs = append(w.errs, &PathError{Path: path, Detail: fmt.Sprintf(format, args...)})
}

var (
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	intOrStringPtr  = reflect.TypeFor[*api.IntOrString]()
)

func joinField(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func (w *walker) walk(path string, v any, t reflect.Type) {
	if v == nil {
		return // null is accepted for every field and means "unset"
	}
	for t.Kind() == reflect.Pointer {
		if t.Implements(unmarshalerType) {
			break
		}
		t = t.Elem()
	}
	if t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(unmarshalerType) {
		t = reflect.PointerTo(t)
	}
	if t.Kind() == reflect.Pointer && t.Implements(unmarshalerType) {
		w.custom(path, v, t)
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			w.fail(path, "expected object, got %s", jsonTypeName(v))
			return
		}
		fields := structFields(t)
		keys := sortedKeys(m)
		for _, k := range keys {
			ft, ok := fields[k]
			if !ok {
				w.fail(joinField(path, k), "unknown field")
				continue
			}
			w.walk(joinField(path, k), m[k], ft)
		}
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			w.fail(path, "expected object, got %s", jsonTypeName(v))
			return
		}
		for _, k := range sortedKeys(m) {
			w.walk(joinField(path, k), m[k], t.Elem())
		}
	case reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 { // []byte: a base64 string
			if str, ok := v.(string); !ok {
				w.fail(path, "expected string, got %s", jsonTypeName(v))
			} else if _, err := base64.StdEncoding.DecodeString(str); err != nil {
				w.fail(path, "%v", err)
			}
			return
		}
		s, ok := v.([]any)
		if !ok {
			w.fail(path, "expected array, got %s", jsonTypeName(v))
			return
		}
		for i, e := range s {
			w.walk(fmt.Sprintf("%s[%d]", path, i), e, t.Elem())
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			w.fail(path, "expected string, got %s", jsonTypeName(v))
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			w.fail(path, "expected boolean, got %s", jsonTypeName(v))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := v.(json.Number)
		if !ok {
			w.fail(path, "expected integer, got %s", jsonTypeName(v))
			return
		}
		i, err := strconv.ParseInt(n.String(), 10, 64)
		if err != nil {
			w.fail(path, "expected integer, got number %s", n)
			return
		}
		if reflect.Zero(t).OverflowInt(i) {
			w.fail(path, "value %d out of range for %s", i, t.Kind())
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := v.(json.Number)
		if !ok {
			w.fail(path, "expected integer, got %s", jsonTypeName(v))
			return
		}
		u, err := strconv.ParseUint(n.String(), 10, 64)
		if err != nil || reflect.Zero(t).OverflowUint(u) {
			w.fail(path, "expected non-negative integer in range, got %s", n)
		}
	case reflect.Float32, reflect.Float64:
		if _, ok := v.(json.Number); !ok {
			w.fail(path, "expected number, got %s", jsonTypeName(v))
		}
	case reflect.Interface:
		// any value
	default:
		w.fail(path, "field of unsupported Go type %s", t)
	}
}

// custom checks a value for a type with its own UnmarshalJSON (Quantity,
// IntOrString, Time, json.RawMessage) by running it and naming the path.
func (w *walker) custom(path string, v any, t reflect.Type) {
	if t == intOrStringPtr {
		switch x := v.(type) {
		case string:
			return
		case json.Number:
			if _, err := strconv.ParseInt(x.String(), 10, 32); err != nil {
				w.fail(path, "expected 32-bit integer or string, got number %s", x)
			}
			return
		default:
			w.fail(path, "expected integer or string, got %s", jsonTypeName(v))
			return
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		w.fail(path, "%v", err)
		return
	}
	target := reflect.New(t.Elem()).Interface()
	if err := json.Unmarshal(b, target); err != nil {
		w.fail(path, "%s", cleanCustomError(err))
	}
}

// cleanCustomError removes encoding/json's Go-type noise from an error.
func cleanCustomError(err error) string {
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) {
		return fmt.Sprintf("expected %s, got %s", ute.Type, ute.Value)
	}
	return err.Error()
}

var fieldCache sync.Map // reflect.Type -> map[string]reflect.Type

// structFields maps the JSON names of a struct's fields (including those of
// embedded structs without a name tag, i.e. `json:",inline"`) to their types.
func structFields(t reflect.Type) map[string]reflect.Type {
	if c, ok := fieldCache.Load(t); ok {
		return c.(map[string]reflect.Type)
	}
	out := map[string]reflect.Type{}
	addStructFields(t, out)
	fieldCache.Store(t, out)
	return out
}

func addStructFields(t reflect.Type, out map[string]reflect.Type) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				addStructFields(ft, out)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if _, dup := out[name]; !dup {
			out[name] = f.Type
		}
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func jsonTypeName(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number, float64:
		return fmt.Sprintf("number %v", x)
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}
