package decode

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// jsonObject reports whether data is a JSON object (the apiserver's usual
// body), which can skip the YAML conversion: YAML parsing costs several
// times the JSON decoding on the create path.
func jsonObject(data []byte) bool {
	t := bytes.TrimSpace(data)
	return len(t) > 0 && t[0] == '{'
}

// decodeGeneric decodes JSON into maps, slices and json.Numbers, rejecting
// a key given twice in one object (as the YAML path does) with its path.
func decodeGeneric(j []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(j))
	d.UseNumber()
	v, err := genericValue(d, "")
	if err != nil {
		return nil, err
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("invalid JSON: data after the top-level value")
	}
	return v, nil
}

func genericValue(d *json.Decoder, path string) (any, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			m := map[string]any{}
			for d.More() {
				kt, err := d.Token()
				if err != nil {
					return nil, fmt.Errorf("invalid JSON: %w", err)
				}
				k, _ := kt.(string)
				child := k
				if path != "" {
					child = path + "." + k
				}
				if _, dup := m[k]; dup {
					return nil, fmt.Errorf("%s: key %q already set in JSON object", child, k)
				}
				if m[k], err = genericValue(d, child); err != nil {
					return nil, err
				}
			}
			_, err := d.Token() // '}'
			return m, err
		case '[':
			s := []any{}
			for i := 0; d.More(); i++ {
				v, err := genericValue(d, fmt.Sprintf("%s[%d]", path, i))
				if err != nil {
					return nil, err
				}
				s = append(s, v)
			}
			_, err := d.Token() // ']'
			return s, err
		}
		return nil, fmt.Errorf("invalid JSON: unexpected %v", t)
	default:
		return tok, nil
	}
}
