package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"minik8s/apiserver"
	"minik8s/apiserver/storage"
	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
)

// post sends a JSON body without failing the test (for goroutines).
func post(url, body string) (int, []byte, error) {
	resp, err := client.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func nodePortService(name string, nodePort int) string {
	port := map[string]any{"port": 80}
	if nodePort != 0 {
		port["nodePort"] = nodePort
	}
	b, _ := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "Service", "metadata": map[string]any{"name": name},
		"spec": map[string]any{"type": "NodePort", "ports": []any{port}}})
	return string(b)
}

// allocatedCount is how many offsets the allocation record at key marks.
func allocatedCount(t *testing.T, st storage.Interface, key string) int {
	t.Helper()
	kv, err := st.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("reading %s: %v", key, err)
	}
	var ra struct {
		Kind  string `json:"kind"`
		Range string `json:"range"`
		Data  []byte `json:"data"`
	}
	if err := json.Unmarshal(kv.Value, &ra); err != nil || ra.Kind != "RangeAllocation" {
		t.Fatalf("%s: %v %s", key, err, kv.Value)
	}
	var bits big.Int
	bits.SetBytes(ra.Data)
	n := 0
	for i := 0; i < bits.BitLen(); i++ {
		n += int(bits.Bit(i))
	}
	return n
}

