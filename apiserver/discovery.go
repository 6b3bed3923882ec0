package apiserver

import (
	"net/http"
	"runtime"
	"sort"
	"strings"

	"minik8s/pkg/api"
)

// Version is the Kubernetes version minik8s reports (what kubectl checks).
const (
	versionMajor = "1"
	versionMinor = "32"
	gitVersion   = "v1.32.0-minik8s"
)

func versionInfo() map[string]string {
	return map[string]string{
		"major": versionMajor, "minor": versionMinor, "gitVersion": gitVersion,
		"gitCommit": "minik8s", "gitTreeState": "clean", "buildDate": "2025-01-01T00:00:00Z",
		"goVersion": runtime.Version(), "compiler": runtime.Compiler, "platform": runtime.GOOS + "/" + runtime.GOARCH,
	}
}

type groupVersion struct {
	GroupVersion string `json:"groupVersion"`
	Version      string `json:"version"`
}

type apiGroup struct {
	Name             string         `json:"name"`
	Versions         []groupVersion `json:"versions"`
	PreferredVersion groupVersion   `json:"preferredVersion"`
}

// groups returns every API group with its versions (the core group is "").
func groups() []apiGroup {
	var out []apiGroup
	idx := map[string]int{}
	for _, r := range api.Served() {
		if r.Group == "" {
			continue
		}
		gv := groupVersion{GroupVersion: r.APIVersion(), Version: r.Version}
		i, ok := idx[r.Group]
		if !ok {
			idx[r.Group] = len(out)
			out = append(out, apiGroup{Name: r.Group, PreferredVersion: gv})
			i = len(out) - 1
		}
		seen := false
		for _, v := range out[i].Versions {
			seen = seen || v.Version == r.Version
		}
		if !seen {
			out[i].Versions = append(out[i].Versions, gv)
		}
	}
	return withVirtualGroups(out)
}

// resourceList is the APIResourceList of one group version.
func resourceList(group, version string) ([]api.APIResource, bool) {
	var out []api.APIResource
	found := false
	for _, r := range api.Served() {
		if r.Group != group || r.Version != version {
			continue
		}
		found = true
		verbs := []string{"create", "delete", "get", "list", "patch", "update", "watch"}
		if strategyFor(r).AllowDeleteCollection() {
			verbs = []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}
		}
		ar := api.APIResource{Name: r.Resource, SingularName: r.Singular, Namespaced: r.Namespaced, Kind: r.Kind,
			Verbs: verbs, ShortNames: r.ShortNames, Categories: r.Categories}
		out = append(out, ar)
		subs := subresourcesOf(r)
		names := make([]string, 0, len(subs))
		for name := range subs {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			sr := subs[name]
			out = append(out, api.APIResource{Name: r.Resource + "/" + name, Namespaced: r.Namespaced, Kind: sr.kind,
				Group: sr.group, Version: sr.version, Verbs: sr.verbs()})
		}
	}
	return withVirtualResources(group, version, out, found)
}

// serveDiscovery answers /api, /apis, /api/v1, /apis/{g} and /apis/{g}/{v}.
func (s *Server) serveDiscovery(w http.ResponseWriter, r *http.Request) bool {
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		if len(segs) <= 3 && (segs[0] == "api" || segs[0] == "apis") && (len(segs) < 3 || segs[0] == "apis") {
			writeError(w, errMethodNotAllowed(r.Method, r.URL.Path))
			return true
		}
		return false
	}
	switch {
	case len(segs) == 1 && segs[0] == "api":
		writeJSON(w, http.StatusOK, map[string]any{"kind": "APIVersions", "apiVersion": "v1", "versions": []string{"v1"},
			"serverAddressByClientCIDRs": []map[string]string{{"clientCIDR": "0.0.0.0/0", "serverAddress": s.addr}}})
	case len(segs) == 1 && segs[0] == "apis":
		writeJSON(w, http.StatusOK, map[string]any{"kind": "APIGroupList", "apiVersion": "v1", "groups": append(groups(), metricsAPIGroup())})
	case len(segs) == 2 && segs[0] == "api":
		res, ok := resourceList("", segs[1])
		if !ok {
			writeError(w, errNoResource())
			return true
		}
		writeJSON(w, http.StatusOK, map[string]any{"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": segs[1], "resources": res})
	case len(segs) == 2 && segs[0] == "apis":
		for _, g := range groups() {
			if g.Name == segs[1] {
				writeJSON(w, http.StatusOK, map[string]any{"kind": "APIGroup", "apiVersion": "v1", "name": g.Name,
					"versions": g.Versions, "preferredVersion": g.PreferredVersion})
				return true
			}
		}
		writeError(w, errNoResource())
	case len(segs) == 3 && segs[0] == "apis":
		res, ok := resourceList(segs[1], segs[2])
		if !ok {
			writeError(w, errNoResource())
			return true
		}
		writeJSON(w, http.StatusOK, map[string]any{"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": segs[1] + "/" + segs[2], "resources": res})
	default:
		return false
	}
	return true
}
