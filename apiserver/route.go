package apiserver

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"minik8s/pkg/api"
)

// route is what a resource URL names.
type route struct {
	info      *api.ResourceInfo // the storage version
	view      *api.ResourceInfo // the version the client speaks, if not info (versions.go)
	namespace string            // empty: cluster-scoped, or all namespaces for a namespaced list
	name      string
	sub       string // "status", "binding", ...
}

// resourceServer serves the main resource of a route (sub empty) or one of
// its subresources (sr not nil).
type resourceServer func(w http.ResponseWriter, r *http.Request, rt route, sr *subresource)

func init() { gin.SetMode(gin.ReleaseMode) }

// newRouter builds the apiserver's gin router: the Kubernetes path patterns
// of every registered resource and subresource, discovery, OpenAPI,
// version and health. Unknown paths are a 404 Status; a trailing slash is
// ignored. serve is called for resource paths.
func (s *Server) newRouter(serve resourceServer) *gin.Engine {
	e := gin.New()
	e.RedirectTrailingSlash = false
	e.RedirectFixedPath = false
	e.HandleMethodNotAllowed = false
	e.ContextWithFallback = true
	e.NoRoute(func(c *gin.Context) {
		if p := c.Request.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") && !strings.HasSuffix(p, "//") {
			c.Request.URL.Path = strings.TrimSuffix(p, "/")
			c.Request.URL.RawPath = ""
			e.HandleContext(c)
			return
		}
		writeError(c.Writer, errNoResource())
	})

	health := func(c *gin.Context) { s.serveHealth(c.Writer, c.Request) }
	for _, p := range []string{"/healthz", "/livez", "/readyz"} {
		e.Any(p, health)
		e.Any(p+"/*check", health)
	}
	e.Any("/version", func(c *gin.Context) { writeJSON(c.Writer, http.StatusOK, versionInfo()) })
	e.Any("/openapi/*path", func(c *gin.Context) { s.serveOpenAPI(c.Writer, c.Request) })
	discovery := func(c *gin.Context) {
		if !s.serveDiscovery(c.Writer, c.Request) {
			writeError(c.Writer, errNoResource())
		}
	}
	e.Any("/api", discovery)
	e.Any("/apis", discovery)
	s.addMetricsRoutes(e)
	s.addVirtualRoutes(e)
	s.addUIRoutes(e)
	seen := map[string]bool{}
	for _, info := range api.Served() {
		base := "/api/" + info.Version
		if info.Group != "" {
			base = "/apis/" + info.Group + "/" + info.Version
			if !seen["/apis/"+info.Group] {
				seen["/apis/"+info.Group] = true
				e.Any("/apis/"+info.Group, discovery)
			}
		}
		if !seen[base] {
			seen[base] = true
			e.Any(base, discovery)
		}
		addResourceRoutes(e, base, info, serve)
	}
	return e
}

// addResourceRoutes registers a resource's collection, object and
// subresource paths.
func addResourceRoutes(e *gin.Engine, base string, info *api.ResourceInfo, serve resourceServer) {
	subs := subresourcesOf(info)
	at := func(namespace, name, sub string) route {
		rt := routeFor(info)
		rt.namespace, rt.name, rt.sub = namespace, name, sub
		return rt
	}
	if !info.Namespaced {
		// A namespace's own paths share the /namespaces/{namespace}
		// segment with every namespaced path, so the parameter is named
		// alike (gin wants one name per position).
		nameParam := "name"
		if info.Group == "" && info.Resource == "namespaces" {
			nameParam = "namespace"
		}
		coll := base + "/" + info.Resource
		e.Any(coll, func(c *gin.Context) { serve(c.Writer, c.Request, at("", "", ""), nil) })
		e.Any(coll+"/:"+nameParam, func(c *gin.Context) {
			serve(c.Writer, c.Request, at("", c.Param(nameParam), ""), nil)
		})
		for name, sr := range subs {
			sr := sr
			h := func(c *gin.Context) { serve(c.Writer, c.Request, at("", c.Param(nameParam), name), &sr) }
			e.Any(coll+"/:"+nameParam+"/"+name, h)
			if sr.anyPath {
				e.Any(coll+"/:"+nameParam+"/"+name+"/*path", h)
			}
		}
		return
	}
	// A namespaced resource across all namespaces: list, watch and
	// deletecollection-less reads.
	e.Any(base+"/"+info.Resource, func(c *gin.Context) { serve(c.Writer, c.Request, at("", "", ""), nil) })
	coll := base + "/namespaces/:namespace/" + info.Resource
	e.Any(coll, func(c *gin.Context) {
		serve(c.Writer, c.Request, at(c.Param("namespace"), "", ""), nil)
	})
	e.Any(coll+"/:name", func(c *gin.Context) {
		serve(c.Writer, c.Request, at(c.Param("namespace"), c.Param("name"), ""), nil)
	})
	for name, sr := range subs {
		sr := sr
		h := func(c *gin.Context) {
			serve(c.Writer, c.Request, at(c.Param("namespace"), c.Param("name"), name), &sr)
		}
		e.Any(coll+"/:name/"+name, h)
		if sr.anyPath {
			e.Any(coll+"/:name/"+name+"/*path", h)
		}
	}
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
