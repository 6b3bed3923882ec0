package apiserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"minik8s/apiserver/metrics"
	"minik8s/apiserver/storage"
	"minik8s/pkg/api"
)

// The resource metrics API, metrics.k8s.io/v1beta1, served by the
// apiserver itself from the store its scraper fills (apiserver/metrics),
// as metrics-server serves it: nodes and pods, get and list, label and
// field selectors on list, tables for `kubectl get`. A pod appears once
// it is Running and has two scrapes; an object without metrics is a 404.

const (
	metricsGroup   = "metrics.k8s.io"
	metricsVersion = "v1beta1"
	metricsBase    = "/apis/" + metricsGroup + "/" + metricsVersion
)

// metricsAPIGroup is the group's entry in /apis.
func metricsAPIGroup() apiGroup {
	gv := groupVersion{GroupVersion: api.MetricsGroupVersion, Version: metricsVersion}
	return apiGroup{Name: metricsGroup, Versions: []groupVersion{gv}, PreferredVersion: gv}
}

// metricsResources is the group version's APIResourceList (metrics-server
// gives no singular names).
func metricsResources() []api.APIResource {
	return []api.APIResource{
		{Name: "nodes", Namespaced: false, Kind: "NodeMetrics", Verbs: []string{"get", "list"}},
		{Name: "pods", Namespaced: true, Kind: "PodMetrics", Verbs: []string{"get", "list"}},
	}
}

// newMetricsScraper is the scraper of the kubelets (or of the fetcher the
// options inject) that fills the server's metrics store.
func (s *Server) newMetricsScraper() *metrics.Scraper {
	fetcher := s.opts.MetricsFetcher
	if fetcher == nil {
		fetcher = &metrics.HTTPFetcher{Client: s.kubeletClient(), URL: s.kubeletNodeURL}
	}
	nodes := func(ctx context.Context) ([]*api.Node, error) {
		objs, _, err := s.listObjects(ctx, nodesInfo(), "", everything())
		if err != nil {
			return nil, err
		}
		out := make([]*api.Node, len(objs))
		for i, o := range objs {
			out[i] = o.(*api.Node)
		}
		return out, nil
	}
	return &metrics.Scraper{Nodes: nodes, Fetcher: fetcher, Store: s.metrics, Resolution: s.opts.MetricsResolution}
}

func nodesInfo() *api.ResourceInfo {
	info, _ := api.ForResource("", "v1", "nodes")
	return info
}

func podsInfo() *api.ResourceInfo {
	info, _ := api.ForResource("", "v1", "pods")
	return info
}

func everything() selectors {
	sel, _ := parseSelectors(podsInfo(), url.Values{}, "")
	return sel
}

// addMetricsRoutes registers the group's discovery and resource paths.
func (s *Server) addMetricsRoutes(e *gin.Engine) {
	handle := func(path string, serve func(w http.ResponseWriter, r *http.Request, ns, name string) error) {
		e.Any(path, func(c *gin.Context) {
			r := c.Request
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				writeError(c.Writer, errMethodNotAllowed(r.Method, r.URL.Path))
				return
			}
			if isWatch(r) {
				writeError(c.Writer, errMethodNotAllowed("watch", r.URL.Path))
				return
			}
			if err := serve(c.Writer, r, c.Param("namespace"), c.Param("name")); err != nil {
				writeError(c.Writer, err)
			}
		})
	}
	handle("/apis/"+metricsGroup, func(w http.ResponseWriter, _ *http.Request, _, _ string) error {
		g := metricsAPIGroup()
		writeJSON(w, http.StatusOK, map[string]any{"kind": "APIGroup", "apiVersion": "v1", "name": g.Name,
			"versions": g.Versions, "preferredVersion": g.PreferredVersion})
		return nil
	})
	handle(metricsBase, func(w http.ResponseWriter, _ *http.Request, _, _ string) error {
		writeJSON(w, http.StatusOK, map[string]any{"kind": "APIResourceList", "apiVersion": "v1",
			"groupVersion": api.MetricsGroupVersion, "resources": metricsResources()})
		return nil
	})
	handle(metricsBase+"/nodes", s.listNodeMetrics)
	handle(metricsBase+"/nodes/:name", s.getNodeMetrics)
	handle(metricsBase+"/pods", s.listPodMetrics)
	handle(metricsBase+"/namespaces/:namespace/pods", s.listPodMetrics)
	handle(metricsBase+"/namespaces/:namespace/pods/:name", s.getPodMetrics)
}

