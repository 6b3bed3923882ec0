package docscan

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestScan(t *testing.T) {
	dir := t.TempDir()
	src := `package x

// Thing is a thing.
// It spans lines.
//
// A second paragraph.
type Thing struct {
	// Name names it.
	Name string
	Size int // Size is trailing.
	Inner ` + "`json:\",inline\"`" + `
	plain int
}

type (
	// Grouped has its own doc.
	Grouped struct{}
	hidden  struct{}
)

// Quantity is an alias.
type Quantity = int
`
	if err := os.WriteFile(filepath.Join(dir, "x.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "x_test.go"), []byte("package x\n// T is ignored.\ntype T struct{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Scan(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := Docs{
		"Thing":    {"": "Thing is a thing. It spans lines.\n\nA second paragraph.", "Name": "Name names it.", "Size": "Size is trailing."},
		"Grouped":  {"": "Grouped has its own doc."},
		"Quantity": {"": "Quantity is an alias."},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Scan:\n got %#v\nwant %#v", got, want)
	}
}
