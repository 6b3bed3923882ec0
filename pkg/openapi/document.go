package openapi

import (
	"strings"

	"minik8s/pkg/api"
)

// Patch content types the apiserver accepts (server-side apply is not served).
var patchTypes = []string{
	"application/json-patch+json",
	"application/merge-patch+json",
	"application/strategic-merge-patch+json",
}

// GroupVersions lists "v1", "apps/v1", ... of the served resources, in
// discovery order.
func GroupVersions(served []*api.ResourceInfo) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range served {
		if gv := r.APIVersion(); !seen[gv] {
			seen[gv] = true
			out = append(out, gv)
		}
	}
	return out
}

// GVPath is the v3 path of a group version: "api/v1" or "apis/apps/v1".
func GVPath(gv string) string {
	if strings.Contains(gv, "/") {
		return "apis/" + gv
	}
	return "api/" + gv
}

// V3Document is the OpenAPI 3.0 document of one group version ("apps/v1"): the
// schemas its kinds reach and the operations on its resources; ok is false
// for a group version that is not served.
func V3Document(served []*api.ResourceInfo, docs map[string]map[string]string, gv, version string) (map[string]any, bool) {
	g := NewGenerator(V3, served, docs)
	paths := map[string]any{}
	found := false
	for _, r := range served {
		if r.APIVersion() != gv {
			continue
		}
		found = true
		ref := g.RefPrefix() + g.AddKind(r)
		addPaths(paths, r, ops{v3: true, ref: ref})
	}
	if !found {
		return nil, false
	}
	return map[string]any{
		"openapi":    "3.0.0",
		"info":       map[string]string{"title": "Kubernetes", "version": version},
		"paths":      paths,
		"components": map[string]any{"schemas": g.Defs},
	}, true
}

// V2Document is the swagger 2.0 document of every served resource.
func V2Document(served []*api.ResourceInfo, docs map[string]map[string]string, version string) map[string]any {
	g := NewGenerator(V2, served, docs)
	paths := map[string]any{}
	for _, r := range served {
		ref := g.RefPrefix() + g.AddKind(r)
		addPaths(paths, r, ops{ref: ref})
	}
	return map[string]any{
		"swagger":     "2.0",
		"info":        map[string]string{"title": "Kubernetes", "version": version},
		"paths":       paths,
		"definitions": g.Defs,
	}
}

// ops writes the operations of one resource in v2 or v3 form.
type ops struct {
	v3  bool
	ref string // the kind's schema
}

func (o ops) schema(s map[string]any) map[string]any {
	if o.v3 {
		return map[string]any{"schema": s}
	}
	return s
}

func (o ops) param(name, in, desc string, required bool) map[string]any {
	p := map[string]any{"name": name, "in": in, "description": desc}
	if required {
		p["required"] = true
	}
	if o.v3 {
		p["schema"] = map[string]any{"type": "string", "uniqueItems": true}
	} else {
		p["type"], p["uniqueItems"] = "string", true
	}
	return p
}

// writeParams are the query parameters of create, update and patch; kubectl
// uses server-side field validation when it finds fieldValidation.
func (o ops) writeParams() []any {
	return []any{
		o.param("dryRun", "query", "When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed", false),
		o.param("fieldManager", "query", "fieldManager is a name associated with the actor or entity that is making these changes.", false),
		o.param("fieldValidation", "query", "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore - Warn - Strict", false),
	}
}

func (o ops) op(r *api.ResourceInfo, action, id string, body []string, params []any) map[string]any {
	ok := map[string]any{"description": "OK"}
	if o.v3 {
		ok["content"] = map[string]any{"application/json": o.schema(map[string]any{"$ref": o.ref})}
	} else {
		ok["schema"] = map[string]any{"$ref": o.ref}
	}
	op := map[string]any{
		"operationId":                     id + r.Kind,
		"x-kubernetes-action":             action,
		"x-kubernetes-group-version-kind": GVK{Group: r.Group, Version: r.Version, Kind: r.Kind},
		"responses":                       map[string]any{"200": ok},
	}
	if params != nil {
		op["parameters"] = params
	}
	if body == nil {
		return op
	}
	bodySchema := map[string]any{"$ref": o.ref}
	if action == "patch" {
		bodySchema = map[string]any{"type": "object"}
	}
	if o.v3 {
		content := map[string]any{}
		for _, ct := range body {
			content[ct] = map[string]any{"schema": bodySchema}
		}
		op["requestBody"] = map[string]any{"content": content, "required": true}
	} else {
		op["consumes"] = body
		op["produces"] = []string{"application/json"}
		op["parameters"] = append([]any{map[string]any{"name": "body", "in": "body", "required": true, "schema": bodySchema}}, params...)
	}
	return op
}

// addPaths adds the collection and item paths of r, as Kubernetes names them.
func addPaths(paths map[string]any, r *api.ResourceInfo, o ops) {
	nameParam := o.param("name", "path", "name of the "+r.Kind, true)
	nsParam := o.param("namespace", "path", "object name and auth scope, such as for teams and projects", true)
	var collParams, itemParams []any
	if r.Namespaced {
		collParams = []any{nsParam}
		itemParams = []any{nameParam, nsParam}
	} else {
		itemParams = []any{nameParam}
	}
	json := []string{"application/json"}
	coll := map[string]any{
		"get":  o.op(r, "list", "list", nil, nil),
		"post": o.op(r, "post", "create", json, o.writeParams()),
	}
	if collParams != nil {
		coll["parameters"] = collParams
	}
	paths[r.Path("{namespace}", "")] = coll
	paths[r.Path("{namespace}", "{name}")] = map[string]any{
		"get":        o.op(r, "get", "read", nil, nil),
		"put":        o.op(r, "put", "replace", json, o.writeParams()),
		"patch":      o.op(r, "patch", "patch", patchTypes, o.writeParams()),
		"delete":     o.op(r, "delete", "delete", nil, nil),
		"parameters": itemParams,
	}
}
