package request

import (
	"net/http"
	"net/url"
	"strings"
)

// NewRequestInfo parses a request's path and method as Kubernetes'
// RequestInfoFactory: /api/v1/… and /apis/GROUP/VERSION/… are resource
// requests (verb from the method, list/watch/deletecollection when no name
// is given); anything else is a non-resource request whose verb is the
// lower-case method.
func NewRequestInfo(r *http.Request) *RequestInfo {
	info := &RequestInfo{Path: r.URL.Path, Verb: strings.ToLower(r.Method)}
	parts := splitPath(r.URL.Path)
	if len(parts) < 3 || (parts[0] != "api" && parts[0] != "apis") {
		return info
	}
	info.APIPrefix = parts[0]
	parts = parts[1:]
	if info.APIPrefix == "apis" {
		if len(parts) < 3 {
			return info
		}
		info.APIGroup = parts[0]
		parts = parts[1:]
	}
	info.IsResourceRequest = true
	info.APIVersion = parts[0]
	parts = parts[1:]

	switch parts[0] {
	case "proxy", "watch": // the deprecated /proxy/… and /watch/… forms
		if len(parts) < 2 {
			info.IsResourceRequest = false
			return info
		}
		info.Verb = parts[0]
		parts = parts[1:]
	default:
		switch r.Method {
		case http.MethodPost:
			info.Verb = "create"
		case http.MethodGet, http.MethodHead:
			info.Verb = "get"
		case http.MethodPut:
			info.Verb = "update"
		case http.MethodPatch:
			info.Verb = "patch"
		case http.MethodDelete:
			info.Verb = "delete"
		default:
			info.Verb = ""
		}
	}

	if parts[0] == "namespaces" && len(parts) > 1 {
		info.Namespace = parts[1]
		// /namespaces/NS/RESOURCE/… is a namespaced resource;
		// /namespaces/NS/status|finalize is the namespace's subresource.
		if len(parts) > 2 && parts[2] != "status" && parts[2] != "finalize" {
			parts = parts[2:]
		}
	}
	info.Parts = parts
	switch {
	case len(parts) >= 3 && info.Verb != "proxy":
		info.Subresource = parts[2]
		fallthrough
	case len(parts) >= 2:
		info.Name = parts[1]
		fallthrough
	case len(parts) >= 1:
		info.Resource = parts[0]
	}

	if info.Name == "" && info.Verb == "get" {
		q := r.URL.Query()
		if w := q.Get("watch"); w == "true" || w == "1" {
			info.Verb = "watch"
		} else {
			info.Verb = "list"
		}
		if name, ok := exactName(q); ok {
			info.Name = name
		}
	}
	if info.Name == "" && info.Verb == "delete" {
		info.Verb = "deletecollection"
	}
	if info.Verb == "list" || info.Verb == "watch" || info.Verb == "deletecollection" {
		q := r.URL.Query()
		info.FieldSelector, info.LabelSelector = q.Get("fieldSelector"), q.Get("labelSelector")
	}
	return info
}

// exactName is the name a fieldSelector metadata.name=X pins a list or a
// watch to (kubectl get pod X -w sends one), when X is a valid path segment.
func exactName(q url.Values) (string, bool) {
	for _, req := range strings.Split(q.Get("fieldSelector"), ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(req), "=")
		if !ok || strings.HasSuffix(k, "!") {
			continue
		}
		v = strings.TrimPrefix(v, "=")
		if strings.TrimSpace(k) == "metadata.name" && v != "" && v != "." && v != ".." && !strings.ContainsAny(v, "/%") {
			return v, true
		}
	}
	return "", false
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}
