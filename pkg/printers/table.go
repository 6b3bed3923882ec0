package printers

import (
	"encoding/json"
	"fmt"
	"time"

	"minik8s/pkg/api"
)

// Column types and formats of a TableColumnDefinition.
const (
	TypeString  = "string"
	TypeInteger = "integer"
	TypeDate    = "date"
	FormatName  = "name"
)

// rowFunc computes the cells (and row conditions) of one object. Cells are
// always computed wide: priority-1 cells are hidden by the client.
type rowFunc func(obj api.Object, now time.Time) ([]any, []api.TableRowCondition, error)

// handler prints one kind.
type handler struct {
	columns []api.TableColumnDefinition
	row     rowFunc
}

// handlers maps a kind to its printer.
var handlers = map[string]handler{}

func register[T api.Object](kind string, columns []api.TableColumnDefinition, f func(T, time.Time) ([]any, []api.TableRowCondition)) {
	handlers[kind] = handler{columns: columns, row: func(obj api.Object, now time.Time) ([]any, []api.TableRowCondition, error) {
		t, ok := obj.(T)
		if !ok {
			return nil, nil, fmt.Errorf("cannot print %T as a %s", obj, kind)
		}
		cells, conds := f(t, now)
		return cells, conds, nil
	}}
}

func col(name, typ, desc string) api.TableColumnDefinition {
	return api.TableColumnDefinition{Name: name, Type: typ, Description: desc}
}

func wideCol(name, typ, desc string) api.TableColumnDefinition {
	return api.TableColumnDefinition{Name: name, Type: typ, Description: desc, Priority: 1}
}

func nameCol() api.TableColumnDefinition {
	return api.TableColumnDefinition{Name: "Name", Type: TypeString, Format: FormatName,
		Description: "Name must be unique within a namespace."}
}

func ageCol() api.TableColumnDefinition {
	return col("Age", TypeString, "Time since the object was created (metadata.creationTimestamp).")
}

// defaultColumns is what Kubernetes prints for a kind without a printer.
var defaultColumns = []api.TableColumnDefinition{
	nameCol(),
	col("Created At", TypeDate, "Time the object was created (metadata.creationTimestamp)."),
}

// Columns returns the column definitions of a kind's table.
func Columns(kind string) []api.TableColumnDefinition {
	if h, ok := handlers[kind]; ok {
		return append([]api.TableColumnDefinition(nil), h.columns...)
	}
	return append([]api.TableColumnDefinition(nil), defaultColumns...)
}

// TableFor prints objs (all of the kind of info) as a meta.k8s.io/v1 Table.
// Each row's Object is the object's PartialObjectMetadata JSON
// ({"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{...}}).
// Cells of wide (priority 1) columns are always filled; PrintTable hides them.
func TableFor(info *api.ResourceInfo, objs []api.Object, now time.Time) (*api.Table, error) {
	h, ok := handlers[info.Kind]
	if !ok {
		h = handler{columns: defaultColumns, row: defaultRow}
	}
	t := &api.Table{
		TypeMeta:          api.TypeMeta{Kind: "Table", APIVersion: "meta.k8s.io/v1"},
		ColumnDefinitions: append([]api.TableColumnDefinition(nil), h.columns...),
		Rows:              make([]api.TableRow, 0, len(objs)),
	}
	for _, obj := range objs {
		cells, conds, err := h.row(obj, now)
		if err != nil {
			return nil, fmt.Errorf("printing %s: %w", info.Resource, err)
		}
		raw, err := PartialObjectMetadata(obj)
		if err != nil {
			return nil, fmt.Errorf("printing %s %q: %w", info.Resource, obj.GetObjectMeta().Name, err)
		}
		t.Rows = append(t.Rows, api.TableRow{Cells: cells, Conditions: conds, Object: raw})
	}
	return t, nil
}

func defaultRow(obj api.Object, _ time.Time) ([]any, []api.TableRowCondition, error) {
	m := obj.GetObjectMeta()
	var created any
	if !m.CreationTimestamp.IsZero() {
		created = m.CreationTimestamp.UTC().Format(time.RFC3339)
	}
	return []any{m.Name, created}, nil, nil
}

// partialObjectMetadata is meta.k8s.io/v1 PartialObjectMetadata.
type partialObjectMetadata struct {
	api.TypeMeta `json:",inline"`
	Metadata     api.ObjectMeta `json:"metadata"`
}

// PartialObjectMetadata returns the JSON of obj's metadata wrapped as a
// meta.k8s.io/v1 PartialObjectMetadata (managed fields left out).
func PartialObjectMetadata(obj api.Object) (json.RawMessage, error) {
	m := *obj.GetObjectMeta()
	m.ManagedFields = nil
	return json.Marshal(partialObjectMetadata{
		TypeMeta: api.TypeMeta{Kind: "PartialObjectMetadata", APIVersion: "meta.k8s.io/v1"},
		Metadata: m,
	})
}
