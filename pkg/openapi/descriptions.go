package openapi

import (
	_ "embed"
	"encoding/json"
	"sync"

	"minik8s/pkg/openapi/internal/docscan"
)

//go:embed descriptions.json
var descriptionsJSON []byte

// Descriptions are the doc comments of pkg/api's types and fields, as
// `go generate` last wrote them.
var Descriptions = sync.OnceValue(func() docscan.Docs {
	var d docscan.Docs
	if err := json.Unmarshal(descriptionsJSON, &d); err != nil {
		panic("pkg/openapi: descriptions.json: " + err.Error())
	}
	return d
})
