package apiserver

import (
	"github.com/gin-gonic/gin"

	"minik8s/apiserver/ui"
)

// addUIRoutes serves the web UI under /ui (docs/ui.md). The request
// filters (filters.go) have authenticated and authorized the request
// before it gets here: /ui/... is a non-resource URL, allowed by RBAC
// nonResourceURLs ("/ui", "/ui/*"), as cluster-admin's "*" has.
func (s *Server) addUIRoutes(e *gin.Engine) {
	h := gin.WrapH(ui.Handler())
	e.Any(ui.Prefix, h)
	e.Any(ui.Prefix+"/*path", h)
}
