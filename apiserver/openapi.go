package apiserver

import (
	"net/http"
	"strings"

	"minik8s/pkg/api"
)

// serveOpenAPI serves a minimal OpenAPI v3: the root lists every group
// version, and each group-version document has the PATCH operations with
// the fieldValidation query parameter and x-kubernetes-group-version-kind,
// which is what kubectl looks for to use server-side field validation
// (Strict, Warn and Ignore are honoured). There are no schemas, so kubectl
// computes apply patches from its built-in types. /openapi/v2 is 404.
func (s *Server) serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimSuffix(r.URL.Path, "/")
	if p == "/openapi/v3" {
		paths := map[string]any{}
		for _, gv := range groupVersions() {
			paths[gvPath(gv)] = map[string]string{"serverRelativeURL": "/openapi/v3/" + gvPath(gv) + "?hash=minik8s"}
		}
		writeJSON(w, http.StatusOK, map[string]any{"paths": paths})
		return
	}
	if rest, ok := strings.CutPrefix(p, "/openapi/v3/"); ok {
		for _, gv := range groupVersions() {
			if gvPath(gv) == rest {
				writeJSON(w, http.StatusOK, openAPIDoc(gv))
				return
			}
		}
	}
	writeError(w, errNoResource())
}

// groupVersions lists "v1", "apps/v1", ... in discovery order.
func groupVersions() []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range api.Served() {
		if gv := r.APIVersion(); !seen[gv] {
			seen[gv] = true
			out = append(out, gv)
		}
	}
	return out
}

// gvPath is "api/v1" or "apis/apps/v1".
func gvPath(gv string) string {
	if strings.Contains(gv, "/") {
		return "apis/" + gv
	}
	return "api/" + gv
}

func openAPIDoc(gv string) map[string]any {
	paths := map[string]any{}
	queryParam := func(name, desc string) map[string]any {
		return map[string]any{"name": name, "in": "query", "description": desc, "schema": map[string]string{"type": "string"}, "uniqueItems": true}
	}
	for _, r := range api.Served() {
		if r.APIVersion() != gv {
			continue
		}
		gvk := map[string]string{"group": r.Group, "version": r.Version, "kind": r.Kind}
		item := r.Path("{namespace}", "{name}")
		pathParams := []any{map[string]any{"name": "name", "in": "path", "required": true, "schema": map[string]string{"type": "string"}}}
		if r.Namespaced {
			pathParams = append(pathParams, map[string]any{"name": "namespace", "in": "path", "required": true, "schema": map[string]string{"type": "string"}})
		}
		content := map[string]any{}
		for _, ct := range []string{jsonPatch, mergePatch} {
			content[ct] = map[string]any{"schema": map[string]string{"type": "object"}}
		}
		op := func(verb, id string) map[string]any {
			o := map[string]any{
				"operationId":                     id + r.Kind,
				"x-kubernetes-action":             verb,
				"x-kubernetes-group-version-kind": gvk,
				"parameters": []any{
					queryParam("dryRun", "When present, indicates that modifications should not be persisted."),
					queryParam("fieldManager", "fieldManager is a name associated with the actor or entity that is making these changes."),
					queryParam("fieldValidation", "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields (minik8s is always Strict)."),
				},
				"responses": map[string]any{"200": map[string]any{"description": "OK"}},
			}
			return o
		}
		patch := op("patch", "patch")
		patch["requestBody"] = map[string]any{"content": content, "required": true}
		put := op("put", "replace")
		get := map[string]any{"operationId": "read" + r.Kind, "x-kubernetes-action": "get", "x-kubernetes-group-version-kind": gvk,
			"responses": map[string]any{"200": map[string]any{"description": "OK"}}}
		paths[item] = map[string]any{"get": get, "put": put, "patch": patch, "parameters": pathParams}
		coll := r.Path("{namespace}", "")
		post := op("post", "create")
		paths[coll] = map[string]any{"post": post}
	}
	return map[string]any{
		"openapi":    "3.0.0",
		"info":       map[string]string{"title": "minik8s", "version": gitVersion},
		"paths":      paths,
		"components": map[string]any{"schemas": map[string]any{}},
	}
}
