package ui

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var static embed.FS

// Prefix is the URL path the UI is served under.
const Prefix = "/ui"

// contentTypes are the asset types the UI ships, by extension.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".svg":  "image/svg+xml",
	".png":  "image/png",
}

// csp lets the page load only its own assets and talk only to its own
// origin (the apiserver, or kubectl proxy in front of it).
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Handler serves the UI's assets for paths under Prefix: Prefix itself
// redirects to Prefix+"/" (relative, so a proxy's prefix is kept), "/"
// is index.html, anything else an embedded file or 404. Only GET and HEAD.
func Handler() http.Handler {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree always has static/
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method "+r.Method+" not allowed on "+r.URL.Path, http.StatusMethodNotAllowed)
			return
		}
		p := r.URL.Path
		if p == Prefix {
			// Relative (http.Redirect would make it absolute), so a
			// proxy serving the API under a prefix keeps it.
			w.Header().Set("Location", path.Base(Prefix)+"/")
			w.WriteHeader(http.StatusMovedPermanently)
			return
		}
		name, ok := strings.CutPrefix(p, Prefix+"/")
		if !ok {
			http.NotFound(w, r)
			return
		}
		if name == "" {
			name = "index.html"
		}
		ct, known := contentTypes[path.Ext(name)]
		data, err := fs.ReadFile(sub, name)
		if !known || err != nil || !fs.ValidPath(name) {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", ct)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-cache")
		h.Set("Content-Security-Policy", csp)
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			_, _ = w.Write(data)
		}
	})
}
