package apiserver

import (
	"strings"

	"minik8s/pkg/api"
)

// route is what a resource URL names.
type route struct {
	info      *api.ResourceInfo
	namespace string // empty: cluster-scoped, or all namespaces for a namespaced list
	name      string
	sub       string // "status", "binding", ...
}

// parseResourcePath parses /api/v1/... and /apis/{g}/{v}/... resource
// paths. ok is false when the path names no known resource.
func parseResourcePath(path string) (r route, ok bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	var group, version string
	switch {
	case len(segs) >= 3 && segs[0] == "api":
		version, segs = segs[1], segs[2:]
	case len(segs) >= 4 && segs[0] == "apis":
		group, version, segs = segs[1], segs[2], segs[3:]
	default:
		return route{}, false
	}
	for _, s := range segs {
		if s == "" {
			return route{}, false
		}
	}
	if len(segs) >= 3 && segs[0] == "namespaces" {
		if info, found := api.ForResource(group, version, segs[2]); found && info.Namespaced {
			if len(segs) > 5 {
				return route{}, false
			}
			r = route{info: info, namespace: segs[1]}
			if len(segs) > 3 {
				r.name = segs[3]
			}
			if len(segs) > 4 {
				r.sub = segs[4]
			}
			return r, true
		}
	}
	info, found := api.ForResource(group, version, segs[0])
	if !found || len(segs) > 3 {
		return route{}, false
	}
	r = route{info: info}
	if len(segs) > 1 {
		if info.Namespaced {
			return route{}, false // a namespaced object needs its namespace
		}
		r.name = segs[1]
	}
	if len(segs) > 2 {
		r.sub = segs[2]
	}
	return r, true
}

// storageKey is where an object lives in etcd.
func storageKey(info *api.ResourceInfo, namespace, name string) string {
	if info.Namespaced {
		return "/registry/" + info.GroupResource() + "/" + namespace + "/" + name
	}
	return "/registry/" + info.GroupResource() + "/" + name
}

// storagePrefix is the prefix of a collection (namespace empty: all).
func storagePrefix(info *api.ResourceInfo, namespace string) string {
	if info.Namespaced && namespace != "" {
		return "/registry/" + info.GroupResource() + "/" + namespace + "/"
	}
	return "/registry/" + info.GroupResource() + "/"
}
