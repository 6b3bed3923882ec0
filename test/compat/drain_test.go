package compat

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// call sends one request to the test apiserver and fails the test on a
// transport error; it returns the status code.
func call(t *testing.T, method, url, contentType, body string) int {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// drainPodJSON is a pod bound to node with the given grace period and
// extra metadata/spec JSON fragments.
func drainPodJSON(name, node string, grace int, meta, spec string) string {
	return `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"` + name + `"` + meta + `},"spec":{"nodeName":"` + node + `",` +
		`"terminationGracePeriodSeconds":` + strconv.Itoa(grace) + spec + `,"containers":[{"name":"c","image":"busybox"}]}}`
}

const (
	ownedByRS     = `,"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs1","uid":"11111111-1111-1111-1111-111111111111","controller":true}]`
	ownedByDS     = `,"ownerReferences":[{"apiVersion":"apps/v1","kind":"DaemonSet","name":"ds1","uid":"11111111-1111-1111-1111-111111111112","controller":true}]`
	mirrorPodMeta = `,"annotations":{"kubernetes.io/config.mirror":"abc"}`
	emptyDirSpec  = `,"volumes":[{"name":"s","emptyDir":{}}]`
)

// drainWorld resets the cluster to two schedulable nodes (pool=a) and the
// given pods.
func (c *cluster) drainWorld(t *testing.T, pods ...string) {
	t.Helper()
	base := c.ts.URL + "/api/v1"
	for _, n := range []string{"n1", "n2"} {
		if call(t, "GET", base+"/nodes/"+n, "", "") == http.StatusNotFound {
			if _, err := doJSON(base+"/nodes", `{"apiVersion":"v1","kind":"Node","metadata":{"name":"`+n+`","labels":{"pool":"a"}}}`); err != nil {
				t.Fatal(err)
			}
		}
		if code := call(t, "PATCH", base+"/nodes/"+n, "application/merge-patch+json", `{"spec":{"unschedulable":null}}`); code != http.StatusOK {
			t.Fatalf("uncordon %s: %d", n, code)
		}
	}
	for _, name := range []string{"bare", "owned", "scratch", "slow", "mirror", "ds", "done"} {
		call(t, "DELETE", base+"/namespaces/default/pods/"+name, "application/json", `{"gracePeriodSeconds":0}`)
	}
	for _, p := range pods {
		if _, err := doJSON(base+"/namespaces/default/pods", p); err != nil {
			t.Fatal(err)
		}
	}
}

// sameInWorld runs args through the real kubectl and ours, each in a
// freshly reset world, and wants the same stdout, stderr and success.
func (c *cluster) sameInWorld(t *testing.T, pods []string, args ...string) (string, string) {
	t.Helper()
	c.drainWorld(t, pods...)
	rOut, rErr, rerr := c.kubectl(t, "", args...)
	c.drainWorld(t, pods...)
	oOut, oErr, oerr := c.ours(t, args...)
	if (rerr == nil) != (oerr == nil) || rOut != oOut || rErr != oErr {
		t.Fatalf("kubectl %s differs\nreal (%v):\n%s---\n%s\nours (%v):\n%s---\n%s", strings.Join(args, " "), rerr, rOut, rErr, oerr, oOut, oErr)
	}
	return rOut, rErr
}

// TestCordonMatchesRealKubectl: cordon and uncordon print and fail as
// kubectl v1.32 does, and change spec.unschedulable the same way.
func TestCordonMatchesRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	for _, args := range [][]string{
		{"cordon"},
		{"cordon", "n1", "n9"},
		{"cordon", "n1"},
		{"cordon", "node/n1", "nodes/n2"},
		{"cordon", "-l", "pool=a"},
		{"cordon", "-l", "pool=zzz"},
		{"cordon", "n1", "-l", "pool=a"},
		{"cordon", "n1", "--dry-run=client"},
		{"cordon", "n1", "--dry-run=server"},
		{"cordon", "n1", "--dry-run=bogus"},
		{"uncordon", "n1"},
		{"uncordon", "-l", "pool=a", "--dry-run=server"},
		{"drain"},
		{"drain", "n9"},
	} {
		c.sameInWorld(t, nil, args...)
	}
	// A bare --dry-run is --dry-run=client (the warning is klog's in the
	// real kubectl, so only stdout is compared).
	c.drainWorld(t)
	rOut, _, rerr := c.kubectl(t, "", "cordon", "n1", "--dry-run")
	oOut, oErr, oerr := c.ours(t, "cordon", "n1", "--dry-run")
	if rerr != nil || oerr != nil || rOut != oOut || rOut != "node/n1 cordoned (dry run)\n" || !strings.Contains(oErr, "--dry-run is deprecated") {
		t.Fatalf("cordon --dry-run: real %q %v, ours %q %v %q", rOut, rerr, oOut, oerr, oErr)
	}
	// A cordoned node: "already cordoned", and uncordon clears it.
	c.drainWorld(t)
	c.ok(t, "", "cordon", "n1")
	if got := c.ok(t, "", "get", "node", "n1", "-o", "jsonpath={.spec.unschedulable}"); got != "true" {
		t.Fatalf("after the real cordon: unschedulable=%q", got)
	}
	for _, args := range [][]string{{"cordon", "n1"}, {"cordon", "-l", "pool=a", "--dry-run=client"}} {
		rOut, rErr, _ := c.kubectl(t, "", args...)
		oOut, oErr, _ := c.ours(t, args...)
		if rOut != oOut || rErr != oErr {
			t.Fatalf("kubectl %s on a cordoned node\nreal:\n%s%s\nours:\n%s%s", strings.Join(args, " "), rOut, rErr, oOut, oErr)
		}
	}
	if out, _, err := c.ours(t, "uncordon", "n1"); err != nil || out != "node/n1 uncordoned\n" {
		t.Fatalf("our uncordon: %v %q", err, out)
	}
	if got := c.ok(t, "", "get", "node", "n1", "-o", "jsonpath={.spec.unschedulable}"); got != "" {
		t.Fatalf("after our uncordon: unschedulable=%q", got)
	}
}

