package integration

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"minik8s/apiserver/testserver"
	"minik8s/kubectl"
	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
	"minik8s/scheduler"
)

func evictionJSON(name, deleteOptions string) string {
	s := `{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"` + name + `","namespace":"default"}`
	if deleteOptions != "" {
		s += `,"deleteOptions":` + deleteOptions
	}
	return s + "}"
}

func hasCondition(p api.Pod, typ, reason string) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == typ && c.Status == api.ConditionTrue && c.Reason == reason {
			return true
		}
	}
	return false
}

// TestPodEviction: POST pods/{name}/eviction deletes the pod with the
// eviction's deleteOptions (graceful for a bound pod), answers 201 with a
// Success Status, and is discoverable as policy/v1 Eviction (what kubectl
// drain looks for).
func TestPodEviction(t *testing.T) {
	ts := testserver.Start(t)
	pods := ts.URL + "/api/v1/namespaces/default/pods"

	// Discovery: pods/eviction, kind Eviction of policy/v1, verb create.
	disc := decodeInto[metav1.APIResourceList](t, mustDo(t, http.StatusOK, "GET", ts.URL+"/api/v1", "", ""))
	found := false
	for _, r := range disc.APIResources {
		if r.Name == "pods/eviction" {
			found = true
			if r.Kind != "Eviction" || r.Group != "policy" || r.Version != "v1" || strings.Join(r.Verbs, ",") != "create" {
				t.Errorf("pods/eviction discovery: %+v", r)
			}
		}
	}
	if !found {
		t.Fatal("pods/eviction is not in /api/v1's discovery")
	}

	// A bound running pod: eviction marks it terminating with its grace period.
	mustDo(t, http.StatusCreated, "POST", pods, "application/json", boundPodJSON("graceful", 20))
	st := status(t, mustDo(t, http.StatusCreated, "POST", pods+"/graceful/eviction", "application/json", evictionJSON("graceful", "")))
	if st.Status != "Success" || st.Code != http.StatusCreated || st.Kind != "Status" {
		t.Fatalf("eviction answered %+v", st)
	}
	p := decodeInto[api.Pod](t, mustDo(t, http.StatusOK, "GET", pods+"/graceful", "", ""))
	if p.DeletionTimestamp == nil || p.DeletionGracePeriodSeconds == nil || *p.DeletionGracePeriodSeconds != 20 {
		t.Fatalf("evicted pod not terminating with grace 20: %+v", p.ObjectMeta)
	}
	if !hasCondition(p, "DisruptionTarget", "EvictionByEvictionAPI") {
		t.Errorf("evicted pod lacks the DisruptionTarget condition: %+v", p.Status.Conditions)
	}
	// Evicting a pod already terminating is OK and changes nothing.
	st = status(t, mustDo(t, http.StatusCreated, "POST", pods+"/graceful/eviction", "application/json", evictionJSON("graceful", "")))
	if st.Status != "Success" {
		t.Fatalf("second eviction answered %+v", st)
	}
	p2 := decodeInto[api.Pod](t, mustDo(t, http.StatusOK, "GET", pods+"/graceful", "", ""))
	if *p2.DeletionGracePeriodSeconds != 20 || !p2.DeletionTimestamp.Equal(p.DeletionTimestamp.Time) {
		t.Fatalf("second eviction changed the deletion: %+v", p2.ObjectMeta)
	}

	// deleteOptions are honoured: grace 0 removes the pod at once.
	mustDo(t, http.StatusCreated, "POST", pods, "application/json", boundPodJSON("now", 30))
	mustDo(t, http.StatusCreated, "POST", pods+"/now/eviction", "application/json", evictionJSON("now", `{"gracePeriodSeconds":0}`))
	mustDo(t, http.StatusNotFound, "GET", pods+"/now", "", "")

	// An unbound pod is deleted at once (nothing to stop).
	mustDo(t, http.StatusCreated, "POST", pods, "application/json", podJSON("pending", nil))
	mustDo(t, http.StatusCreated, "POST", pods+"/pending/eviction", "application/json", evictionJSON("pending", ""))
	mustDo(t, http.StatusNotFound, "GET", pods+"/pending", "", "")

	// Dry run (query or body) leaves the pod alone.
	mustDo(t, http.StatusCreated, "POST", pods, "application/json", boundPodJSON("dry", 30))
	mustDo(t, http.StatusCreated, "POST", pods+"/dry/eviction?dryRun=All", "application/json", evictionJSON("dry", ""))
	mustDo(t, http.StatusCreated, "POST", pods+"/dry/eviction", "application/json", evictionJSON("dry", `{"dryRun":["All"]}`))
	p = decodeInto[api.Pod](t, mustDo(t, http.StatusOK, "GET", pods+"/dry", "", ""))
	if p.DeletionTimestamp != nil || hasCondition(p, "DisruptionTarget", "EvictionByEvictionAPI") {
		t.Fatalf("dry-run eviction changed the pod: %+v %+v", p.ObjectMeta, p.Status.Conditions)
	}

	// Errors: a missing pod is 404, a name mismatch 400, a stale UID precondition 409.
	st = status(t, mustDo(t, http.StatusNotFound, "POST", pods+"/missing/eviction", "application/json", evictionJSON("missing", "")))
	if st.Reason != "NotFound" || st.Message != `pods "missing" not found` {
		t.Errorf("missing pod: %+v", st)
	}
	st = status(t, mustDo(t, http.StatusBadRequest, "POST", pods+"/dry/eviction", "application/json", evictionJSON("other", "")))
	if st.Message != "name in URL does not match name in Eviction object" {
		t.Errorf("name mismatch: %+v", st)
	}
	mustDo(t, http.StatusConflict, "POST", pods+"/dry/eviction", "application/json", evictionJSON("dry", `{"preconditions":{"uid":"nope"}}`))
	mustDo(t, http.StatusBadRequest, "POST", pods+"/dry/eviction", "application/json", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"dry"}}`)
	mustDo(t, http.StatusMethodNotAllowed, "GET", pods+"/dry/eviction", "", "")
}

// drainRS is a ReplicaSet of two plain pods for TestDrainThroughKubelets.
const drainRS = `{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"web"},
"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
"template":{"metadata":{"labels":{"app":"web"}},"spec":{"terminationGracePeriodSeconds":5,
"containers":[{"name":"c","image":"minik8s/testserver:latest"}]}}}}`

// TestDrainThroughKubelets: our kubectl drain cordons node1 and evicts its
// ReplicaSet pods through pods/eviction; their kubelet stops them
// gracefully, the replacements land on node2 (the scheduler honours the
// cordon), and drain reports each pod evicted once it is gone.
func TestDrainThroughKubelets(t *testing.T) {
	ts := testserver.Start(t)
	c, err := mkclient.New(&mkclient.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	startFakeKubelet(t, c, "node1")
	startFakeKubelet(t, c, "node2")
	startControllerManager(t, ts.URL)
	sopts := scheduler.DefaultOptions()
	sopts.APIServer, sopts.LeaderElect = ts.URL, false
	startScheduler(t, sopts)

	running := func() (onNode1 []string, desc string) {
		pods, _ := podsOf(t, c, "app=web")
		n := 0
		for _, p := range pods {
			if p.Status.Phase == api.PodRunning {
				n++
				if p.Spec.NodeName == "node1" {
					onNode1 = append(onNode1, p.Name)
				}
			}
			desc += fmt.Sprintf("%s@%s:%s ", p.Name, p.Spec.NodeName, p.Status.Phase)
		}
		if n != 2 {
			return nil, desc
		}
		return onNode1, desc
	}
	waitFor(t, "both nodes registered", func() (bool, string) {
		nodes, _, err := c.Nodes().List(ctx, mkclient.ListOptions{})
		return err == nil && len(nodes) == 2, fmt.Sprint(len(nodes), err)
	})
	// Make sure node1 has a pod to drain: cordon node2 until both run.
	mustDo(t, http.StatusOK, "PATCH", ts.URL+"/api/v1/nodes/node2", "application/merge-patch+json", `{"spec":{"unschedulable":true}}`)
	mustDo(t, http.StatusCreated, "POST", ts.URL+"/apis/apps/v1/namespaces/default/replicasets", "application/json", drainRS)
	var victims []string
	waitFor(t, "two pods running on node1", func() (bool, string) {
		var desc string
		victims, desc = running()
		return len(victims) == 2, desc
	})
	mustDo(t, http.StatusOK, "PATCH", ts.URL+"/api/v1/nodes/node2", "application/merge-patch+json", `{"spec":{"unschedulable":null}}`)

	cmd := kubectl.NewCommand()
	var out, errb bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	cmd.SetArgs([]string{"--server", ts.URL, "drain", "node1", "--timeout=60s"})
	dctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if err := cmd.ExecuteContext(dctx); err != nil {
		t.Fatalf("drain: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errb.String())
	}
	got := out.String()
	for _, want := range append([]string{"node/node1 cordoned", "node/node1 drained"}, func() []string {
		var l []string
		for _, v := range victims {
			l = append(l, "evicting pod default/"+v, "pod/"+v+" evicted")
		}
		return l
	}()...) {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("drain output lacks %q:\n%s", want, got)
		}
	}
	if errb.Len() != 0 {
		t.Errorf("drain stderr: %s", errb.String())
	}
	for _, v := range victims {
		mustDo(t, http.StatusNotFound, "GET", ts.URL+"/api/v1/namespaces/default/pods/"+v, "", "")
	}
	waitFor(t, "two replacements running on node2", func() (bool, string) {
		pods, byNode := podsOf(t, c, "app=web")
		n := 0
		for _, p := range pods {
			if p.Status.Phase == api.PodRunning && p.Spec.NodeName == "node2" {
				n++
			}
		}
		return n == 2 && byNode["node1"] == 0, fmt.Sprint(byNode)
	})
	node := decodeInto[api.Node](t, mustDo(t, http.StatusOK, "GET", ts.URL+"/api/v1/nodes/node1", "", ""))
	if !node.Spec.Unschedulable {
		t.Fatal("node1 is not cordoned after drain")
	}
}
