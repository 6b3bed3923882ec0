// Package decode owns reading API objects from YAML or JSON: strictly (an
// unknown field is an error naming its path), multi-document, from files,
// directories and standard input.
//
// The pipeline is: split a byte stream into documents (SplitDocuments),
// convert each to JSON (sigs.k8s.io/yaml, duplicate keys rejected), walk the
// generic JSON against the Go type to find unknown fields and wrong types
// with their full paths (strict.go), and only then json.Unmarshal.
package decode

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"sigs.k8s.io/yaml"

	"minik8s/pkg/api"
)

// DecodeInto strictly decodes one YAML or JSON document into obj. An unknown
// field, a value of the wrong type or a malformed quantity is an error naming
// the field's path (spec.containers[0].imagePullPolcy: unknown field).
func DecodeInto(data []byte, obj api.Object) error {
	j, err := toJSON(data)
	if err != nil {
		return err
	}
	return decodeJSONInto(j, obj)
}

// Decode reads apiVersion and kind from one document and decodes it strictly
// into the matching type.
func Decode(data []byte) (api.Object, error) {
	j, err := toJSON(data)
	if err != nil {
		return nil, err
	}
	info, err := kindOf(j)
	if err != nil {
		return nil, err
	}
	obj := info.New()
	if err := decodeJSONInto(j, obj); err != nil {
		return nil, err
	}
	return obj, nil
}

// DecodeAll decodes every document of a (possibly multi-document) YAML or
// JSON stream, expanding `kind: List`. Errors name the 0-based document index.
func DecodeAll(data []byte) ([]api.Object, error) {
	docs, err := SplitDocuments(data)
	if err != nil {
		return nil, err
	}
	out := make([]api.Object, 0, len(docs))
	for i, d := range docs {
		obj, err := Decode(d)
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		out = append(out, obj)
	}
	return out, nil
}

// toJSON converts YAML (or JSON, which is YAML) to JSON, rejecting duplicate
// keys and documents that are not a single object.
func toJSON(data []byte) ([]byte, error) {
	if jsonObject(data) && json.Valid(data) {
		return data, nil
	}
	j, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return nil, fmt.Errorf("invalid YAML: %w", err)
	}
	t := bytes.TrimSpace(j)
	if len(t) == 0 || string(t) == "null" {
		return nil, errors.New("empty document")
	}
	if t[0] != '{' {
		return nil, fmt.Errorf("document is not an object: %.40s", t)
	}
	return j, nil
}

func decodeJSONInto(j []byte, obj api.Object) error {
	generic, err := decodeGeneric(j)
	if err != nil {
		return err
	}
	if err := checkStrict(generic, obj); err != nil {
		return err
	}
	if err := json.Unmarshal(j, obj); err != nil {
		return fmt.Errorf("decoding %T: %w", obj, err)
	}
	return nil
}

// kindOf finds the registered resource of a JSON object's apiVersion and kind.
func kindOf(j []byte) (*api.ResourceInfo, error) {
	var tm struct {
		APIVersion any `json:"apiVersion"`
		Kind       any `json:"kind"`
	}
	if err := json.Unmarshal(j, &tm); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	kind, ok := tm.Kind.(string)
	if tm.Kind == nil || (ok && kind == "") {
		return nil, errors.New("kind not set in object")
	}
	if !ok {
		return nil, fmt.Errorf("kind: expected string, got %s", jsonTypeName(tm.Kind))
	}
	version, ok := tm.APIVersion.(string)
	if tm.APIVersion == nil || (ok && version == "") {
		return nil, fmt.Errorf("apiVersion not set in object of kind %q", kind)
	}
	if !ok {
		return nil, fmt.Errorf("apiVersion: expected string, got %s", jsonTypeName(tm.APIVersion))
	}
	var versions []string
	for _, r := range api.Served() {
		if r.Kind != kind {
			continue
		}
		if r.APIVersion() == version {
			return r, nil
		}
		versions = append(versions, r.APIVersion())
	}
	if len(versions) > 0 {
		return nil, fmt.Errorf("no kind %q is registered for version %q (supported: %q)", kind, version, versions)
	}
	return nil, fmt.Errorf("no kind %q is registered for version %q", kind, version)
}
