package decode

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"

	"minik8s/pkg/api"
)

// yamlSeparator is a YAML document separator line ("---", "--- # comment").
var yamlSeparator = regexp.MustCompile(`^---\s*(#.*)?$`)

// SplitDocuments splits a YAML stream on `---` lines, or a JSON stream into
// its concatenated objects. Empty documents (blank or only comments) are
// skipped, and a `kind: List` (or any kind ending in List with items) is
// expanded into its items, as kubectl does.
func SplitDocuments(data []byte) ([][]byte, error) {
	var raw [][]byte
	if docs, ok := splitJSONStream(data); ok {
		raw = docs
	} else {
		raw = splitYAML(data)
	}
	var out [][]byte
	for _, d := range raw {
		j, err := yaml.YAMLToJSON(d)
		if err != nil {
			// Keep it: decoding reports the syntax error with its document index.
			out = append(out, d)
			continue
		}
		if t := bytes.TrimSpace(j); len(t) == 0 || string(t) == "null" {
			continue
		}
		items, isList, err := expandList(j)
		if err != nil {
			return nil, err
		}
		if isList {
			out = append(out, items...)
		} else {
			out = append(out, d)
		}
	}
	return out, nil
}

func splitYAML(data []byte) [][]byte {
	var docs [][]byte
	var cur bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), len(data)+1)
	for sc.Scan() {
		line := sc.Text()
		if yamlSeparator.MatchString(strings.TrimRight(line, "\r")) {
			docs = append(docs, bytes.Clone(cur.Bytes()))
			cur.Reset()
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
	}
	docs = append(docs, cur.Bytes())
	return docs
}

// splitJSONStream splits concatenated JSON objects; ok is false when data
// is not (entirely) a JSON stream, in which case it is treated as YAML.
func splitJSONStream(data []byte) ([][]byte, bool) {
	t := bytes.TrimSpace(data)
	if len(t) == 0 || t[0] != '{' {
		return nil, false
	}
	d := json.NewDecoder(bytes.NewReader(t))
	var docs [][]byte
	for {
		var m json.RawMessage
		err := d.Decode(&m)
		if err == io.EOF {
			return docs, true
		}
		if err != nil {
			return nil, false
		}
		docs = append(docs, []byte(m))
	}
}

// expandList returns the items of a list document as JSON documents, with
// apiVersion and kind filled in from a typed list (PodList) when missing.
func expandList(j []byte) ([][]byte, bool, error) {
	var m map[string]any
	if err := json.Unmarshal(j, &m); err != nil {
		return nil, false, nil // not an object: Decode reports it
	}
	kind, _ := m["kind"].(string)
	rawItems, hasItems := m["items"]
	if !strings.HasSuffix(kind, "List") || !hasItems {
		return nil, false, nil
	}
	if rawItems == nil {
		return nil, true, nil
	}
	items, ok := rawItems.([]any)
	if !ok {
		return nil, false, fmt.Errorf("%s: items: expected array, got %s", kind, jsonTypeName(rawItems))
	}
	version, _ := m["apiVersion"].(string)
	var out [][]byte
	for i, it := range items {
		obj, ok := it.(map[string]any)
		if !ok {
			return nil, false, fmt.Errorf("%s: items[%d]: expected object, got %s", kind, i, jsonTypeName(it))
		}
		if kind != "List" {
			if _, ok := obj["kind"]; !ok {
				obj["kind"] = strings.TrimSuffix(kind, "List")
			}
			if _, ok := obj["apiVersion"]; !ok && version != "" {
				obj["apiVersion"] = version
			}
		}
		b, err := json.Marshal(obj)
		if err != nil {
			return nil, false, fmt.Errorf("%s: items[%d]: %w", kind, i, err)
		}
		sub, isList, err := expandList(b)
		if err != nil {
			return nil, false, fmt.Errorf("%s: items[%d]: %w", kind, i, err)
		}
		if isList {
			out = append(out, sub...)
		} else {
			out = append(out, b)
		}
	}
	return out, true, nil
}

// Source is one object read from a file, a directory or standard input.
type Source struct {
	Name string // "file:docIndex", e.g. "examples/pod.yaml:0" or "-:1" for stdin
	Obj  api.Object
	Raw  []byte // the document as JSON, exactly as written (kubectl apply records it)
}

// FileExtensions are the extensions read from a directory (not from a file
// named explicitly, which is read whatever its name).
var FileExtensions = []string{".json", ".yaml", ".yml"}

// StdinName is the path that means standard input.
const StdinName = "-"

// ReadPaths reads every object of paths, in order: a path is a file, a
// directory (its *.yaml, *.yml and *.json files, sorted by name; with
// recursive, subdirectories too, like kubectl -R) or "-" for stdin. Errors
// name the file and the document.
func ReadPaths(paths []string, recursive bool, stdin io.Reader) ([]Source, error) {
	var out []Source
	stdinRead := false
	for _, p := range paths {
		if p == StdinName {
			if stdinRead {
				return nil, errors.New("standard input can only be read once")
			}
			stdinRead = true
			if stdin == nil {
				return nil, errors.New("no standard input to read")
			}
			data, err := io.ReadAll(stdin)
			if err != nil {
				return nil, fmt.Errorf("reading standard input: %w", err)
			}
			srcs, err := decodeFile(StdinName, data)
			if err != nil {
				return nil, err
			}
			out = append(out, srcs...)
			continue
		}
		files, err := listFiles(p, recursive)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("reading %s: %w", f, err)
			}
			srcs, err := decodeFile(f, data)
			if err != nil {
				return nil, err
			}
			out = append(out, srcs...)
		}
	}
	return out, nil
}

func decodeFile(name string, data []byte) ([]Source, error) {
	docs, err := SplitDocuments(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	out := make([]Source, 0, len(docs))
	for i, d := range docs {
		obj, err := Decode(d)
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", name, i, err)
		}
		raw, err := toJSON(d)
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", name, i, err)
		}
		out = append(out, Source{Name: fmt.Sprintf("%s:%d", name, i), Obj: obj, Raw: raw})
	}
	return out, nil
}

// listFiles resolves one path to the files to read.
func listFiles(p string, recursive bool) ([]string, error) {
	st, err := os.Stat(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("the path %q does not exist", p)
		}
		return nil, fmt.Errorf("reading %s: %w", p, err)
	}
	if !st.IsDir() {
		return []string{p}, nil
	}
	var files []string
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != p && !recursive {
				return filepath.SkipDir
			}
			return nil
		}
		ext := strings.ToLower(filepath.Ext(path))
		for _, e := range FileExtensions {
			if ext == e {
				files = append(files, path)
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading directory %s: %w", p, err)
	}
	sort.Strings(files)
	return files, nil
}
