package apiserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"minik8s/pkg/api"
)

// bigDoc is a pod whose one annotation holds size bytes.
func bigDoc(t *testing.T, size int) []byte {
	t.Helper()
	doc := map[string]any{"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": "web", "annotations": map[string]any{"big": strings.Repeat("x", size)}},
		"spec":     map[string]any{"containers": []any{map[string]any{"name": "c", "image": "i"}}}}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// doublingPatch is the JSON patch bomb of issue 14: each op copies the
// annotations object into itself, doubling the document.
func doublingPatch(n int) []byte {
	ops := make([]string, n)
	for i := range ops {
		ops[i] = fmt.Sprintf(`{"op":"copy","from":"/metadata","path":"/metadata/c%d"}`, i)
	}
	return []byte("[" + strings.Join(ops, ",") + "]")
}

func statusOf(t *testing.T, err error) *statusError {
	t.Helper()
	var se *statusError
	if !errors.As(err, &se) {
		t.Fatalf("got %v (%T), want a Status error", err, err)
	}
	return se
}

// TestJSONPatchOperationLimit: more than maxJSONPatchOperations operations
// is Kubernetes' 413 with its message; exactly the limit is applied.
func TestJSONPatchOperationLimit(t *testing.T) {
	pods, _ := api.ForResource("", "v1", "pods")
	ops := func(n int) []byte {
		one := `{"op":"test","path":"/kind","value":"Pod"}`
		return []byte("[" + strings.TrimSuffix(strings.Repeat(one+",", n), ",") + "]")
	}
	if _, err := applyPatchBytes(pods, jsonPatch, []byte(patchPod), ops(maxJSONPatchOperations)); err != nil {
		t.Fatalf("%d operations: %v", maxJSONPatchOperations, err)
	}
	for _, n := range []int{maxJSONPatchOperations + 1, 40001} {
		_, err := applyPatchBytes(pods, jsonPatch, []byte(patchPod), ops(n))
		se := statusOf(t, err)
		want := fmt.Sprintf("Request entity too large: The allowed maximum operations in a JSON patch is 10000, got %d", n)
		if se.status.Code != http.StatusRequestEntityTooLarge || se.status.Reason != reasonTooLarge || se.status.Message != want {
			t.Errorf("%d operations: got %d %s %q, want 413 RequestEntityTooLarge %q", n, se.status.Code, se.status.Reason, se.status.Message, want)
		}
	}
}

// TestJSONPatchCopyBomb: ten copy doublings of a 64 KiB document (a 1 KB
// patch) stop at the accumulated copy limit, Kubernetes' 422 naming it,
// without allocating the 64 MiB the patch asks for.
func TestJSONPatchCopyBomb(t *testing.T) {
	pods, _ := api.ForResource("", "v1", "pods")
	doc := bigDoc(t, 64<<10)
	patch := doublingPatch(10)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := applyPatchBytes(pods, jsonPatch, doc, patch)
	runtime.ReadMemStats(&after)
	se := statusOf(t, err)
	if se.status.Code != http.StatusUnprocessableEntity || se.status.Reason != reasonInvalid {
		t.Fatalf("got %d %s %q, want 422 Invalid", se.status.Code, se.status.Reason, se.status.Message)
	}
	if d := se.status.Details; d == nil || len(d.Causes) != 1 || !strings.Contains(d.Causes[0].Message, "exceeding the limit 3145728") {
		t.Errorf("details %+v: want the copy limit named in a cause", d)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 48<<20 {
		t.Errorf("the refused patch allocated %d MiB", alloc>>20)
	}
	// Copies within the limit still work.
	out, err := applyPatchBytes(pods, jsonPatch, doc, doublingPatch(2))
	if err != nil {
		t.Fatalf("two doublings: %v", err)
	}
	if len(out) < 4*(64<<10) {
		t.Errorf("two doublings gave %d bytes", len(out))
	}
}
