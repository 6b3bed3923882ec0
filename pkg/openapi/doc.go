// Package openapi generates the OpenAPI v2 (swagger 2.0) and v3 documents
// of the served API from the Go types of pkg/api, by reflection, with the
// definition names, extensions and descriptions Kubernetes publishes, so
// that kubectl explain, kubectl apply's strategic-merge patches and
// server-side field validation work against minik8s.
//
// Descriptions come from the doc comments of pkg/api, read with go/ast
// into descriptions.json (embedded); regenerate it after changing pkg/api:
//
//	go generate ./pkg/openapi/
package openapi

//go:generate go run ./internal/docscan/gen ../api descriptions.json
