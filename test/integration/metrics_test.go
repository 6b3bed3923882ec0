package integration

// The resource metrics API (metrics.k8s.io/v1beta1) served by the
// apiserver from its scraper: fake-runtime kubelets run the pods, an
// injected summary source gives their usage, and the API answers as
// metrics-server does (discovery, lists with selectors, gets, 404s,
// tables).

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"minik8s/apiserver"
	"minik8s/apiserver/metrics"
	"minik8s/apiserver/testserver"
	"minik8s/kubectl"
	"minik8s/kubelet/runtime/fake"
	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
)

// metricsPod is a one-container pod on node with labels.
func metricsPod(name, ns, node string, lbls map[string]string, containers ...string) *api.Pod {
	p := &api.Pod{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: ns, Labels: lbls},
		Spec:       api.PodSpec{NodeName: node},
	}
	for _, c := range containers {
		p.Spec.Containers = append(p.Spec.Containers, api.Container{Name: c, Image: "busybox"})
	}
	return p
}

func getJSON[T any](t *testing.T, url string, want int) T {
	t.Helper()
	return decodeInto[T](t, mustDo(t, want, http.MethodGet, url, "", ""))
}

func TestMetricsAPI(t *testing.T) {
	fetch := metrics.NewFakeFetcher()
	ts := testserver.StartWithOptions(t, func(o *apiserver.Options) {
		o.MetricsFetcher = fetch
		o.MetricsResolution = 200 * time.Millisecond
	})
	c, err := mkclient.New(&mkclient.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	startFakeKubelet(t, c, "node1")
	if _, err := c.Namespaces().Create(ctx, &api.Namespace{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: api.ObjectMeta{Name: "other"}}); err != nil {
		t.Fatal(err)
	}
	pods := []*api.Pod{
		metricsPod("web-1", "default", "node1", map[string]string{"app": "web"}, "app", "sidecar"),
		metricsPod("web-2", "default", "node1", map[string]string{"app": "web"}, "app"),
		metricsPod("db", "default", "node1", map[string]string{"app": "db"}, "db"),
		metricsPod("job", "other", "node1", nil, "work"),
	}
	for _, p := range pods {
		if _, err := c.Pods(p.Namespace).Create(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	base := ts.URL + "/apis/metrics.k8s.io/v1beta1"

	// Discovery.
	groups := getJSON[struct {
		Groups []struct {
			Name             string `json:"name"`
			PreferredVersion struct {
				GroupVersion string `json:"groupVersion"`
			} `json:"preferredVersion"`
		} `json:"groups"`
	}](t, ts.URL+"/apis", 200)
	found := false
	for _, g := range groups.Groups {
		found = found || g.Name == "metrics.k8s.io" && g.PreferredVersion.GroupVersion == "metrics.k8s.io/v1beta1"
	}
	if !found {
		t.Fatalf("/apis lacks metrics.k8s.io: %+v", groups)
	}
	rl := getJSON[struct {
		GroupVersion string `json:"groupVersion"`
		Resources    []struct {
			Name       string   `json:"name"`
			Namespaced bool     `json:"namespaced"`
			Kind       string   `json:"kind"`
			Verbs      []string `json:"verbs"`
		} `json:"resources"`
	}](t, base, 200)
	if rl.GroupVersion != "metrics.k8s.io/v1beta1" || len(rl.Resources) != 2 || rl.Resources[0].Name != "nodes" || rl.Resources[0].Kind != "NodeMetrics" ||
		rl.Resources[0].Namespaced || rl.Resources[1].Name != "pods" || !rl.Resources[1].Namespaced || strings.Join(rl.Resources[1].Verbs, ",") != "get,list" {
		t.Fatalf("resource list = %+v", rl)
	}

	// Before any usage: empty lists, 404 for a known pod.
	empty := getJSON[api.PodMetricsList](t, base+"/namespaces/default/pods", 200)
	if empty.Kind != "PodMetricsList" || empty.APIVersion != "metrics.k8s.io/v1beta1" || len(empty.Items) != 0 {
		t.Fatalf("list before usage = %+v", empty)
	}
	st := status(t, mustDo(t, 404, http.MethodGet, base+"/namespaces/default/pods/db", "", ""))
	if st.Reason != "NotFound" || st.Message != `podmetrics.metrics.k8s.io "default/db" not found` {
		t.Fatalf("get without metrics = %+v", st)
	}

	// Usage arrives; pods show once Running with two scrapes.
	fetch.SetNodeUsage("node1", 1500e6, 2<<30)
	fetch.SetContainerUsage("node1", "default", "web-1", "app", 200e6, 100<<20)
	fetch.SetContainerUsage("node1", "default", "web-1", "sidecar", 10e6, 20<<20)
	fetch.SetContainerUsage("node1", "default", "web-2", "app", 300e6, 120<<20)
	fetch.SetContainerUsage("node1", "default", "db", "db", 50e6, 1<<30)
	fetch.SetContainerUsage("node1", "other", "job", "work", 900e6, 10<<20)
	var list api.PodMetricsList
	waitUntil(t, 30*time.Second, "pod metrics of 3 pods in default", func() (bool, string) {
		list = getJSON[api.PodMetricsList](t, base+"/namespaces/default/pods", 200)
		return len(list.Items) == 3, string(mustDo(t, 200, http.MethodGet, base+"/namespaces/default/pods", "", ""))
	})
	names := []string{}
	for _, it := range list.Items {
		names = append(names, it.Namespace+"/"+it.Name)
	}
	if strings.Join(names, " ") != "default/db default/web-1 default/web-2" {
		t.Fatalf("items = %v", names)
	}
	web1 := list.Items[1]
	if web1.Kind != "PodMetrics" || web1.Labels["app"] != "web" || len(web1.Containers) != 2 || web1.Containers[0].Name != "app" ||
		web1.Window.Duration <= 0 || web1.Window.Duration > 5*time.Second || web1.Timestamp.IsZero() {
		t.Fatalf("web-1 = %+v", web1)
	}
	cpu, mem := web1.Containers[0].Usage["cpu"], web1.Containers[0].Usage["memory"]
	if m := cpu.MilliValue(); m < 190 || m > 210 || mem.String() != "100Mi" {
		t.Fatalf("web-1 app usage = cpu %s memory %s, want about 200m and 100Mi", cpu.String(), mem.String())
	}

	// Selectors, all namespaces, get.
	sel := getJSON[api.PodMetricsList](t, base+"/namespaces/default/pods?labelSelector=app%3Dweb", 200)
	if len(sel.Items) != 2 || sel.Items[0].Name != "web-1" || sel.Items[1].Name != "web-2" {
		t.Fatalf("labelSelector app=web = %+v", sel.Items)
	}
	byName := getJSON[api.PodMetricsList](t, base+"/namespaces/default/pods?fieldSelector=metadata.name%3Ddb", 200)
	if len(byName.Items) != 1 || byName.Items[0].Name != "db" {
		t.Fatalf("fieldSelector metadata.name=db = %+v", byName.Items)
	}
	waitUntil(t, 30*time.Second, "pod metrics in all namespaces", func() (bool, string) {
		all := getJSON[api.PodMetricsList](t, base+"/pods", 200)
		return len(all.Items) == 4 && all.Items[3].Namespace == "other", ""
	})
	one := getJSON[api.PodMetrics](t, base+"/namespaces/other/pods/job", 200)
	if c := one.Containers[0].Usage["cpu"]; one.Name != "job" || c.MilliValue() < 880 || c.MilliValue() > 920 {
		t.Fatalf("get other/job = %+v", one)
	}
	st = status(t, mustDo(t, 404, http.MethodGet, base+"/namespaces/default/pods/nosuch", "", ""))
	if st.Message != `pod "nosuch" not found` || st.Code != 404 {
		t.Fatalf("get of a missing pod = %+v", st)
	}
	st = status(t, mustDo(t, 400, http.MethodGet, base+"/namespaces/default/pods?labelSelector=a%20b", "", ""))
	if st.Reason != "BadRequest" {
		t.Fatalf("bad selector = %+v", st)
	}
	mustDo(t, 405, http.MethodPost, base+"/namespaces/default/pods", "application/json", "{}")

	// Nodes.
	var nodes api.NodeMetricsList
	waitUntil(t, 30*time.Second, "node metrics", func() (bool, string) {
		nodes = getJSON[api.NodeMetricsList](t, base+"/nodes", 200)
		return len(nodes.Items) == 1, ""
	})
	if cpu := nodes.Items[0].Usage["cpu"]; nodes.Kind != "NodeMetricsList" || nodes.Items[0].Name != "node1" || cpu.MilliValue() < 1450 || cpu.MilliValue() > 1550 {
		t.Fatalf("nodes = %+v", nodes)
	}
	n1 := getJSON[api.NodeMetrics](t, base+"/nodes/node1", 200)
	if mem := n1.Usage["memory"]; n1.Kind != "NodeMetrics" || mem.String() != "2Gi" {
		t.Fatalf("node1 = %+v", n1)
	}
	st = status(t, mustDo(t, 404, http.MethodGet, base+"/nodes/nosuch", "", ""))
	if st.Message != `node "nosuch" not found` {
		t.Fatalf("missing node = %+v", st)
	}
	if got := getJSON[api.NodeMetricsList](t, base+"/nodes?labelSelector=nosuch%3Dlabel", 200); len(got.Items) != 0 {
		t.Fatalf("node label selector matched %+v", got.Items)
	}

	// Tables, as `kubectl get pods.metrics.k8s.io` asks.
	req, _ := http.NewRequest(http.MethodGet, base+"/namespaces/default/pods", nil)
	req.Header.Set("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var table api.Table
	err = json.NewDecoder(resp.Body).Decode(&table)
	resp.Body.Close()
	if err != nil || table.Kind != "Table" || len(table.ColumnDefinitions) != 4 || len(table.Rows) != 3 || table.Rows[1].Cells[0] != "web-1" {
		t.Fatalf("table = %+v (%v)", table, err)
	}

	// A pod that leaves the summaries is forgotten.
	fetch.RemovePod("node1", "default", "db")
	waitUntil(t, 30*time.Second, "db gone from metrics", func() (bool, string) {
		code, _ := do(t, http.MethodGet, base+"/namespaces/default/pods/db", "", "")
		return code == 404, ""
	})
}

// TestMetricsAPIScrapesKubeletHTTP has the apiserver reach a node's
// kubelet address (InternalIP and daemonEndpoints port, here a loopback
// stand-in serving /stats/summary) as it does for logs and exec.
func TestMetricsAPIScrapesKubeletHTTP(t *testing.T) {
	var mu sync.Mutex
	cpu, hits := uint64(0), 0
	start := time.Now()
	kubelet := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/stats/summary" {
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		hits++
		// Half a core since start, read fresh at each request as the kubelet does.
		cpu = uint64(5e8 * time.Since(start).Seconds())
		v, mem := cpu, uint64(64<<20)
		mu.Unlock()
		now := api.NewTime(time.Now())
		json.NewEncoder(w).Encode(api.Summary{
			Node: api.NodeStats{NodeName: "n1", CPU: &api.CPUStats{Time: now, UsageCoreNanoSeconds: &v}, Memory: &api.MemoryStats{Time: now, WorkingSetBytes: &mem}},
			Pods: []api.PodStats{{PodRef: api.PodReference{Namespace: "default", Name: "p"}, Containers: []api.ContainerStats{
				{Name: "c", CPU: &api.CPUStats{Time: now, UsageCoreNanoSeconds: &v}, Memory: &api.MemoryStats{Time: now, WorkingSetBytes: &mem}}}}},
		})
	}))
	defer kubelet.Close()
	port, _ := strconv.Atoi(kubelet.URL[strings.LastIndex(kubelet.URL, ":")+1:])
	ts := testserver.StartWithOptions(t, func(o *apiserver.Options) { o.MetricsResolution = 300 * time.Millisecond })
	c, err := mkclient.New(&mkclient.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	n, err := c.Nodes().Create(ctx, &api.Node{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Node"}, ObjectMeta: api.ObjectMeta{Name: "n1"}})
	if err != nil {
		t.Fatal(err)
	}
	n.Status = api.NodeStatus{
		Conditions:      []api.NodeCondition{{Type: api.NodeReady, Status: api.ConditionTrue}},
		Addresses:       []api.NodeAddress{{Type: api.NodeInternalIP, Address: "127.0.0.1"}},
		DaemonEndpoints: &api.NodeDaemonEndpoints{KubeletEndpoint: api.DaemonEndpoint{Port: int32(port)}},
	}
	if _, err := c.Nodes().UpdateStatus(ctx, n); err != nil {
		t.Fatal(err)
	}
	p, err := c.Pods("default").Create(ctx, metricsPod("p", "default", "n1", nil, "c"))
	if err != nil {
		t.Fatal(err)
	}
	p.Status.Phase = api.PodRunning
	if _, err := c.Pods("default").UpdateStatus(ctx, p); err != nil {
		t.Fatal(err)
	}
	base := ts.URL + "/apis/metrics.k8s.io/v1beta1"
	var pm api.PodMetrics
	waitUntil(t, 30*time.Second, "metrics of pod p", func() (bool, string) {
		code, b := do(t, http.MethodGet, base+"/namespaces/default/pods/p", "", "")
		if code != 200 {
			return false, string(b)
		}
		pm = decodeInto[api.PodMetrics](t, b)
		return true, ""
	})
	if q := pm.Containers[0].Usage["cpu"]; q.MilliValue() < 400 || q.MilliValue() > 600 || pm.Window.Duration < 200*time.Millisecond {
		t.Fatalf("pod p = %+v, want about 500m over about 300ms", pm)
	}
	nm := getJSON[api.NodeMetrics](t, base+"/nodes/n1", 200)
	if q := nm.Usage["memory"]; q.String() != "64Mi" {
		t.Fatalf("node n1 = %+v", nm)
	}
	mu.Lock()
	defer mu.Unlock()
	if hits < 2 {
		t.Fatalf("%d scrapes of the kubelet", hits)
	}
}

// TestMetricsFromFakeRuntimeKubelet is the whole path over HTTP: a
// fake-runtime kubelet serves /stats/summary with the usage set on its
// runtime, the apiserver scrapes it, and metrics.k8s.io and our kubectl
// top show it.
func TestMetricsFromFakeRuntimeKubelet(t *testing.T) {
	h := newKubeletHarness(t)
	h.ts.Options.MetricsResolution = time.Second
	h.ts.Restart(t) // the same server, now scraping every second
	h.rt.SetUsage("default", "busy", "writer", fake.Usage{CPUNanos: 5e9, NanoCores: 250e6, MemoryWorkingSet: 50 << 20})
	h.rt.SetUsage("default", "busy", "server", fake.Usage{CPUNanos: 1e9, MemoryWorkingSet: 10 << 20})
	h.start()
	h.createPod(twoContainerPod("busy"))
	h.waitPod("busy", "Running", running)

	base := h.ts.URL + "/apis/metrics.k8s.io/v1beta1"
	var pm api.PodMetrics
	waitUntil(t, 30*time.Second, "metrics of pod busy", func() (bool, string) {
		code, b := do(t, http.MethodGet, base+"/namespaces/default/pods/busy", "", "")
		if code != 200 {
			return false, string(b)
		}
		pm = decodeInto[api.PodMetrics](t, b)
		return true, ""
	})
	if len(pm.Containers) != 2 || pm.Containers[0].Name != "server" || pm.Containers[1].Name != "writer" {
		t.Fatalf("containers = %+v", pm.Containers)
	}
	sc, sm := pm.Containers[0].Usage["cpu"], pm.Containers[0].Usage["memory"]
	wc, wm := pm.Containers[1].Usage["cpu"], pm.Containers[1].Usage["memory"]
	// A quarter of a core, give or take what the fake's clock (moved to
	// the real time every 10 ms, later on a loaded machine) allows over a
	// one-second window; the idle container uses none.
	if wc.MilliValue() < 150 || wc.MilliValue() > 350 || wm.String() != "50Mi" || !sc.IsZero() || sm.String() != "10Mi" {
		t.Fatalf("usage: writer %s %s, server %s %s", wc.String(), wm.String(), sc.String(), sm.String())
	}
	if pm.Window.Duration < 900*time.Millisecond || pm.Window.Duration > 5*time.Second {
		t.Fatalf("window %v, want about the one-second resolution", pm.Window.Duration)
	}
	var nm api.NodeMetrics
	waitUntil(t, 30*time.Second, "metrics of node1", func() (bool, string) {
		code, b := do(t, http.MethodGet, base+"/nodes/node1", "", "")
		if code == 200 {
			nm = decodeInto[api.NodeMetrics](t, b)
		}
		return code == 200, string(b)
	})
	if q := nm.Usage["memory"]; q.String() != "60Mi" {
		t.Fatalf("node1 = %+v, want the pod's 60Mi", nm)
	}

	cmd := kubectl.NewCommand()
	var out, errb bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	cmd.SetArgs([]string{"--server", h.ts.URL, "top", "pod", "busy", "--containers"})
	if err := cmd.Execute(); err != nil {
		t.Fatalf("kubectl top: %v: %s", err, errb.String())
	}
	if !regexp.MustCompile(`^POD +NAME +CPU\(cores\) +MEMORY\(bytes\) +\nbusy +server +0m +10Mi +\nbusy +writer +(1[5-9][0-9]|2[0-9][0-9]|3[0-4][0-9]|350)m +50Mi +\n$`).MatchString(out.String()) {
		t.Fatalf("kubectl top pod busy --containers:\n%s", out.String())
	}
}
