package apiserver

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"minik8s/pkg/api"
)

// Virtual resources: create-only resources of their own API groups that
// the apiserver answers without storing anything (authentication.k8s.io
// TokenReview and SelfSubjectReview; the access reviews of
// authorization.k8s.io register here alike). Each registers in an init();
// discovery lists them as Kubernetes does (verbs [create]), placed after
// the apps group.

// virtualResource is one such resource.
type virtualResource struct {
	group, version     string
	resource, singular string
	kind               string
	namespaced         bool
	// serve answers a POST; namespace is the URL's for namespaced ones.
	serve func(s *Server, w http.ResponseWriter, r *http.Request, namespace string) error
}

var virtualResources []virtualResource

// virtualGroupsAfter is the group the virtual groups follow in /apis.
const virtualGroupsAfter = "apps"

// addVirtualRoutes registers the virtual resources' paths and their
// groups' discovery paths.
func (s *Server) addVirtualRoutes(e *gin.Engine) {
	discovery := func(c *gin.Context) {
		if !s.serveDiscovery(c.Writer, c.Request) {
			writeError(c.Writer, errNoResource())
		}
	}
	seen := map[string]bool{}
	for _, vr := range virtualResources {
		vr := vr
		g, gv := "/apis/"+vr.group, "/apis/"+vr.group+"/"+vr.version
		for _, p := range []string{g, gv} {
			if !seen[p] {
				seen[p] = true
				e.Any(p, discovery)
			}
		}
		path := gv + "/" + vr.resource
		if vr.namespaced {
			path = gv + "/namespaces/:namespace/" + vr.resource
		}
		e.Any(path, func(c *gin.Context) {
			r := c.Request
			if r.Method != http.MethodPost {
				writeError(c.Writer, errMethodNotAllowed(r.Method, r.URL.Path))
				return
			}
			if err := vr.serve(s, c.Writer, r, c.Param("namespace")); err != nil {
				writeError(c.Writer, err)
			}
		})
	}
}

// withVirtualGroups adds the virtual resources' groups to the served ones.
func withVirtualGroups(gs []apiGroup) []apiGroup {
	var add []apiGroup
	for _, vr := range virtualResources {
		if slices.ContainsFunc(append(gs, add...), func(g apiGroup) bool { return g.Name == vr.group }) {
			continue
		}
		gv := groupVersion{GroupVersion: vr.group + "/" + vr.version, Version: vr.version}
		add = append(add, apiGroup{Name: vr.group, Versions: []groupVersion{gv}, PreferredVersion: gv})
	}
	// authentication.k8s.io before authorization.k8s.io, as Kubernetes
	// lists them (whatever order the files' init()s registered them in).
	slices.SortStableFunc(add, func(a, b apiGroup) int { return strings.Compare(a.Name, b.Name) })
	at := slices.IndexFunc(gs, func(g apiGroup) bool { return g.Name == virtualGroupsAfter }) + 1
	return slices.Insert(slices.Clone(gs), at, add...)
}

// withVirtualResources adds a group version's virtual resources to its
// discovery list.
func withVirtualResources(group, version string, out []api.APIResource, found bool) ([]api.APIResource, bool) {
	for _, vr := range virtualResources {
		if vr.group == group && vr.version == version {
			found = true
			out = append(out, api.APIResource{Name: vr.resource, SingularName: vr.singular, Namespaced: vr.namespaced,
				Kind: vr.kind, Verbs: []string{"create"}})
		}
	}
	return out, found
}
