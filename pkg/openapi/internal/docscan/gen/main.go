// Command gen writes pkg/openapi/descriptions.json from the doc comments
// of pkg/api (run by `go generate ./pkg/openapi/`).
package main

import (
	"fmt"
	"os"

	"minik8s/pkg/openapi/internal/docscan"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: gen API_DIR OUT.json")
		os.Exit(2)
	}
	if err := docscan.Generate(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
