package printers

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

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
	header, rows, err := TableCells(t, opts)
	if err != nil || len(rows) == 0 {
		return err
	}
	tw := NewTabWriter(w)
	if header != nil {
		fmt.Fprintln(tw, strings.Join(header, "\t"))
	}
	for _, cells := range rows {
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("writing table: %w", err)
	}
	return nil
}

// TableCells are the header (nil with NoHeaders) and the rows' cells
// PrintTable prints.
func TableCells(t *api.Table, opts PrintOptions) (header []string, rows [][]string, err error) {
	var visible []int
	for i, c := range t.ColumnDefinitions {
		if c.Priority == 0 || opts.Wide {
			visible = append(visible, i)
		}
	}
	needMeta := opts.WithNamespace || opts.ShowLabels || len(opts.ColumnLabels) > 0

	if !opts.NoHeaders {
		if opts.WithNamespace {
			header = append(header, "NAMESPACE")
		}
		for _, i := range visible {
			header = append(header, strings.ToUpper(t.ColumnDefinitions[i].Name))
		}
		for _, l := range opts.ColumnLabels {
			parts := strings.Split(l, "/")
			header = append(header, strings.ToUpper(parts[len(parts)-1]))
		}
		if opts.ShowLabels {
			header = append(header, "LABELS")
		}
	}

	for ri, row := range t.Rows {
		var meta api.ObjectMeta
		if needMeta && len(row.Object) > 0 {
			var pom partialObjectMetadata
			if err := json.Unmarshal(row.Object, &pom); err != nil {
				return nil, nil, fmt.Errorf("reading the object of table row %d: %w", ri, err)
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
		rows = append(rows, cells)
	}
	return header, rows, nil
}

// AlignedRows writes table lines padded as kubectl's tabwriter pads them
// (each column as wide as its widest cell plus 3, at least 6; the last
// cell unpadded), remembering the widths across calls as kubectl get -w
// does, so that watch rows line up under the first table.
type AlignedRows struct {
	widths []int
}

// Write pads and writes lines (rows of cells).
func (a *AlignedRows) Write(w io.Writer, lines [][]string) error {
	for _, cells := range lines {
		for i, c := range cells[:max(len(cells)-1, 0)] {
			n := max(utf8.RuneCountInString(c)+3, 6)
			if i >= len(a.widths) {
				a.widths = append(a.widths, n)
			} else if n > a.widths[i] {
				a.widths[i] = n
			}
		}
	}
	var b strings.Builder
	for _, cells := range lines {
		for i, c := range cells {
			b.WriteString(c)
			if i < len(cells)-1 {
				b.WriteString(strings.Repeat(" ", a.widths[i]-utf8.RuneCountInString(c)))
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
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
