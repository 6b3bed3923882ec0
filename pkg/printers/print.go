package printers

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"

	"minik8s/pkg/api"
)

// PrintOptions says how PrintTable lays a table out, as kubectl's flags do.
type PrintOptions struct {
	Wide          bool // -o wide: also the priority-1 columns
	NoHeaders     bool // --no-headers
	WithNamespace bool // -A: a leading NAMESPACE column
	ShowLabels    bool // --show-labels: a trailing LABELS column
	// Kind, when set, prefixes the NAME column: "pod" prints "pod/nginx".
	// kubectl does this when one command prints several kinds.
	Kind string
	// ColumnLabels (-L key) adds a column per label key, headed by the
	// upper-cased last segment of the key.
	ColumnLabels []string
}

// NewTabWriter returns the tab writer kubectl prints tables with: columns
// padded to their widest cell plus three spaces.
func NewTabWriter(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 6, 4, 3, ' ', 0)
}

// PrintTable writes a Table as kubectl does: upper-case headers, columns
// separated by 3 spaces (tabwriter), wide columns only if wide, an optional
// leading NAMESPACE column (value taken from row object metadata), noHeaders.
// A table without rows prints nothing, headers included.
func PrintTable(w io.Writer, t *api.Table, opts PrintOptions) error {
	if len(t.Rows) == 0 {
		return nil
	}
	tw := NewTabWriter(w)
	var visible []int
	for i, c := range t.ColumnDefinitions {
		if c.Priority == 0 || opts.Wide {
			visible = append(visible, i)
		}
	}
	needMeta := opts.WithNamespace || opts.ShowLabels || len(opts.ColumnLabels) > 0

	if !opts.NoHeaders {
		var headers []string
		if opts.WithNamespace {
			headers = append(headers, "NAMESPACE")
		}
		for _, i := range visible {
			headers = append(headers, strings.ToUpper(t.ColumnDefinitions[i].Name))
		}
		for _, l := range opts.ColumnLabels {
			parts := strings.Split(l, "/")
			headers = append(headers, strings.ToUpper(parts[len(parts)-1]))
		}
		if opts.ShowLabels {
			headers = append(headers, "LABELS")
		}
		fmt.Fprintln(tw, strings.Join(headers, "\t"))
	}

	for ri, row := range t.Rows {
		var meta api.ObjectMeta
		if needMeta && len(row.Object) > 0 {
			var pom partialObjectMetadata
			if err := json.Unmarshal(row.Object, &pom); err != nil {
				return fmt.Errorf("reading the object of table row %d: %w", ri, err)
			}
			meta = pom.Metadata
		}
		var cells []string
		if opts.WithNamespace {
			cells = append(cells, meta.Namespace)
		}
		for _, i := range visible {
			if i >= len(row.Cells) {
				cells = append(cells, "")
				continue
			}
			s := CellString(row.Cells[i])
			if opts.Kind != "" && t.ColumnDefinitions[i].Format == FormatName {
				s = opts.Kind + "/" + s
			}
			cells = append(cells, s)
		}
		for _, l := range opts.ColumnLabels {
			cells = append(cells, meta.Labels[l])
		}
		if opts.ShowLabels {
			cells = append(cells, FormatLabels(meta.Labels))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("writing table: %w", err)
	}
	return nil
}

// CellString renders one table cell as kubectl does. Numbers decoded from
// JSON (float64) print as integers when they are whole; a string is cut at
// its first line break, with "..." appended; nil prints as nothing.
func CellString(cell any) string {
	switch v := cell.(type) {
	case nil:
		return ""
	case string:
		if i := strings.IndexAny(v, "\f\n\r"); i >= 0 {
			return escape(v[:i]) + "..."
		}
		return escape(v)
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1e15 {
			return fmt.Sprintf("%d", int64(v))
		}
		return fmt.Sprint(v)
	case time.Time:
		return v.UTC().Format(time.RFC3339)
	default:
		return escape(fmt.Sprint(v))
	}
}

// escape keeps tabs and terminal control characters out of a cell: a tab
// would split the cell in two.
func escape(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s)
}

// PrintObjects prints objects of one kind as `kubectl get` does: TableFor
// then PrintTable.
func PrintObjects(w io.Writer, info *api.ResourceInfo, objs []api.Object, now time.Time, opts PrintOptions) error {
	t, err := TableFor(info, objs, now)
	if err != nil {
		return err
	}
	return PrintTable(w, t, opts)
}
