package addons

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"minik8s/pkg/addons"
	"minik8s/pkg/api"
)

// action is what the manager does with one add-on object.
type action int

const (
	actionNone    action = iota // present and as the manifest says (or EnsureExists)
	actionCreate                // missing
	actionRestore               // a Reconcile object whose manifest fields were changed
	actionSkip                  // no mode label: not managed
)

// decide compares the manifest object with the live one (nil: missing).
func decide(desired, live api.Object) (action, error) {
	mode := desired.GetObjectMeta().Labels[addons.ModeLabel]
	if mode != addons.ModeReconcile && mode != addons.ModeEnsureExists {
		return actionSkip, nil
	}
	if live == nil {
		return actionCreate, nil
	}
	if mode == addons.ModeEnsureExists {
		return actionNone, nil
	}
	d, err := managedFields(desired)
	if err != nil {
		return actionNone, err
	}
	l, err := toMap(live)
	if err != nil {
		return actionNone, err
	}
	if subset(d, l) {
		return actionNone, nil
	}
	return actionRestore, nil
}

// restorePatch is the JSON merge patch that puts the manifest's fields
// back: its labels and annotations, and every top-level field but
// metadata, apiVersion, kind and status (lists are replaced whole, and the
// apiserver defaults them again).
func restorePatch(desired api.Object) ([]byte, error) {
	patch, err := managedFields(desired)
	if err != nil {
		return nil, err
	}
	return json.Marshal(patch)
}

// managedFields are the fields of the manifest the manager keeps: labels,
// annotations and every top-level field but metadata, apiVersion, kind
// and status.
func managedFields(desired api.Object) (map[string]any, error) {
	d, err := toMap(desired)
	if err != nil {
		return nil, err
	}
	patch := map[string]any{}
	meta := map[string]any{}
	if m, ok := d["metadata"].(map[string]any); ok {
		for _, k := range []string{"labels", "annotations"} {
			if v, ok := m[k]; ok {
				meta[k] = v
			}
		}
	}
	if len(meta) > 0 {
		patch["metadata"] = meta
	}
	for k, v := range d {
		switch k {
		case "metadata", "apiVersion", "kind", "status":
		default:
			patch[k] = v
		}
	}
	return patch, nil
}

func toMap(o api.Object) (map[string]any, error) {
	b, err := json.Marshal(o)
	if err != nil {
		return nil, fmt.Errorf("encoding %s: %w", o.GetObjectMeta().Name, err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", o.GetObjectMeta().Name, err)
	}
	return m, nil
}

// firstDifference names the first field (in a walk of d) where l differs
// from d, for the log.
func firstDifference(d, l any, path string) string {
	switch dv := d.(type) {
	case map[string]any:
		lv, _ := l.(map[string]any)
		for k, v := range dv {
			if !subset(v, lv[k]) {
				return firstDifference(v, lv[k], path+"."+k)
			}
		}
	case []any:
		lv, ok := l.([]any)
		if !ok || len(lv) != len(dv) {
			return path
		}
		for i := range dv {
			if !subset(dv[i], lv[i]) {
				return firstDifference(dv[i], lv[i], fmt.Sprintf("%s[%d]", path, i))
			}
		}
	}
	return strings.TrimPrefix(path, ".")
}

// difference is firstDifference of two objects.
func difference(desired, live api.Object) string {
	d, err1 := managedFields(desired)
	l, err2 := toMap(live)
	if err1 != nil || err2 != nil {
		return ""
	}
	return firstDifference(d, l, "")
}

// subset reports whether every field set in d has the same value in l
// (maps by key, lists element by element with the same length): what the
// apiserver defaults or allocates besides the manifest is not a change.
func subset(d, l any) bool {
	switch dv := d.(type) {
	case map[string]any:
		lv, ok := l.(map[string]any)
		if !ok {
			return len(dv) == 0 && l == nil
		}
		for k, v := range dv {
			if !subset(v, lv[k]) {
				return false
			}
		}
		return true
	case []any:
		lv, ok := l.([]any)
		if !ok || len(lv) != len(dv) {
			return len(dv) == 0 && l == nil
		}
		for i := range dv {
			if !subset(dv[i], lv[i]) {
				return false
			}
		}
		return true
	case nil:
		return true // unset in the manifest
	default:
		return reflect.DeepEqual(d, l)
	}
}
