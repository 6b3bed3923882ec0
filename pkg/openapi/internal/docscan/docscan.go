// Package docscan reads the doc comments of a Go package's types and
// struct fields with go/ast, for the descriptions of the OpenAPI schemas
// (pkg/openapi embeds what it finds, written by `go generate`).
package docscan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Docs maps a type name to its comments: "" is the type's own doc, other
// keys are its fields' Go names.
type Docs map[string]map[string]string

// Scan reads the non-test .go files of dir.
func Scan(dir string) (Docs, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", dir, err)
	}
	sort.Strings(names)
	fset := token.NewFileSet()
	docs := Docs{}
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			return nil, fmt.Errorf("parsing %s: %w", name, err)
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				addType(docs, gd, spec.(*ast.TypeSpec))
			}
		}
	}
	return docs, nil
}

func addType(docs Docs, gd *ast.GenDecl, ts *ast.TypeSpec) {
	if !ts.Name.IsExported() {
		return
	}
	m := map[string]string{}
	doc := ts.Doc
	if doc == nil && len(gd.Specs) == 1 {
		doc = gd.Doc
	}
	if d := Text(doc); d != "" {
		m[""] = d
	}
	if st, ok := ts.Type.(*ast.StructType); ok {
		for _, f := range st.Fields.List {
			d := Text(f.Doc)
			if d == "" {
				d = Text(f.Comment)
			}
			if d == "" {
				continue
			}
			for _, n := range fieldNames(f) {
				m[n] = d
			}
		}
	}
	if len(m) > 0 {
		docs[ts.Name.Name] = m
	}
}

// fieldNames is the Go names of a field: its names, or the type name of an
// embedded field.
func fieldNames(f *ast.Field) []string {
	if len(f.Names) > 0 {
		var out []string
		for _, n := range f.Names {
			out = append(out, n.Name)
		}
		return out
	}
	t := f.Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	switch x := t.(type) {
	case *ast.Ident:
		return []string{x.Name}
	case *ast.SelectorExpr:
		return []string{x.Sel.Name}
	}
	return nil
}

// Text is a comment as an OpenAPI description: the lines of a paragraph
// joined with spaces, paragraphs separated by a blank line (as Kubernetes'
// openapi-gen writes them), without the comment markers.
func Text(cg *ast.CommentGroup) string {
	if cg == nil {
		return ""
	}
	var paras []string
	var cur []string
	for _, line := range strings.Split(cg.Text(), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			if len(cur) > 0 {
				paras = append(paras, strings.Join(cur, " "))
				cur = nil
			}
			continue
		}
		cur = append(cur, line)
	}
	if len(cur) > 0 {
		paras = append(paras, strings.Join(cur, " "))
	}
	return strings.Join(paras, "\n\n")
}

// Encode is the file `go generate` writes: indented JSON with sorted keys.
func Encode(d Docs) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		return nil, fmt.Errorf("encoding descriptions: %w", err)
	}
	return buf.Bytes(), nil
}

// Generate scans dir and writes the descriptions file out.
func Generate(dir, out string) error {
	d, err := Scan(dir)
	if err != nil {
		return err
	}
	b, err := Encode(d)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}
	return nil
}
