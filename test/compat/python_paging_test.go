package compat

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestPythonClientPaging: the official Python client lists 25 pods with
// limit 10 and _continue in three pages (python_paging.py).
func TestPythonClientPaging(t *testing.T) {
	py := python(t)
	c := startCluster(t)
	const ns, count = "paging", 25
	if _, err := doJSON(c.ts.URL+"/api/v1/namespaces", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"`+ns+`"}}`); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < count; i++ {
		pod := fmt.Sprintf(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p%02d","labels":{"paged":"yes"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}`, i)
		if _, err := doJSON(c.ts.URL+"/api/v1/namespaces/"+ns+"/pods", pod); err != nil {
			t.Fatal(err)
		}
	}
	// A pod elsewhere without the label: not in the selected pages.
	if _, err := doJSON(c.ts.URL+"/api/v1/namespaces/default/pods", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"other"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}`); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, py, "python_paging.py", c.kubeconfig, ns, fmt.Sprint(count)).CombinedOutput()
	t.Logf("python paging output:\n%s", out)
	if err != nil {
		t.Fatalf("python paging: %v", err)
	}
	if !strings.Contains(string(out), "python paging: all checks passed") {
		t.Fatal("python paging did not finish its checks")
	}
}
