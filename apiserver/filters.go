package apiserver

import "net/http"

// withFilters wraps the router in the request filters, outermost first, as
// Kubernetes' DefaultBuildHandlerChain: request info, authentication
// (401), audit, authorization (403), then the handler. The filters read
// s.authn and s.authz, which Run sets before serving.
//
// Seam: the authentication helper fills this in.
func (s *Server) withFilters(h http.Handler) http.Handler { return h }
