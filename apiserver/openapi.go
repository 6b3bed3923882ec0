package apiserver

import (
	"bytes"
	"crypto/sha512"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/munnerz/goautoneg"

	"minik8s/pkg/api"
	"minik8s/pkg/openapi"
)

// The OpenAPI documents, generated from pkg/api's Go types (pkg/openapi):
// /openapi/v2 is the swagger 2.0 document of every served kind, as JSON
// or protobuf (what kubectl asks for); /openapi/v3 is the index of the
// group versions, each at /openapi/v3/<api/v1|apis/g/v>?hash=<etag>.
// Answers carry an ETag (conditional requests get 304) and, when the hash
// of the request is current, the immutable caching headers of Kubernetes;
// a stale hash is redirected to the current one.
const (
	mimeJSON    = "application/json"
	mimeV2Proto = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
	mimeV3Proto = "application/com.github.proto-openapi.spec.v3.v1.0+protobuf"
)

// specBytes is one document in each encoding, with its ETag (the SHA-512
// of the JSON, upper-case hex, as Kubernetes computes it).
type specBytes struct {
	json, proto []byte
	etag        string
}

type openAPISpecs struct {
	v2    specBytes
	v3    map[string]specBytes // by "api/v1", "apis/apps/v1"
	index []byte
	built time.Time
}

var openAPIOnce = sync.OnceValues(buildOpenAPI)

func buildOpenAPI() (*openAPISpecs, error) {
	served, docs := api.Served(), openapi.Descriptions()
	s := &openAPISpecs{v3: map[string]specBytes{}, built: time.Now()}
	var err error
	if s.v2, err = encodeSpec(openapi.V2Document(served, docs, gitVersion), openapi.ProtoV2); err != nil {
		return nil, err
	}
	paths := map[string]any{}
	for _, gv := range openapi.GroupVersions(served) {
		doc, _ := openapi.V3Document(served, docs, gv, gitVersion)
		sb, err := encodeSpec(doc, openapi.ProtoV3)
		if err != nil {
			return nil, err
		}
		p := openapi.GVPath(gv)
		s.v3[p] = sb
		paths[p] = map[string]string{"serverRelativeURL": v3URL(p, sb.etag)}
	}
	if s.index, err = json.Marshal(map[string]any{"paths": paths}); err != nil {
		return nil, fmt.Errorf("encoding the OpenAPI v3 index: %w", err)
	}
	return s, nil
}

func encodeSpec(doc map[string]any, toProto func([]byte) ([]byte, error)) (specBytes, error) {
	j, err := json.Marshal(doc)
	if err != nil {
		return specBytes{}, fmt.Errorf("encoding an OpenAPI document: %w", err)
	}
	p, err := toProto(j)
	if err != nil {
		return specBytes{}, err
	}
	return specBytes{json: j, proto: p, etag: fmt.Sprintf("%X", sha512.Sum512(j))}, nil
}

func v3URL(path, etag string) string {
	return "/openapi/v3/" + path + "?" + url.Values{"hash": {etag}}.Encode()
}

func (s *Server) serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	specs, err := openAPIOnce()
	if err != nil {
		writeError(w, errInternal(err))
		return
	}
	p := strings.TrimSuffix(r.URL.Path, "/")
	switch {
	case p == "/openapi/v2":
		serveSpec(w, r, specs.v2, specs.built, mimeV2Proto, false)
	case p == "/openapi/v3":
		w.Header().Set("Content-Type", mimeJSON)
		w.Header().Set("Etag", strconv.Quote(fmt.Sprintf("%X", sha512.Sum512(specs.index))))
		http.ServeContent(w, r, "", specs.built, bytes.NewReader(specs.index))
	default:
		gv, _ := strings.CutPrefix(p, "/openapi/v3/")
		sb, ok := specs.v3[gv]
		if !ok {
			writeError(w, errNoResource())
			return
		}
		if hash := r.URL.Query().Get("hash"); hash != "" && hash != sb.etag {
			http.Redirect(w, r, v3URL(gv, sb.etag), http.StatusMovedPermanently)
			return
		}
		serveSpec(w, r, sb, specs.built, mimeV3Proto, r.URL.Query().Get("hash") != "")
	}
}

// serveSpec answers JSON or protobuf as the Accept header prefers, or 406
// Not Acceptable (so a client falls back) when it wants neither.
func serveSpec(w http.ResponseWriter, r *http.Request, sb specBytes, built time.Time, protoType string, immutable bool) {
	w.Header().Add("Vary", "Accept")
	body, ct := negotiateSpec(r.Header.Get("Accept"), sb, protoType)
	if body == nil {
		w.WriteHeader(http.StatusNotAcceptable)
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Etag", strconv.Quote(sb.etag))
	if immutable {
		w.Header().Set("Cache-Control", "public, immutable")
		w.Header().Set("Expires", time.Now().AddDate(1, 0, 0).Format(time.RFC1123))
	}
	http.ServeContent(w, r, "", built, bytes.NewReader(body))
}

// negotiateSpec picks the encoding of the first acceptable clause, in the
// client's order of preference; both the current and the deprecated
// ("spec.v2@v1.0") protobuf names are accepted.
func negotiateSpec(accept string, sb specBytes, protoType string) ([]byte, string) {
	if accept == "" {
		accept = "*/*"
	}
	deprecated := strings.Replace(protoType, ".v1.0+", "@v1.0+", 1)
	for _, c := range goautoneg.ParseAccept(accept) {
		if c.Type != "application" && c.Type != "*" {
			continue
		}
		switch mt := "application/" + c.SubType; {
		case c.SubType == "*" || mt == mimeJSON:
			return sb.json, mimeJSON
		case mt == protoType || mt == deprecated:
			return sb.proto, protoType
		}
	}
	return nil, ""
}