// TestServiceAllocationAcrossAPIServers: two apiservers on one etcd hand
// out ClusterIPs and NodePorts from the shared bitmaps in etcd: racing
// creates of one NodePort succeed once, filling the whole NodePort range
// from both servers at once gives every service a distinct port and IP, a
// restart keeps the allocations, and deletes free them.
func TestServiceAllocationAcrossAPIServers(t *testing.T) {
	emb, err := storage.StartEmbedded(storage.EmbeddedConfig{DataDir: t.TempDir(), NoFsync: true, LogLevel: "fatal"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emb.Close)
	const portLo, nPorts = 30000, 60
	shared := func(o *apiserver.Options) {
		o.EtcdServers = []string{emb.ClientURL()}
		o.ServiceClusterIPRange = "10.96.0.0/24"
		o.ServiceNodePortRange = fmt.Sprintf("%d-%d", portLo, portLo+nPorts-1)
		o.KubernetesServiceInterval = time.Hour // made at start only: the counts below stay exact
	}
	a := testserver.StartWithOptions(t, shared)
	b := testserver.StartWithOptions(t, shared)
	st, err := storage.NewEtcd([]string{emb.ClientURL()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	coll := func(ts *testserver.TestServer) string { return ts.URL + "/api/v1/namespaces/default/services" }

	// The same NodePort asked of both servers at once: one wins, the other
	// gets Kubernetes' 422.
	for i := 0; i < 5; i++ {
		port := portLo + nPorts - 1 - i
		codes := make([]int, 2)
		bodies := make([][]byte, 2)
		var wg sync.WaitGroup
		for k, ts := range []*testserver.TestServer{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[k], bodies[k], _ = post(coll(ts), nodePortService(fmt.Sprintf("race-%d-%d", i, k), port))
			}()
		}
		wg.Wait()
		if !(codes[0] == 201 && codes[1] == 422 || codes[0] == 422 && codes[1] == 201) {
			t.Fatalf("port %d: codes %v: %s %s", port, codes, bodies[0], bodies[1])
		}
		loser := bodies[0]
		if codes[0] == 201 {
			loser = bodies[1]
		}
		if want := fmt.Sprintf("spec.ports[0].nodePort: Invalid value: %d: provided port is already allocated", port); !strings.Contains(string(loser), want) {
			t.Errorf("loser: %s, want %q", loser, want)
		}
	}

	// Fill the rest of the range from both servers, 4 clients each.
	var wg sync.WaitGroup
	errs := make(chan string, nPorts)
	for k, ts := range []*testserver.TestServer{a, b} {
		for c := 0; c < 4; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := c; i < (nPorts-5)/2+1; i += 4 {
					name := fmt.Sprintf("s-%d-%d", k, i)
					if k == 1 && i == (nPorts-5)/2 {
						continue // 55 = 28 + 27
					}
					code, body, err := post(coll(ts), nodePortService(name, 0))
					if err != nil || code != 201 {
						errs <- fmt.Sprintf("%s: %d %v %s", name, code, err, body)
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	checkDistinct := func(want int) {
		t.Helper()
		list := decodeInto[api.List[api.Service]](t, mustDo(t, 200, "GET", coll(b), "", ""))
		ips, ports := map[string]string{}, map[int32]string{}
		kube := 0 // the kubernetes Service: 10.96.0.1, no node port
		for _, s := range list.Items {
			if s.Name == "kubernetes" {
				kube++
				if s.Spec.ClusterIP != "10.96.0.1" {
					t.Errorf("kubernetes Service at %s", s.Spec.ClusterIP)
				}
				continue
			}
			if other, dup := ips[s.Spec.ClusterIP]; dup || s.Spec.ClusterIP == "" {
				t.Errorf("ClusterIP %q of %s also given to %s", s.Spec.ClusterIP, s.Name, other)
			}
			ips[s.Spec.ClusterIP] = s.Name
			np := s.Spec.Ports[0].NodePort
			if other, dup := ports[np]; dup || np < portLo || np >= portLo+nPorts {
				t.Errorf("NodePort %d of %s also given to %s (or out of range)", np, s.Name, other)
			}
			ports[np] = s.Name
		}
		if len(list.Items)-kube != want {
			t.Errorf("%d services, want %d", len(list.Items)-kube, want)
		}
		if n := allocatedCount(t, st, "/registry/ranges/servicenodeports"); n != want {
			t.Errorf("node port bitmap marks %d, want %d", n, want)
		}
		if n := allocatedCount(t, st, "/registry/ranges/serviceips"); n != want+kube {
			t.Errorf("service IP bitmap marks %d, want %d", n, want+kube)
		}
	}
	checkDistinct(nPorts)
	full := func(ts *testserver.TestServer) {
		t.Helper()
		code, body, err := post(coll(ts), nodePortService("one-too-many", 0))
		if err != nil || code != 500 || !strings.Contains(string(body), "failed to allocate a nodePort: range is full") {
			t.Fatalf("full range: %d %v %s", code, err, body)
		}
	}
	full(a)
	full(b)

	// A restart keeps the allocations (and a failed create reserved nothing).
	a.Restart(t)
	full(a)
	checkDistinct(nPorts)

	// Deletes free them: delete ten, create ten, then delete everything.
	for i := 0; i < 10; i++ {
		mustDo(t, 200, "DELETE", fmt.Sprintf("%s/s-0-%d", coll(a), i), "", "")
	}
	checkDistinct(nPorts - 10)
	for i := 0; i < 10; i++ {
		mustDo(t, 201, "POST", coll(b), "application/json", nodePortService(fmt.Sprintf("again-%d", i), 0))
	}
	checkDistinct(nPorts)
	mustDo(t, 200, "DELETE", coll(a), "", "")
	checkDistinct(0)
}

// TestServiceAllocationReleases: values are given back when a create fails
// after reserving them, when an update drops them, and when an update
// fails; values kept across an update stay reserved.
func TestServiceAllocationReleases(t *testing.T) {
	ts := testserver.Start(t)
	coll := ts.URL + "/api/v1/namespaces/default/services"
	mustDo(t, 201, "POST", coll, "application/json", nodePortService("a", 30500))
	// A create that fails (the name exists) gives its port back.
	mustDo(t, 409, "POST", coll, "application/json", nodePortService("a", 30501))
	mustDo(t, 201, "POST", coll, "application/json", nodePortService("b", 30501))
	// An update that keeps the port keeps it reserved.
	a := decodeInto[api.Service](t, mustDo(t, 200, "GET", coll+"/a", "", ""))
	a.Labels = map[string]string{"x": "y"}
	body, _ := json.Marshal(a)
	a = decodeInto[api.Service](t, mustDo(t, 200, "PUT", coll+"/a", "application/json", string(body)))
	code, b, _ := post(coll, nodePortService("c", 30500))
	if code != 422 {
		t.Fatalf("port kept by an update was handed out again: %d %s", code, b)
	}
	// An update that fails (stale resourceVersion) gives back what it took.
	stale := a
	stale.ResourceVersion = "1"
	stale.Spec.Ports[0].NodePort = 30502
	body, _ = json.Marshal(stale)
	mustDo(t, 409, "PUT", coll+"/a", "application/json", string(body))
	mustDo(t, 201, "POST", coll, "application/json", nodePortService("d", 30502))
	// An update to ClusterIP drops the node port: free again; the
	// ClusterIP stays with the service.
	a.Spec.Type = "ClusterIP"
	a.Spec.Ports[0].NodePort = 0
	a.Spec.ExternalTrafficPolicy = ""
	body, _ = json.Marshal(a)
	upd := decodeInto[api.Service](t, mustDo(t, 200, "PUT", coll+"/a", "application/json", string(body)))
	if upd.Spec.ClusterIP != a.Spec.ClusterIP || upd.Spec.Ports[0].NodePort != 0 {
		t.Fatalf("after type change: %+v", upd.Spec)
	}
	mustDo(t, 201, "POST", coll, "application/json", nodePortService("e", 30500))
	explicit := fmt.Sprintf(`{"apiVersion":"v1","kind":"Service","metadata":{"name":"f"},"spec":{"clusterIP":%q,"ports":[{"port":80}]}}`, a.Spec.ClusterIP)
	code, b, _ = post(coll, explicit)
	if st := status(t, b); code != 422 || !strings.Contains(st.Message, fmt.Sprintf(`spec.clusterIPs: Invalid value: []string{"%s"}: failed to allocate IP %s: provided IP is already allocated`, a.Spec.ClusterIP, a.Spec.ClusterIP)) {
		t.Errorf("taken ClusterIP: %d %s", code, b)
	}
}
