package describe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"

	"minik8s/pkg/api"
)

// generic describes any object as kubectl's generic describer does: name,
// namespace, labels and annotations, then every other field as an
// indented "Field Name:  value" tree.
func (d *describer) generic(obj api.Object, events []api.Event) error {
	raw, err := json.Marshal(obj)
	if err != nil {
		return fmt.Errorf("encoding %T: %w", obj, err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var content map[string]any
	if err := dec.Decode(&content); err != nil {
		return fmt.Errorf("decoding %T: %w", obj, err)
	}
	m := obj.GetObjectMeta()
	d.write(level0, "Name:\t%s\n", m.Name)
	d.write(level0, "Namespace:\t%s\n", m.Namespace)
	d.labelsMultiline("", "Labels", m.Labels)
	d.annotationsMultiline("", "Annotations", m.Annotations)
	d.content(level0, content, "", map[string]bool{
		".metadata.managedFields": true, ".metadata.name": true, ".metadata.namespace": true,
		".metadata.labels": true, ".metadata.annotations": true,
	})
	d.events(events)
	return nil
}

func (d *describer) content(level int, content map[string]any, prefix string, skip map[string]bool) {
	for _, field := range sortedKeys(content) {
		path := prefix + "." + field
		if skip[path] {
			continue
		}
		switch v := content[field].(type) {
		case nil:
			// Unset timestamps encode as null; they say nothing.
		case map[string]any:
			d.write(level, "%s:\n", smartLabel(field))
			d.content(level+1, v, path, skip)
		case []any:
			d.write(level, "%s:\n", smartLabel(field))
			for _, item := range v {
				if m, ok := item.(map[string]any); ok {
					d.content(level+1, m, path, skip)
				} else {
					d.write(level+1, "%v\n", item)
				}
			}
		default:
			d.write(level, "%s:\t%v\n", smartLabel(field), v)
		}
	}
}

// smartLabel turns a camelCase field name into "Title Case" words
// ("apiVersion" becomes "API Version"); names with other characters than
// letters and '-' are kept as they are.
func smartLabel(field string) string {
	if strings.IndexFunc(field, func(r rune) bool { return !unicode.IsLetter(r) && r != '-' }) >= 0 {
		return field
	}
	acronyms := map[string]bool{"API": true, "URL": true, "UID": true, "OSB": true, "GUID": true}
	var words []string
	start := 0
	runes := []rune(field)
	for i := 1; i <= len(runes); i++ {
		if i == len(runes) || (unicode.IsUpper(runes[i]) && !unicode.IsUpper(runes[i-1])) ||
			(unicode.IsUpper(runes[i]) && i+1 < len(runes) && unicode.IsLower(runes[i+1]) && unicode.IsUpper(runes[i-1])) {
			words = append(words, string(runes[start:i]))
			start = i
		}
	}
	for i, w := range words {
		if acronyms[strings.ToUpper(w)] {
			words[i] = strings.ToUpper(w)
		} else {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}