// metricsList is NodeMetricsList / PodMetricsList on the wire.
type metricsList[T any] struct {
	api.TypeMeta `json:",inline"`
	Metadata     api.ListMeta `json:"metadata"`
	Items        []T          `json:"items"`
}

// serveMetricsList answers a list: the matching nodes or pods of the
// namespace, turned into their metrics by compute.
func serveMetricsList[O api.Object, M any](s *Server, w http.ResponseWriter, r *http.Request, info *api.ResourceInfo, ns, listKind string,
	compute func([]O) []M, table func([]M) api.Table) error {
	sel, err := parseSelectors(info, r.URL.Query(), "")
	if err != nil {
		return err
	}
	objs, _, err := s.listObjects(r.Context(), info, ns, sel)
	if err != nil {
		return mapStoreError(err, route{info: info, namespace: ns})
	}
	typed := make([]O, len(objs))
	for i, o := range objs {
		typed[i] = o.(O)
	}
	items := compute(typed)
	if wantTable(r) {
		writeJSON(w, http.StatusOK, table(items))
		return nil
	}
	writeJSON(w, http.StatusOK, metricsList[M]{TypeMeta: api.TypeMeta{Kind: listKind, APIVersion: api.MetricsGroupVersion}, Items: items})
	return nil
}

// serveMetricsGet answers a get: the named node or pod's metrics, or 404.
func serveMetricsGet[O api.Object, M any](s *Server, w http.ResponseWriter, r *http.Request, info *api.ResourceInfo, ns, name, kind, missing string,
	compute func([]O) []M, table func([]M) api.Table) error {
	obj, _, err := s.getObject(r.Context(), info, ns, name)
	if err != nil {
		return metricsSourceError(err, info, kind, name)
	}
	items := compute([]O{obj.(O)})
	if len(items) == 0 {
		return metricsNotFound(kind+"metrics", missing)
	}
	if wantTable(r) {
		writeJSON(w, http.StatusOK, table(items))
		return nil
	}
	writeJSON(w, http.StatusOK, items[0])
	return nil
}

func (s *Server) nodeMetrics(nodes []*api.Node) []api.NodeMetrics {
	return s.metrics.NodeMetrics(nodes, time.Now())
}
func (s *Server) podMetrics(pods []*api.Pod) []api.PodMetrics {
	return s.metrics.PodMetrics(pods, time.Now())
}

func (s *Server) listNodeMetrics(w http.ResponseWriter, r *http.Request, _, _ string) error {
	return serveMetricsList(s, w, r, nodesInfo(), "", "NodeMetricsList", s.nodeMetrics, nodeMetricsTable)
}

func (s *Server) getNodeMetrics(w http.ResponseWriter, r *http.Request, _, name string) error {
	return serveMetricsGet(s, w, r, nodesInfo(), "", name, "node", name, s.nodeMetrics, nodeMetricsTable)
}

func (s *Server) listPodMetrics(w http.ResponseWriter, r *http.Request, ns, _ string) error {
	return serveMetricsList(s, w, r, podsInfo(), ns, "PodMetricsList", s.podMetrics, podMetricsTable)
}

func (s *Server) getPodMetrics(w http.ResponseWriter, r *http.Request, ns, name string) error {
	return serveMetricsGet(s, w, r, podsInfo(), ns, name, "pod", ns+"/"+name, s.podMetrics, podMetricsTable)
}

// metricsSourceError is the answer when the node or pod itself cannot be
// read: metrics-server's lister NotFound (`pod "x" not found`), else the
// storage error.
func metricsSourceError(err error, info *api.ResourceInfo, kind, name string) error {
	if errors.Is(err, storage.ErrNotFound) {
		return newStatusError(http.StatusNotFound, reasonNotFound, fmt.Sprintf("%s %q not found", kind, name),
			&api.StatusDetails{Name: name, Kind: kind})
	}
	return mapStoreError(err, route{info: info, name: name})
}

// metricsNotFound is metrics-server's answer for an object without metrics.
func metricsNotFound(resource, name string) error {
	return newStatusError(http.StatusNotFound, reasonNotFound, fmt.Sprintf("%s.%s %q not found", resource, metricsGroup, name),
		&api.StatusDetails{Name: name, Group: metricsGroup, Kind: resource})
}

// ScrapeMetrics runs one scrape of the kubelets now (tests, with
// --metrics-resolution 0 so that only these scrapes happen).
func (s *Server) ScrapeMetrics(ctx context.Context) error {
	return s.newMetricsScraper().Scrape(ctx)
}