// unmanagedRefusal is kubectl v1.32's stderr for a pod without a
// controller (its filter message gets a second "cannot delete").
const unmanagedRefusal = `error: unable to drain node "n1" due to error: cannot delete cannot delete Pods that declare no controller (use --force to override): default/bare, continuing command...
There are pending nodes to be drained:
 n1
cannot delete cannot delete Pods that declare no controller (use --force to override): default/bare
`

// TestDrainMatchesRealKubectl: drain refuses, warns, evicts, deletes and
// times out as kubectl v1.32 does, on hand-made pods bound to n1 (grace 0
// pods go at once; a grace-30 pod stays terminating without a kubelet).
func TestDrainMatchesRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	bare := drainPodJSON("bare", "n1", 0, "", "")
	owned := drainPodJSON("owned", "n1", 0, ownedByRS, "")
	scratch := drainPodJSON("scratch", "n1", 0, ownedByRS, emptyDirSpec)
	slow := drainPodJSON("slow", "n1", 30, ownedByRS, "")
	mirror := drainPodJSON("mirror", "n1", 0, mirrorPodMeta, "")
	ds := drainPodJSON("ds", "n1", 0, ownedByDS, "")
	other := drainPodJSON("done", "n2", 0, "", "")

	cases := []struct {
		name string
		pods []string
		args []string
		out  string // expected stdout, when deterministic
	}{
		{"unmanaged refused", []string{bare, other}, []string{"drain", "n1"}, "node/n1 cordoned\n"},
		{"emptyDir refused", []string{scratch}, []string{"drain", "n1"}, ""},
		{"daemonset refused", []string{ds}, []string{"drain", "n1"}, ""},
		{"forced", []string{bare, other}, []string{"drain", "n1", "--force"},
			"node/n1 cordoned\nevicting pod default/bare\npod/bare evicted\nnode/n1 drained\n"},
		{"emptyDir deleted", []string{scratch}, []string{"drain", "n1", "--delete-emptydir-data"}, ""},
		{"mirror skipped", []string{owned, mirror}, []string{"drain", "n1"}, ""},
		{"grace period 0", []string{slow}, []string{"drain", "n1", "--grace-period=0"}, ""},
		{"disable eviction", []string{owned}, []string{"drain", "n1", "--disable-eviction"},
			"node/n1 cordoned\npod/owned deleted\nnode/n1 drained\n"},
		{"client dry run", []string{bare, owned, scratch}, []string{"drain", "n1", "--force", "--delete-emptydir-data", "--dry-run=client"}, ""},
		{"server dry run", []string{owned}, []string{"drain", "n1", "--dry-run=server"}, ""},
		{"pod selector matches nothing", []string{bare}, []string{"drain", "n1", "--pod-selector=app=none"}, ""},
		{"bad pod selector", []string{bare}, []string{"drain", "n1", "--pod-selector=x in (a"}, ""},
		{"timeout", []string{slow}, []string{"drain", "n1", "--timeout=2s"}, ""},
		{"selector", []string{owned}, []string{"drain", "-l", "pool=a"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut := c.sameInWorld(t, tc.pods, tc.args...)
			if tc.out != "" && out != tc.out {
				t.Fatalf("stdout %q, want %q", out, tc.out)
			}
			if want := unmanagedRefusal; tc.name == "unmanaged refused" && errOut != want {
				t.Fatalf("stderr %q, want %q", errOut, want)
			}
		})
	}

	// After our drain the pod is gone and the node cordoned.
	c.drainWorld(t, owned, other)
	if _, errOut, err := c.ours(t, "drain", "n1"); err != nil {
		t.Fatalf("our drain: %v %s", err, errOut)
	}
	if got := c.ok(t, "", "get", "pods", "-o", "name"); got != "pod/done\n" {
		t.Fatalf("pods after drain: %q", got)
	}
	if got := c.ok(t, "", "get", "node", "n1", "-o", "jsonpath={.spec.unschedulable}"); got != "true" {
		t.Fatalf("drained node unschedulable=%q", got)
	}
}
