package validation

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// Error types: the same strings Kubernetes uses as StatusCause reasons, so the
// apiserver can put FieldError.Type into a Status cause as it is.
const (
	TypeRequired     = "FieldValueRequired"
	TypeInvalid      = "FieldValueInvalid"
	TypeNotSupported = "FieldValueNotSupported"
	TypeDuplicate    = "FieldValueDuplicate"
	TypeForbidden    = "FieldValueForbidden"
	TypeNotFound     = "FieldValueNotFound"
	TypeTooLong      = "FieldValueTooLong"
)

// typeText is how Kubernetes prints each error type.
var typeText = map[string]string{
	TypeRequired:     "Required value",
	TypeInvalid:      "Invalid value",
	TypeNotSupported: "Unsupported value",
	TypeDuplicate:    "Duplicate value",
	TypeForbidden:    "Forbidden",
	TypeNotFound:     "Not found",
	TypeTooLong:      "Too long",
}

// FieldError is one problem with one field.
type FieldError struct {
	Field    string // path, e.g. spec.containers[0].name
	Type     string // one of the Type* constants (FieldValueRequired, ...)
	Detail   string
	BadValue any // the rejected value (Invalid, NotSupported, Duplicate, NotFound)
}

// Error prints the error as Kubernetes does:
// "spec.containers[1].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive".
func (e *FieldError) Error() string {
	return e.Field + ": " + e.ErrorBody()
}

// ErrorBody is the error without its field path, as Kubernetes'
// field.Error.ErrorBody: what a Status cause carries as its message (the
// field goes in the cause's own field).
func (e *FieldError) ErrorBody() string {
	var b strings.Builder
	b.WriteString(e.TypeText())
	switch e.Type {
	case TypeInvalid, TypeNotSupported, TypeDuplicate, TypeNotFound:
		b.WriteString(": ")
		b.WriteString(formatValue(e.BadValue))
	}
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	return b.String()
}

// TypeText is the human form of Type ("Required value").
func (e *FieldError) TypeText() string {
	if t, ok := typeText[e.Type]; ok {
		return t
	}
	return e.Type
}

// formatValue prints a bad value like Kubernetes: strings quoted, numbers
// plain, pointers dereferenced, slices of those as Go syntax
// ([]string{"10.96.0.5"}), other values as JSON.
func formatValue(v any) string {
	rv := reflect.ValueOf(v)
	for rv.IsValid() && rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return "null"
		}
		rv = rv.Elem()
	}
	if !rv.IsValid() {
		return "null"
	}
	if s, ok := rv.Interface().(fmt.Stringer); ok && rv.Kind() == reflect.Struct {
		return strconv.Quote(s.String())
	}
	switch rv.Kind() {
	case reflect.Slice:
		switch rv.Type().Elem().Kind() {
		case reflect.String, reflect.Int, reflect.Int32, reflect.Int64, reflect.Bool:
			return fmt.Sprintf("%#v", rv.Interface()) // []string{"a", "b"}, as Kubernetes' %#v
		}
	case reflect.String:
		return strconv.Quote(rv.String())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64, reflect.Bool:
		return fmt.Sprint(rv.Interface())
	}
	if b, err := json.Marshal(rv.Interface()); err == nil {
		return string(b)
	}
	return fmt.Sprintf("%#v", rv.Interface())
}

// ErrorList is every problem found in one object.
type ErrorList []*FieldError

// Error prints the list as Kubernetes' field.ErrorList.ToAggregate does: one
// error as it is, several as "[a, b]", repeated messages once.
func (l ErrorList) Error() string {
	parts := make([]string, 0, len(l))
	seen := map[string]bool{}
	for _, e := range l {
		msg := e.Error()
		if seen[msg] {
			continue
		}
		seen[msg] = true
		parts = append(parts, msg)
	}
	if len(parts) > 1 {
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return strings.Join(parts, ", ")
}

// Path is a field path being built ("spec", "spec.containers[0]").
type Path string

// Child appends a field name.
func (p Path) Child(name string) Path {
	if p == "" {
		return Path(name)
	}
	return p + "." + Path(name)
}

// Index appends a list index.
func (p Path) Index(i int) Path { return p + Path("["+strconv.Itoa(i)+"]") }

// Key appends a map key.
func (p Path) Key(k string) Path { return p + Path("["+k+"]") }

func (p Path) String() string { return string(p) }

// Required is a missing value.
func Required(p Path, detail string) *FieldError {
	return &FieldError{Field: p.String(), Type: TypeRequired, Detail: detail}
}

// Invalid is a value with a problem described by detail.
func Invalid(p Path, value any, detail string) *FieldError {
	return &FieldError{Field: p.String(), Type: TypeInvalid, BadValue: value, Detail: detail}
}

// NotSupported is a value outside a fixed set.
func NotSupported(p Path, value any, supported []string) *FieldError {
	q := make([]string, len(supported))
	for i, s := range supported {
		q[i] = strconv.Quote(s)
	}
	return &FieldError{Field: p.String(), Type: TypeNotSupported, BadValue: value,
		Detail: "supported values: " + strings.Join(q, ", ")}
}

// Duplicate is a value that must be unique.
func Duplicate(p Path, value any) *FieldError {
	return &FieldError{Field: p.String(), Type: TypeDuplicate, BadValue: value}
}

// Forbidden is a field that may not be set (or changed) here.
func Forbidden(p Path, detail string) *FieldError {
	return &FieldError{Field: p.String(), Type: TypeForbidden, Detail: detail}
}

// NotFound is a reference to something that does not exist.
func NotFound(p Path, value any) *FieldError {
	return &FieldError{Field: p.String(), Type: TypeNotFound, BadValue: value}
}

// TooLong is a value longer than max bytes.
func TooLong(p Path, max int) *FieldError {
	return &FieldError{Field: p.String(), Type: TypeTooLong, Detail: fmt.Sprintf("may not be more than %d bytes", max)}
}
