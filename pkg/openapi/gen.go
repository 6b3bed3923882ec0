package openapi

import (
	"reflect"
	"strings"

	"minik8s/pkg/api"
	"minik8s/pkg/openapi/internal/docscan"
)

// Version is the OpenAPI version a Generator writes.
type Version int

// The two versions served: swagger 2.0 (/openapi/v2) and OpenAPI 3.0 (/openapi/v3).
const (
	V2 Version = 2
	V3 Version = 3
)

// Generator builds the schemas of Go API types by reflection: one
// definition per named struct type, fields as properties (inline structs
// flattened), required = the fields without omitempty, patchStrategy and
// patchMergeKey tags as x-kubernetes-patch-strategy/-merge-key, and
// descriptions from the types' and fields' doc comments.
type Generator struct {
	Version Version
	Docs    docscan.Docs
	homes   map[reflect.Type]string
	// Defs are the definitions made so far, by name.
	Defs map[string]*Schema
}

// NewGenerator returns a generator for the served resources.
func NewGenerator(v Version, served []*api.ResourceInfo, docs docscan.Docs) *Generator {
	return &Generator{Version: v, Docs: docs, homes: homes(served), Defs: map[string]*Schema{}}
}

// RefPrefix is where definitions live: #/definitions/ or #/components/schemas/.
func (g *Generator) RefPrefix() string {
	if g.Version == V2 {
		return "#/definitions/"
	}
	return "#/components/schemas/"
}

// AddKind defines the type of a served kind, with its
// x-kubernetes-group-version-kind, and returns the definition name.
func (g *Generator) AddKind(r *api.ResourceInfo) string {
	t := reflect.TypeOf(r.New()).Elem()
	name := g.define(t)
	g.Defs[name].GVK = []GVK{{Group: r.Group, Version: r.Version, Kind: r.Kind}}
	g.Defs[name].Description = g.Docs[t.Name()][""]
	return name
}

// define makes the definition of a named struct (or special) type and
// returns its name.
func (g *Generator) define(t reflect.Type) string {
	name := defName(t, g.homes[t])
	if _, ok := g.Defs[name]; ok {
		return name
	}
	// The doc comment of a type goes to the fields of its type that have
	// none of their own (fieldDescription), not to its definition:
	// kubectl explain prints both, which would say it twice. Kinds have
	// theirs (AddKind).
	switch t {
	case timeType, microTimeType:
		g.Defs[name] = &Schema{Type: "string", Format: "date-time"}
		return name
	case quantityType:
		s := &Schema{}
		if g.Version == V2 {
			s.Type = "string"
		} else {
			s.OneOf = []*Schema{{Type: "string"}, {Type: "number"}}
		}
		g.Defs[name] = s
		return name
	case intOrStringType:
		s := &Schema{Format: "int-or-string", IntOrString: true}
		if g.Version == V2 {
			s.Type = "string"
		} else {
			s.OneOf = []*Schema{{Type: "integer"}, {Type: "string"}}
		}
		g.Defs[name] = s
		return name
	}
	s := &Schema{Type: "object", Properties: map[string]*Schema{}}
	g.Defs[name] = s // before the fields: types may be recursive
	g.addFields(s, t)
	if len(s.Properties) == 0 {
		s.Properties = nil
	}
	return name
}

// addFields adds the JSON fields of struct t to s, as encoding/json sees
// them: inline and untagged embedded structs are flattened.
func (g *Generator) addFields(s *Schema, t reflect.Type) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		ft := f.Type
		if f.Anonymous && name == "" {
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				g.addFields(s, ft)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fs := g.field(t, f)
		s.Properties[name] = fs
		if !hasOpt(opts, "omitempty") {
			s.Required = append(s.Required, name)
		}
	}
}

func hasOpt(opts, want string) bool {
	for _, o := range strings.Split(opts, ",") {
		if o == want {
			return true
		}
	}
	return false
}

// field is the schema of a struct field: its type's schema with the
// field's description and patch extensions beside it.
func (g *Generator) field(owner reflect.Type, f reflect.StructField) *Schema {
	ft := f.Type
	pointer := ft.Kind() == reflect.Pointer
	if pointer {
		ft = ft.Elem()
	}
	s := g.valueSchema(ft)
	if !pointer && ft.Kind() == reflect.Struct && ft.Name() != "" && !isScalarStruct(ft) {
		s.Default = map[string]any{}
	}
	s.Description = g.fieldDescription(owner, f, ft)
	s.PatchStrategy = f.Tag.Get("patchStrategy")
	s.PatchMergeKey = f.Tag.Get("patchMergeKey")
	return s
}

// isScalarStruct is a struct type whose JSON is a scalar (times, quantities).
func isScalarStruct(t reflect.Type) bool {
	switch t {
	case timeType, microTimeType, quantityType, intOrStringType:
		return true
	}
	return false
}

// standard are the descriptions Kubernetes gives the fields every object
// has, used when a field has no doc comment of its own.
var standard = map[string]string{
	"apiVersion": "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources",
	"kind":       "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
	"metadata":   "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
}

// fieldDescription is the field's doc comment, else the standard text of
// apiVersion, kind and metadata, else the doc comment of its struct type.
func (g *Generator) fieldDescription(owner reflect.Type, f reflect.StructField, ft reflect.Type) string {
	if d := g.Docs[owner.Name()][f.Name]; d != "" {
		return d
	}
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if d := standard[name]; d != "" && (owner.Name() == "TypeMeta" || name == "metadata") {
		return d
	}
	for ft.Kind() == reflect.Slice || ft.Kind() == reflect.Map || ft.Kind() == reflect.Pointer {
		ft = ft.Elem()
	}
	if ft.Kind() == reflect.Struct && ft.Name() != "" {
		return g.Docs[ft.Name()][""]
	}
	return ""
}

// valueSchema is the schema of a value of type t: a reference for named
// structs, else the inline schema of the primitive, slice or map.
func (g *Generator) valueSchema(t reflect.Type) *Schema {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == rawMessageType {
		return &Schema{Type: "object"}
	}
	switch t.Kind() {
	case reflect.Struct:
		if t.Name() == "" {
			s := &Schema{Type: "object", Properties: map[string]*Schema{}}
			g.addFields(s, t)
			return s
		}
		ref := g.RefPrefix() + g.define(t)
		if g.Version == V2 {
			return &Schema{Ref: ref}
		}
		return &Schema{AllOf: []*Schema{{Ref: ref}}}
	case reflect.String:
		return &Schema{Type: "string"}
	case reflect.Bool:
		return &Schema{Type: "boolean"}
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Uint8, reflect.Uint16:
		return &Schema{Type: "integer", Format: "int32"}
	case reflect.Int, reflect.Int64, reflect.Uint, reflect.Uint32, reflect.Uint64:
		return &Schema{Type: "integer", Format: "int64"}
	case reflect.Float32, reflect.Float64:
		return &Schema{Type: "number", Format: "double"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return &Schema{Type: "string", Format: "byte"}
		}
		return &Schema{Type: "array", Items: g.item(t.Elem())}
	case reflect.Map:
		return &Schema{Type: "object", AdditionalProperties: g.item(t.Elem())}
	}
	return &Schema{Type: "object"} // interfaces: any JSON
}

// item is the schema of a slice element or map value (structs default to {}).
func (g *Generator) item(t reflect.Type) *Schema {
	s := g.valueSchema(t)
	if t.Kind() == reflect.Struct && t.Name() != "" && !isScalarStruct(t) { // as Kubernetes writes
		s.Default = map[string]any{}
	}
	return s
}
