package kubectl

import (
	"fmt"
	"sort"
	"unicode"

	"minik8s/pkg/api"
)

// --sort-by, as kubectl's RuntimeSort: the first value the JSONPath finds
// in each object is the key; objects without it come first; numbers
// compare as numbers and strings in natural order (so RFC 3339 timestamps
// sort in time order). The sort is stable.

// sortKeys evaluates spec (a relaxed JSONPath such as .lastTimestamp) on
// each object; a nil key means the field is missing.
func sortKeys(spec string, objs []api.Object) ([]any, error) {
	expr, err := relaxedJSONPath(spec)
	if err != nil {
		return nil, err
	}
	tmpl, err := newJSONPathTemplate(expr)
	if err != nil {
		return nil, fmt.Errorf("couldn't parse the --sort-by JSONPath %q: %w", spec, err)
	}
	tmpl.allowMissing = true
	keys := make([]any, len(objs))
	for i, obj := range objs {
		u, err := unstructuredOf(obj)
		if err != nil {
			return nil, err
		}
		res, err := tmpl.findResults(u)
		if err != nil {
			return nil, fmt.Errorf("couldn't find any field with path %q in the list of objects: %w", expr, err)
		}
		if len(res) > 0 && len(res[0]) > 0 {
			keys[i] = res[0][0]
			switch keys[i].(type) {
			case map[string]any, []any:
				return nil, fmt.Errorf("field %s in %s is an unsortable type: %T", expr, obj.GetTypeMeta().Kind, keys[i])
			}
		}
	}
	return keys, nil
}

// sortObjects sorts objs by spec, moving infos (if any) in step.
func sortObjects(spec string, objs []api.Object, infos []*api.ResourceInfo) error {
	keys, err := sortKeys(spec, objs)
	if err != nil {
		return err
	}
	idx := make([]int, len(objs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return keyLess(keys[idx[a]], keys[idx[b]]) })
	so := make([]api.Object, len(objs))
	var si []*api.ResourceInfo
	if infos != nil {
		si = make([]*api.ResourceInfo, len(infos))
	}
	for to, from := range idx {
		so[to] = objs[from]
		if infos != nil {
			si[to] = infos[from]
		}
	}
	copy(objs, so)
	copy(infos, si)
	return nil
}

// keyLess orders two sort keys: missing first, then by value.
func keyLess(a, b any) bool {
	switch {
	case a == nil:
		return b != nil
	case b == nil:
		return false
	}
	if x, ok := number(a); ok {
		if y, ok := number(b); ok {
			return x < y
		}
	}
	if x, ok := a.(bool); ok {
		if y, ok := b.(bool); ok {
			return !x && y
		}
	}
	return naturalLess(fmt.Sprint(a), fmt.Sprint(b))
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

// naturalLess compares strings with runs of digits compared as numbers
// ("pod-9" < "pod-10"), as kubectl's sortorder.NaturalLess.
func naturalLess(s, t string) bool {
	for s != "" && t != "" {
		if isDigit(s[0]) && isDigit(t[0]) {
			ds, dt := digitRun(s), digitRun(t)
			ns, nt := trimZeros(s[:ds]), trimZeros(t[:dt])
			if len(ns) != len(nt) {
				return len(ns) < len(nt)
			}
			if ns != nt {
				return ns < nt
			}
			if ds != dt { // same number, fewer leading zeros first
				return ds < dt
			}
			s, t = s[ds:], t[dt:]
			continue
		}
		if s[0] != t[0] {
			return s[0] < t[0]
		}
		s, t = s[1:], t[1:]
	}
	return len(s) < len(t)
}

func isDigit(b byte) bool { return b < 0x80 && unicode.IsDigit(rune(b)) }

func digitRun(s string) int {
	n := 0
	for n < len(s) && isDigit(s[n]) {
		n++
	}
	return n
}

func trimZeros(s string) string {
	for len(s) > 1 && s[0] == '0' {
		s = s[1:]
	}
	return s
}
