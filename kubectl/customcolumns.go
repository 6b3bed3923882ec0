package kubectl

// This file is -o custom-columns=HEADER:PATH,... and -o
// custom-columns-file=FILE: one tab-aligned row per object, a column per
// JSONPath expression, as the real kubectl prints them.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"text/tabwriter"
)

// ccColumn is one column: its header and its template ({.path}).
type ccColumn struct {
	header string
	spec   string
}

// customColumnsPrinter prints objects as custom columns.
type customColumnsPrinter struct {
	columns    []ccColumn
	noHeaders  bool
	headerDone bool // the header is printed once per printer (watch)
}

// newCustomColumnsFromSpec reads HEADER:PATH,HEADER:PATH.
func newCustomColumnsFromSpec(spec string, noHeaders bool) (*customColumnsPrinter, error) {
	if spec == "" {
		return nil, errors.New("custom-columns format specified but no custom columns given")
	}
	parts := strings.Split(spec, ",")
	cols := make([]ccColumn, len(parts))
	for i, part := range parts {
		header, path, ok := strings.Cut(part, ":")
		if !ok {
			return nil, fmt.Errorf("unexpected custom-columns spec: %s, expected <header>:<json-path-expr>", part)
		}
		tmpl, err := relaxedJSONPath(path)
		if err != nil {
			return nil, err
		}
		cols[i] = ccColumn{header: header, spec: tmpl}
	}
	return &customColumnsPrinter{columns: cols, noHeaders: noHeaders}, nil
}

// newCustomColumnsFromTemplate reads a file of two lines: the headers and
// the paths, separated by white space. Its headers are always printed.
func newCustomColumnsFromTemplate(r io.Reader) (*customColumnsPrinter, error) {
	sc := bufio.NewScanner(r)
	if !sc.Scan() {
		return nil, errors.New("invalid template, missing header line. Expected format is one line of space separated headers, one line of space separated column specs.")
	}
	headers := strings.Fields(sc.Text())
	if !sc.Scan() {
		return nil, errors.New("invalid template, missing spec line. Expected format is one line of space separated headers, one line of space separated column specs.")
	}
	specs := strings.Fields(sc.Text())
	if len(headers) != len(specs) {
		return nil, fmt.Errorf("number of headers (%d) and field specifications (%d) don't match", len(headers), len(specs))
	}
	cols := make([]ccColumn, len(headers))
	for i := range headers {
		tmpl, err := relaxedJSONPath(specs[i])
		if err != nil {
			return nil, err
		}
		cols[i] = ccColumn{header: headers[i], spec: tmpl}
	}
	return &customColumnsPrinter{columns: cols}, nil
}

var relaxedPath = regexp.MustCompile(`^\{\.?([^{}]+)\}$|^\.?([^{}]+)$`)

// relaxedJSONPath turns a.b, .a.b, {a.b} or {.a.b} into the template {.a.b}.
func relaxedJSONPath(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	m := relaxedPath.FindStringSubmatch(path)
	if m == nil {
		return "", errors.New("unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'")
	}
	field := m[1]
	if field == "" {
		field = m[2]
	}
	return "{." + field + "}", nil
}

// print writes the header (unless suppressed or already printed) and one row
// per object: per item of a list, else for obj itself. Rows already
// formatted are written even when a later one fails.
func (p *customColumnsPrinter) print(w io.Writer, obj any) (err error) {
	tw := tabwriter.NewWriter(w, 6, 4, 3, ' ', 0)
	defer func() {
		if ferr := tw.Flush(); err == nil {
			err = ferr
		}
	}()
	if !p.noHeaders && !p.headerDone {
		headers := make([]string, len(p.columns))
		for i, c := range p.columns {
			headers[i] = c.header
		}
		fmt.Fprintln(tw, strings.Join(headers, "\t"))
		p.headerDone = true
	}
	tmpls := make([]*jsonPathTemplate, len(p.columns))
	for i, c := range p.columns {
		t, err := newJSONPathTemplate(c.spec)
		if err != nil {
			return err
		}
		t.allowMissing = true
		tmpls[i] = t
	}
	objs := []any{obj}
	if isListObject(obj) {
		objs, _ = obj.(map[string]any)["items"].([]any)
	}
	for _, o := range objs {
		row, err := customColumnsRow(tmpls, o)
		if err != nil {
			return err
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return nil
}

// customColumnsRow is the cells of one object: a column's values joined by
// commas, <none> when it has none.
func customColumnsRow(tmpls []*jsonPathTemplate, obj any) ([]string, error) {
	row := make([]string, len(tmpls))
	for i, t := range tmpls {
		results, err := t.findResults(obj)
		if err != nil {
			return nil, err
		}
		var vals []string
		if len(results) == 0 || len(results[0]) == 0 {
			vals = append(vals, "<none>")
		}
		for _, rs := range results {
			for _, v := range rs {
				vals = append(vals, fmt.Sprintf("%v", v))
			}
		}
		row[i] = strings.Join(vals, ",")
	}
	return row, nil
}

// isListObject tells a list (a list of items) from one object.
func isListObject(obj any) bool {
	m, ok := obj.(map[string]any)
	if !ok {
		return false
	}
	_, ok = m["items"].([]any)
	return ok
}
