// Package validation owns defaulting and validation of API objects: the
// defaults the apiserver fills in on create, and field-path error messages
// ("spec.containers[1].ports[0].containerPort: must be 1-65535").
package validation

import (
	"strings"

	"minik8s/pkg/api"
)

// FieldError is one problem with one field.
type FieldError struct {
	Field  string // path, e.g. spec.containers[0].name
	Type   string // Required, Invalid, NotSupported, Duplicate, Forbidden
	Detail string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Detail }

// ErrorList is every problem found in one object.
type ErrorList []*FieldError

func (l ErrorList) Error() string {
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = e.Error()
	}
	return strings.Join(parts, ", ")
}

// Default fills in defaults on a new object (STUB: being implemented).
func Default(obj api.Object) {}

// Validate checks a new or updated object (STUB: being implemented).
func Validate(obj api.Object) ErrorList { return nil }

// ValidateUpdate checks what may not change between old and new (STUB).
func ValidateUpdate(newObj, oldObj api.Object) ErrorList { return nil }
