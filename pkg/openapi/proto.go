package openapi

import (
	"fmt"

	openapiv2 "github.com/google/gnostic-models/openapiv2"
	openapiv3 "github.com/google/gnostic-models/openapiv3"
	"google.golang.org/protobuf/proto"
)

// ProtoV2 encodes a swagger 2.0 JSON document as the protobuf kubectl
// reads from /openapi/v2 (gnostic's OpenAPIv2 Document, as Kubernetes).
func ProtoV2(doc []byte) ([]byte, error) {
	d, err := openapiv2.ParseDocument(doc)
	if err != nil {
		return nil, fmt.Errorf("parsing the OpenAPI v2 document: %w", err)
	}
	b, err := proto.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("encoding the OpenAPI v2 document: %w", err)
	}
	return b, nil
}

// ProtoV3 encodes an OpenAPI 3.0 JSON document as gnostic's protobuf.
func ProtoV3(doc []byte) ([]byte, error) {
	d, err := openapiv3.ParseDocument(doc)
	if err != nil {
		return nil, fmt.Errorf("parsing an OpenAPI v3 document: %w", err)
	}
	b, err := proto.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("encoding an OpenAPI v3 document: %w", err)
	}
	return b, nil
}
