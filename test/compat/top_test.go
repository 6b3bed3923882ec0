package compat

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"minik8s/apiserver"
	"minik8s/apiserver/metrics"
)

// topNodeJSON is a Ready node with allocatable cpu and memory.
func topNodeJSON(name, pool, cpu, memory string) string {
	return `{"apiVersion":"v1","kind":"Node","metadata":{"name":"` + name + `","labels":{"pool":"` + pool + `"}},` +
		`"status":{"conditions":[{"type":"Ready","status":"True"}],"allocatable":{"cpu":"` + cpu + `","memory":"` + memory + `"},` +
		`"capacity":{"cpu":"` + cpu + `","memory":"` + memory + `"}}}`
}

// topPodJSON is a pod on node with the given app label and containers.
func topPodJSON(ns, name, node, app string, containers ...string) string {
	cs := make([]string, len(containers))
	for i, c := range containers {
		cs[i] = `{"name":"` + c + `","image":"busybox"}`
	}
	return `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"` + name + `","namespace":"` + ns + `","labels":{"app":"` + app + `"}},` +
		`"spec":{"nodeName":"` + node + `","containers":[` + strings.Join(cs, ",") + `]}}`
}

// TestTopMatchesRealKubectl serves fixed metrics (two scrapes of a fake
// summary source, then no more) and runs `top pod|node` through the real
// kubectl and ours: same stdout, stderr and success for every form.
func TestTopMatchesRealKubectl(t *testing.T) {
	need(t, "kubectl")
	fetch := metrics.NewFakeFetcher()
	c := startClusterWith(t, func(o *apiserver.Options) {
		o.MetricsFetcher = fetch
		o.MetricsResolution = 0 // only the scrapes below
	})
	base := c.ts.URL + "/api/v1"
	for _, n := range []string{topNodeJSON("n1", "a", "2", "4Gi"), topNodeJSON("n2", "a", "4", "8Gi"), topNodeJSON("n3", "b", "1", "1Gi")} {
		if _, err := doJSON(base+"/nodes", n); err != nil {
			t.Fatal(err)
		}
	}
	for _, ns := range []string{"other", "quiet", "young"} {
		if _, err := doJSON(base+"/namespaces", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"`+ns+`"}}`); err != nil {
			t.Fatal(err)
		}
	}
	type pod struct{ ns, name, node, app string }
	pods := []pod{{"default", "web-1", "n1", "web"}, {"default", "web-2", "n2", "web"}, {"default", "db", "n1", "db"},
		{"other", "job", "n2", "batch"}, {"young", "new", "n1", "new"}}
	for _, p := range pods {
		containers := []string{"main"}
		if p.name == "web-1" {
			containers = []string{"main", "sidecar"}
		}
		if _, err := doJSON(base+"/namespaces/"+p.ns+"/pods", topPodJSON(p.ns, p.name, p.node, p.app, containers...)); err != nil {
			t.Fatal(err)
		}
		if code := call(t, "PATCH", base+"/namespaces/"+p.ns+"/pods/"+p.name+"/status", "application/merge-patch+json", `{"status":{"phase":"Running"}}`); code != http.StatusOK {
			t.Fatalf("pod %s status: %d", p.name, code)
		}
	}
	// Rates half a millicore below the figure, so that the measured value
	// rounds up (as Quantity.MilliValue does) to the intended millicores.
	fetch.SetNodeUsage("n1", 1249.5e6, 3<<30)
	fetch.SetNodeUsage("n2", 299.5e6, 1536<<20)
	fetch.SetNodeUsage("n3", 998.5e6, 900<<20)
	fetch.SetContainerUsage("n1", "default", "web-1", "main", 249.5e6, 120<<20)
	fetch.SetContainerUsage("n1", "default", "web-1", "sidecar", 4.5e6, 16<<20)
	fetch.SetContainerUsage("n2", "default", "web-2", "main", 399.5e6, 100<<20)
	fetch.SetContainerUsage("n1", "default", "db", "main", 29.5e6, 512<<20)
	fetch.SetContainerUsage("n2", "other", "job", "main", 899.5e6, 10<<20)
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if i > 0 {
			time.Sleep(500 * time.Millisecond)
		}
		if err := c.ts.Server().ScrapeMetrics(ctx); err != nil {
			t.Fatal(err)
		}
	}

	cases := [][]string{
		{"top", "pod"},
		{"top", "pods", "--containers"},
		{"top", "pod", "-A"},
		{"top", "pod", "-A", "--containers"},
		{"top", "pod", "-l", "app=web"},
		{"top", "pod", "-l", "app=web", "--containers", "--no-headers"},
		{"top", "pod", "--field-selector", "metadata.name=db"},
		{"top", "pod", "web-1"},
		{"top", "pod", "web-1", "--containers"},
		{"top", "pod", "-n", "other"},
		{"top", "pod", "--sort-by", "cpu"},
		{"top", "pod", "-A", "--sort-by", "memory"},
		{"top", "pod", "--sort-by", "cpu", "--containers"},
		{"top", "pod", "--no-headers"},
		{"top", "pod", "--sum"},
		{"top", "pod", "-A", "--containers", "--sum"},
		{"top", "pod", "nosuch"},
		{"top", "pod", "web-1", "-A"},
		{"top", "pod", "-l", "app in (web,db)", "--sort-by", "memory"},
		{"top", "pod", "-n", "quiet"},
		{"top", "pod", "-n", "young"},
		{"top", "pod", "-l", "app=none"},
		{"top", "pod", "--sort-by", "name"},
		{"top", "pod", "web-1", "-l", "app=web"},
		{"top", "node"},
		{"top", "nodes", "n1"},
		{"top", "node", "-l", "pool=a"},
		{"top", "node", "--sort-by", "memory"},
		{"top", "node", "--sort-by", "cpu", "--no-headers"},
		{"top", "node", "nosuch"},
		{"top", "no", "n1", "-l", "pool=a"},
	}
	for _, args := range cases {
		rOut, rErr, rerr := c.kubectl(t, "", args...)
		oOut, oErr, oerr := c.ours(t, args...)
		if testing.Verbose() {
			t.Logf("kubectl %s (%v):\n%s%s", strings.Join(args, " "), rerr, rOut, rErr)
		}
		if (rerr == nil) != (oerr == nil) || rOut != oOut || rErr != oErr {
			t.Errorf("kubectl %s differs\nreal (%v):\n%s---\n%s\nours (%v):\n%s---\n%s", strings.Join(args, " "), rerr, rOut, rErr, oerr, oOut, oErr)
		}
	}
	// The real kubectl's other views of the group: api-resources and get.
	out := c.ok(t, "", "api-resources", "--api-group=metrics.k8s.io")
	want := "NAME    SHORTNAMES   APIVERSION               NAMESPACED   KIND\n" +
		"nodes                metrics.k8s.io/v1beta1   false        NodeMetrics\n" +
		"pods                 metrics.k8s.io/v1beta1   true         PodMetrics\n"
	if out != want {
		t.Errorf("api-resources:\n%s\nwant:\n%s", out, want)
	}
	out = c.ok(t, "", "get", "pods.metrics.k8s.io", "-n", "other")
	if !regexp.MustCompile(`^NAME\s+CPU\s+MEMORY\s+WINDOW\s*\njob\s+899\d{6}n\s+10Mi\s+[0-9.]+m?s\n$`).MatchString(out) {
		t.Errorf("get pods.metrics.k8s.io:\n%s", out)
	}
	out = c.ok(t, "", "get", "nodemetrics", "n3", "-o", "jsonpath={.usage.memory}")
	if out != "900Mi" {
		t.Errorf("get nodemetrics n3: %q", out)
	}

	// What the figures are (and that the comparison saw real output).
	out, _, err := c.ours(t, "top", "node")
	want = "NAME   CPU(cores)   CPU(%)   MEMORY(bytes)   MEMORY(%)   \n" +
		"n1     1250m        62%      3072Mi          75%         \n" +
		"n2     300m         7%       1536Mi          18%         \n" +
		"n3     999m         99%      900Mi           87%         \n"
	if err != nil || out != want {
		t.Fatalf("top node:\n%s(%v)\nwant:\n%s", out, err, want)
	}
	out, _, err = c.ours(t, "top", "pod", "--containers")
	want = "POD     NAME      CPU(cores)   MEMORY(bytes)   \n" +
		"db      main      30m          512Mi           \n" +
		"web-1   main      250m         120Mi           \n" +
		"web-1   sidecar   5m           16Mi            \n" +
		"web-2   main      400m         100Mi           \n"
	if err != nil || out != want {
		t.Fatalf("top pod --containers:\n%s(%v)\nwant:\n%s", out, err, want)
	}
}
