// Package decode owns reading API objects from YAML or JSON: strictly (an
// unknown field is an error naming its path), multi-document, from files,
// directories and standard input.
package decode

import (
	"bytes"
	"encoding/json"
	"fmt"

	"sigs.k8s.io/yaml"

	"minik8s/pkg/api"
)

// DecodeInto strictly decodes one YAML or JSON document into obj (STUB: path-less errors).
func DecodeInto(data []byte, obj api.Object) error {
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		return fmt.Errorf("invalid YAML: %w", err)
	}
	d := json.NewDecoder(bytes.NewReader(j))
	d.DisallowUnknownFields()
	return d.Decode(obj)
}

// Decode reads apiVersion and kind from one document and decodes it strictly
// into the matching type.
func Decode(data []byte) (api.Object, error) {
	var tm api.TypeMeta
	if err := yaml.Unmarshal(data, &tm); err != nil {
		return nil, fmt.Errorf("invalid YAML: %w", err)
	}
	info, err := api.ForKind(tm.APIVersion, tm.Kind)
	if err != nil {
		return nil, err
	}
	obj := info.New()
	if err := DecodeInto(data, obj); err != nil {
		return nil, err
	}
	return obj, nil
}
