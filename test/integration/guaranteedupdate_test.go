package integration

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
)

// TestUnconditionalWritesNeverConflict: writes that carry no
// resourceVersion (PATCH, PUT without one, /status, /scale) are retried by
// the server under contention, as Kubernetes' GuaranteedUpdate does, so 20
// concurrent clients never see 409 and every patch lands.
func TestUnconditionalWritesNeverConflict(t *testing.T) {
	ts := testserver.Start(t)
	coll := ts.URL + "/api/v1/namespaces/default/pods"
	mustDo(t, http.StatusCreated, "POST", coll, "application/json", podJSON("hot", nil))
	deploys := ts.URL + "/apis/apps/v1/namespaces/default/deployments"
	mustDo(t, http.StatusCreated, "POST", deploys, "application/json",
		`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":1,"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}`)

	const clients, each = 20, 20
	var conflicts, failures atomic.Int32
	run := func(each int, f func(c, i int) (int, []byte)) {
		var wg sync.WaitGroup
		for c := 0; c < clients; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					code, b := f(c, i)
					switch {
					case code == http.StatusConflict:
						conflicts.Add(1)
					case code != http.StatusOK:
						if failures.Add(1) < 5 {
							t.Errorf("got %d: %s", code, b)
						}
					}
				}
			}()
		}
		wg.Wait()
	}

	run(each, func(c, i int) (int, []byte) {
		return do(t, "PATCH", coll+"/hot", "application/merge-patch+json",
			fmt.Sprintf(`{"metadata":{"annotations":{"w-%d-%d":"x"}}}`, c, i))
	})
	pod := decodeInto[api.Pod](t, mustDo(t, http.StatusOK, "GET", coll+"/hot", "", ""))
	if n := len(pod.Annotations); n != clients*each {
		t.Errorf("pod has %d of %d patched annotations", n, clients*each)
	}

	run(5, func(c, i int) (int, []byte) {
		return do(t, "PATCH", coll+"/hot/status", "application/merge-patch+json",
			fmt.Sprintf(`{"status":{"message":"m-%d-%d"}}`, c, i))
	})
	run(5, func(c, i int) (int, []byte) {
		return do(t, "PUT", deploys+"/d/scale", "application/json",
			fmt.Sprintf(`{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"d","namespace":"default"},"spec":{"replicas":%d}}`, c*5+i))
	})
	run(5, func(c, i int) (int, []byte) {
		return do(t, "PUT", coll+"/hot", "application/json",
			fmt.Sprintf(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"hot","labels":{"w":"%d-%d"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}`, c, i))
	})
	if n := conflicts.Load(); n != 0 {
		t.Errorf("%d of %d unconditional writes got 409 Conflict", n, clients*(each+3*5))
	}

	// A stale resourceVersion is still the client's precondition.
	code, b := do(t, "PATCH", coll+"/hot", "application/merge-patch+json", `{"metadata":{"resourceVersion":"1","labels":{"x":"y"}}}`)
	if code != http.StatusConflict {
		t.Errorf("patch with a stale resourceVersion: %d %s, want 409", code, b)
	}
}
