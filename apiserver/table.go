package apiserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/printers"
)

// tableFor prints objects as table rows (cells and column definitions
// come from pkg/printers, shared with kubectl).
var tableFor = printers.TableFor

// wantTable reports whether the Accept header asks for a meta.k8s.io/v1 Table.
func wantTable(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		params := map[string]string{}
		fields := strings.Split(part, ";")
		for _, p := range fields[1:] {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			params[k] = v
		}
		mt := strings.TrimSpace(fields[0])
		if (mt == "application/json" || mt == "*/*") && params["as"] == "Table" && params["g"] == "meta.k8s.io" && params["v"] == "v1" {
			return true
		}
		if mt == "application/json" || mt == "*/*" {
			return false // a plain JSON answer is preferred first
		}
	}
	return false
}

// buildTable prints objs and sets each row's object as includeObject asks
// (Metadata by default, Object, or None).
func (s *Server) buildTable(r *http.Request, rt route, objs []api.Object, rv string) (*api.Table, error) {
	info := rt.info // rows are printed from the stored objects
	t, err := tableFor(info, objs, time.Now())
	if err != nil {
		return nil, fmt.Errorf("printing %s: %w", info.Resource, err)
	}
	t.Kind, t.APIVersion = "Table", "meta.k8s.io/v1"
	t.ResourceVersion = rv
	include := r.URL.Query().Get("includeObject")
	for i := range t.Rows {
		if i >= len(objs) {
			break
		}
		var v any
		switch include {
		case "None":
			t.Rows[i].Object = nil
			continue
		case "Object":
			if v, err = rt.toServed(objs[i]); err != nil {
				return nil, err
			}
		default:
			v = partialMetadata(objs[i])
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		t.Rows[i].Object = b
	}
	if t.Rows == nil {
		t.Rows = []api.TableRow{}
	}
	return t, nil
}

// partialMetadata is the PartialObjectMetadata form of an object.
func partialMetadata(obj api.Object) any {
	return struct {
		api.TypeMeta `json:",inline"`
		Metadata     *api.ObjectMeta `json:"metadata"`
	}{api.TypeMeta{Kind: "PartialObjectMetadata", APIVersion: "meta.k8s.io/v1"}, obj.GetObjectMeta()}
}

// writeTable answers objs as a Table with the list metadata meta
// (resourceVersion, and continue for a page).
func (s *Server) writeTable(w http.ResponseWriter, r *http.Request, rt route, objs []api.Object, meta api.ListMeta) error {
	t, err := s.buildTable(r, rt, objs, meta.ResourceVersion)
	if err != nil {
		return err
	}
	t.Continue, t.RemainingItemCount = meta.Continue, meta.RemainingItemCount
	writeJSON(w, http.StatusOK, t)
	return nil
}
