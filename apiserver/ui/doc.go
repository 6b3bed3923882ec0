// Package ui is minik8s' web UI (docs/ui.md): plain HTML, CSS and a little
// JavaScript, embedded in the binary and served by the apiserver under
// /ui/ behind its authentication and authorization (a non-resource URL).
// The page reads the API as any client: lists, then watches with fetch
// streaming (?watch=1), and draws each node's network map as SVG from the
// kubelet's /netinfo read through the node proxy. No build step, no CDN.
package ui
