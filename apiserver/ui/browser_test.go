package ui_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"minik8s/apiserver/ui"
	"minik8s/apiserver/ui/uitest"
	"minik8s/pkg/netinfo"
)

// fakeAPI is just enough of the apiserver for the page: lists with a
// resourceVersion, watches that stream what push sends, and the nodes'
// netinfo from testdata (the kubelet's /netinfo shape, pkg/netinfo).
type fakeAPI struct {
	token    string // if set, API calls need "Authorization: Bearer token" (401 else)
	mu       sync.Mutex
	lists    map[string][]any
	watchers map[string][]chan any
	netinfo  map[string][]byte
}

func (f *fakeAPI) push(path, typ string, obj any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lists[path] = append(f.lists[path], obj)
	for _, c := range f.watchers[path] {
		c <- map[string]any{"type": typ, "object": obj}
	}
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if strings.HasPrefix(p, "/ui") {
		ui.Handler().ServeHTTP(w, r)
		return
	}
	if f.token != "" && r.Header.Get("Authorization") != "Bearer "+f.token {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}`))
		return
	}
	if node, ok := strings.CutPrefix(p, "/api/v1/nodes/"); ok {
		node, rest, _ := strings.Cut(node, "/")
		if b := f.netinfo[node]; rest == "proxy/netinfo" && b != nil {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(b)
			return
		}
		http.NotFound(w, r)
		return
	}
	f.mu.Lock()
	items, ok := f.lists[p]
	f.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if r.URL.Query().Get("watch") != "1" {
		_ = json.NewEncoder(w).Encode(map[string]any{"kind": "List", "apiVersion": "v1", "metadata": map[string]any{"resourceVersion": "10"}, "items": items})
		return
	}
	c := make(chan any, 16)
	f.mu.Lock()
	f.watchers[p] = append(f.watchers[p], c)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		ws := f.watchers[p][:0]
		for _, w := range f.watchers[p] {
			if w != c {
				ws = append(ws, w)
			}
		}
		f.watchers[p] = ws
	}()
	w.WriteHeader(http.StatusOK)
	w.(http.Flusher).Flush()
	enc := json.NewEncoder(w)
	for {
		select {
		case <-r.Context().Done():
			return
		case ev := <-c:
			_ = enc.Encode(ev)
			w.(http.Flusher).Flush()
		}
	}
}

// wait bounds each wait for the page.
const wait = 15 * time.Second

// waitWatch waits until the page watches path (pushes then reach it).
// The tests move between pages by their #fragment, so the page is never
// reloaded: a page's watches end when it leaves a page that needs them.
func (f *fakeAPI) waitWatch(t *testing.T, path string) {
	t.Helper()
	for deadline := time.Now().Add(wait); ; time.Sleep(50 * time.Millisecond) {
		f.mu.Lock()
		n := len(f.watchers[path])
		f.mu.Unlock()
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the page does not watch %s", path)
		}
	}
}

func pod(ns, name, node, ip string) map[string]any {
	return map[string]any{"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"namespace": ns, "name": name, "creationTimestamp": time.Now().UTC().Format(time.RFC3339)},
		"spec":     map[string]any{"nodeName": node, "containers": []any{map[string]any{"name": "c", "image": "tools"}}},
		"status": map[string]any{"phase": "Running", "podIP": ip,
			"containerStatuses": []any{map[string]any{"name": "c", "ready": true, "restartCount": 0, "state": map[string]any{"running": map[string]any{}}}}}}
}

func node(name, ip, cidr string) map[string]any {
	return map[string]any{"apiVersion": "v1", "kind": "Node", "metadata": map[string]any{"name": name, "creationTimestamp": "2026-12-02T22:00:00Z"},
		"spec":   map[string]any{"podCIDR": cidr},
		"status": map[string]any{"addresses": []any{map[string]any{"type": "InternalIP", "address": ip}}, "conditions": []any{map[string]any{"type": "Ready", "status": "True"}}}}
}

// TestUIInBrowser loads the UI in headless Chromium against a fake API:
// the pods table fills from the list, a pod pushed on the watch appears
// without a reload, the network map draws node1's pods with their veths
// on cni0 from the netinfo fixture, tracing a pod to a pod on the other
// node highlights the VXLAN path, an HPA's chart plots its watch events,
// and the screenshots are real pictures.
func TestUIInBrowser(t *testing.T) {
	f := &fakeAPI{lists: map[string][]any{
		"/api/v1/nodes": {node("mk9b-node1", "192.168.112.11", "10.244.1.0/24"), node("mk9b-node2", "192.168.112.12", "10.244.2.0/24")},
		"/api/v1/pods":  {pod("default", "web-1", "mk9b-node1", "10.244.1.2"), pod("default", "web-2", "mk9b-node2", "10.244.2.2")},
		"/api/v1/services": {map[string]any{"apiVersion": "v1", "kind": "Service", "metadata": map[string]any{"namespace": "default", "name": "web", "creationTimestamp": "2026-12-02T22:00:00Z"},
			"spec": map[string]any{"type": "NodePort", "clusterIP": "10.96.0.20", "selector": map[string]any{"app": "web"},
				"ports": []any{map[string]any{"port": 80, "nodePort": 30080, "protocol": "TCP"}}}}},
		"/apis/apps/v1/deployments": {map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"namespace": "default", "name": "web", "creationTimestamp": "2026-12-02T22:00:00Z"},
			"spec":   map[string]any{"replicas": 2, "template": map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"name": "web", "image": "minik8s/testserver"}}}}},
			"status": map[string]any{"readyReplicas": 2, "updatedReplicas": 2, "availableReplicas": 2}}},
		"/apis/autoscaling/v2/horizontalpodautoscalers": {},
	}, watchers: map[string][]chan any{}, netinfo: map[string][]byte{}}
	for _, n := range []string{"1", "2"} {
		b, err := os.ReadFile("testdata/netinfo-node" + n + ".json")
		if err != nil {
			t.Fatal(err)
		}
		f.netinfo["mk9b-node"+n] = b
	}
	srv := httptest.NewServer(f)
	// After the browser (cleanups run last-in first-out): its watches
	// hold requests open, which Close waits for.
	t.Cleanup(func() { srv.CloseClientConnections(); srv.Close() })
	br := uitest.New(t)
	ctx, cancel := context.WithTimeout(br.Ctx, 60*time.Second)
	defer cancel()

	br.Check("navigate", chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/ui/#/pods")))
	br.Poll(ctx, "pods listed", `document.querySelectorAll('#pods-table tbody tr').length === 2`, wait)
	br.Poll(ctx, "watching", `document.getElementById('conn').textContent === 'live'`, wait)
	f.waitWatch(t, "/api/v1/pods")
	f.push("/api/v1/pods", "ADDED", pod("default", "client", "mk9b-node1", "10.244.1.3"))
	br.Poll(ctx, "pushed pod shown without reload", `!!document.querySelector('#pods-table tr[data-key="default/client"]')`, wait)
	br.Shot(ctx, "pods.png")

	br.Check("nodes page", chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/ui/#/nodes")))
	br.Poll(ctx, "nodes listed with their pods", `[...document.querySelectorAll('#nodes-table tbody tr')].map((r) => r.cells[0].textContent + ' ' + r.cells[1].textContent + ' ' + r.cells[4].textContent).join(',') ===
		'mk9b-node1 Ready 2,mk9b-node2 Ready 1'`, wait)

	row := func(table string) string {
		return fmt.Sprintf(`[...document.querySelectorAll('#%s tbody tr')].map((r) => [...r.cells].map((c) => c.textContent).slice(0, 6).join(' ')).join(',')`, table)
	}
	br.Check("services page", chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/ui/#/services")))
	br.Poll(ctx, "service listed", row("services-table")+` === 'default web NodePort 10.96.0.20 80:30080/TCP app=web'`, wait)
	br.Check("deployments page", chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/ui/#/deployments")))
	br.Poll(ctx, "deployment listed", row("deployments-table")+` === 'default web 2/2 2 2 minik8s/testserver'`, wait)

	br.Check("network page", chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/ui/#/network/mk9b-node1")))
	br.Poll(ctx, "map drawn", `!!document.querySelector('#netmap-mk9b-node1 svg')`, wait)
	// Each pod of node1 has its veth (paired by ifindex) drawn on cni0.
	for _, v := range []string{"web-1:veth3f2a91c0", "client:veth77d0e1b4"} {
		p, veth, _ := strings.Cut(v, ":")
		br.Poll(ctx, "pod "+p, fmt.Sprintf(`!!document.getElementById('nm:mk9b-node1:pod:default/%s')`, p), wait)
		br.Poll(ctx, "veth "+veth, fmt.Sprintf(`(document.getElementById('nm:mk9b-node1:veth:%s')||{}).textContent.includes('master cni0')`, veth), wait)
	}
	br.Poll(ctx, "cni0", `document.getElementById('nm:mk9b-node1:bridge').textContent.includes('cni0 (bridge) 10.244.1.1/24')`, wait)
	br.Poll(ctx, "flannel.1", `document.getElementById('nm:mk9b-node1:vxlan').textContent.includes('VNI 1')`, wait)
	br.Poll(ctx, "route to node2", `document.getElementById('nm:mk9b-node1:route:10.244.2.0/24').textContent.includes('mk9b-node2')`, wait)

	// Trace client (node1) → web-2 (node2).
	_, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`(() => {
		const set = (id, v) => { const s = document.getElementById(id); s.value = v; s.dispatchEvent(new Event('change')); };
		set('trace-from', 'default/client'); set('trace-to', 'default/web-2'); })()`))
	br.Check("choose endpoints", err)
	br.Poll(ctx, "node2 drawn for the trace", `!!document.querySelector('#netmap-mk9b-node2 svg')`, wait)
	br.Poll(ctx, "path listed", `document.querySelectorAll('#trace-path li').length >= 10`, wait)
	hops, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#trace-path li')].map(l => l.dataset.hop)`))
	br.Check("hops", err)
	want := []string{"nm:mk9b-node1:pod:default/client", "nm:mk9b-node1:veth:veth77d0e1b4", "nm:mk9b-node1:bridge", "nm:mk9b-node1:route:10.244.2.0/24",
		"nm:mk9b-node1:vxlan", "nm:mk9b-node1:hostif", "nm:mk9b-node2:hostif", "nm:mk9b-node2:vxlan", "nm:mk9b-node2:route:10.244.2.0/24",
		"nm:mk9b-node2:bridge", "nm:mk9b-node2:veth:vethc1a0f3de", "nm:mk9b-node2:pod:default/web-2"}
	if strings.Join(hops, " ") != strings.Join(want, " ") {
		t.Errorf("hops\n got %v\nwant %v", hops, want)
	}
	br.Poll(ctx, "hops highlighted", fmt.Sprintf(`document.querySelectorAll('#main svg .hop').length >= %d`, len(want)), wait)
	br.Shot(ctx, "network.png")

	// Same node: client → web-1 is switched by cni0, no route hop.
	_, err = chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById('trace-to'); s.value = 'default/web-1'; s.dispatchEvent(new Event('change')); })()`))
	br.Check("same-node trace", err)
	br.Poll(ctx, "same-node path", `[...document.querySelectorAll('#trace-path li')].map(l => l.dataset.hop).join(' ') ===
		'nm:mk9b-node1:pod:default/client nm:mk9b-node1:veth:veth77d0e1b4 nm:mk9b-node1:bridge nm:mk9b-node1:veth:veth3f2a91c0 nm:mk9b-node1:pod:default/web-1'`, wait)

	// HPA: watch events become points of the chart.
	hpa := func(cur, util int) map[string]any {
		return map[string]any{"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
			"metadata": map[string]any{"namespace": "default", "name": "web", "creationTimestamp": "2026-12-02T22:00:00Z"},
			"spec": map[string]any{"scaleTargetRef": map[string]any{"kind": "Deployment", "name": "web"}, "minReplicas": 1, "maxReplicas": 5,
				"metrics": []any{map[string]any{"type": "Resource", "resource": map[string]any{"name": "cpu", "target": map[string]any{"type": "Utilization", "averageUtilization": 50}}}}},
			"status": map[string]any{"currentReplicas": cur, "desiredReplicas": cur,
				"currentMetrics": []any{map[string]any{"type": "Resource", "resource": map[string]any{"name": "cpu", "current": map[string]any{"averageUtilization": util}}}}}}
	}
	br.Check("hpa page", chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/ui/#/hpas/default/web")))
	br.Poll(ctx, "hpa page", `!!document.querySelector('h1') && document.querySelector('h1').textContent === 'HPA default/web'`, wait)
	f.waitWatch(t, "/apis/autoscaling/v2/horizontalpodautoscalers")
	for i, s := range [][2]int{{1, 120}, {3, 80}, {4, 45}} {
		f.push("/apis/autoscaling/v2/horizontalpodautoscalers", map[bool]string{true: "ADDED", false: "MODIFIED"}[i == 0], hpa(s[0], s[1]))
		time.Sleep(100 * time.Millisecond)
	}
	br.Poll(ctx, "chart samples", `+document.getElementById('hpa-chart').dataset.samples === 3`, wait)
	br.Poll(ctx, "status shows", `document.getElementById('hpa-status').textContent.includes('4 / 4')`, wait)
	br.Shot(ctx, "hpa.png")
	if errs := br.Errors(); len(errs) > 0 {
		t.Errorf("the page reported errors: %v", errs)
	}
}

// TestUISignIn: opened straight on the apiserver (no kubectl proxy), the
// API answers 401; the page asks for a bearer token, keeps it in the tab's
// sessionStorage and sends it on every request.
func TestUISignIn(t *testing.T) {
	f := &fakeAPI{token: "s3cret", lists: map[string][]any{
		"/api/v1/pods": {pod("default", "web-1", "mk9b-node1", "10.244.1.2")},
		"/apis/autoscaling/v2/horizontalpodautoscalers": {},
	}, watchers: map[string][]chan any{}}
	srv := httptest.NewServer(f)
	t.Cleanup(func() { srv.CloseClientConnections(); srv.Close() })
	br := uitest.New(t)
	ctx, cancel := context.WithTimeout(br.Ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/ui/#/pods")); err != nil {
		t.Fatal(err)
	}
	br.Poll(ctx, "sign-in asked", `document.getElementById('login').open && document.getElementById('login-why').textContent.includes('401')`, wait)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById('login-token').value = 's3cret'; document.getElementById('login-ok').click()`)); err != nil {
		t.Fatal(err)
	}
	br.Poll(ctx, "pods listed with the token", `document.querySelectorAll('#pods-table tbody tr').length === 1 && sessionStorage.getItem('minik8s-ui-token') === 's3cret'`, wait)
}

// hostGW turns a vxlan fixture into the same node on host-gw: no
// flannel.1, and the route to the other node's pods via its address.
func hostGW(t *testing.T, raw []byte, peerCIDR, peerIP string) []byte {
	t.Helper()
	var n netinfo.Node
	if err := json.Unmarshal(raw, &n); err != nil {
		t.Fatal(err)
	}
	n.Backend = "host-gw"
	links := n.Links[:0]
	for _, l := range n.Links {
		if l.Kind != "vxlan" {
			links = append(links, l)
		}
	}
	n.Links = links
	for i, r := range n.Routes {
		if r.Dst == peerCIDR {
			n.Routes[i] = netinfo.Route{Dst: peerCIDR, Gateway: peerIP, Dev: "eth0", DevIndex: 2, Table: 254, Type: "unicast", Scope: "universe", Protocol: "boot"}
		}
	}
	n.Routes = append(n.Routes, netinfo.Route{Dst: "default", Gateway: "192.168.112.1", Dev: "eth0", DevIndex: 2, Table: 254, Type: "unicast"})
	out, err := json.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestUIHostGWTrace: on host-gw the path leaves by the node's interface
// to the peer's address, with no flannel.1 on the map or the path.
func TestUIHostGWTrace(t *testing.T) {
	f := &fakeAPI{lists: map[string][]any{
		"/api/v1/nodes": {node("mk9b-node1", "192.168.112.11", "10.244.1.0/24"), node("mk9b-node2", "192.168.112.12", "10.244.2.0/24")},
		"/api/v1/pods":  {pod("default", "client", "mk9b-node1", "10.244.1.3"), pod("default", "web-2", "mk9b-node2", "10.244.2.2")},
		"/apis/autoscaling/v2/horizontalpodautoscalers": {},
	}, watchers: map[string][]chan any{}, netinfo: map[string][]byte{}}
	for n, peer := range map[string][2]string{"1": {"10.244.2.0/24", "192.168.112.12"}, "2": {"10.244.1.0/24", "192.168.112.11"}} {
		b, err := os.ReadFile("testdata/netinfo-node" + n + ".json")
		if err != nil {
			t.Fatal(err)
		}
		f.netinfo["mk9b-node"+n] = hostGW(t, b, peer[0], peer[1])
	}
	srv := httptest.NewServer(f)
	t.Cleanup(func() { srv.CloseClientConnections(); srv.Close() })
	br := uitest.New(t)
	ctx, cancel := context.WithTimeout(br.Ctx, 60*time.Second)
	defer cancel()
	br.Check("network page", chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/ui/#/network/mk9b-node1")))
	br.Poll(ctx, "map drawn without flannel.1", `!!document.getElementById('nm:mk9b-node1:bridge') && !document.getElementById('nm:mk9b-node1:vxlan')`, wait)
	_, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`(() => {
		const set = (id, v) => { const s = document.getElementById(id); s.value = v; s.dispatchEvent(new Event('change')); };
		set('trace-from', 'default/client'); set('trace-to', 'default/web-2'); })()`))
	br.Check("choose endpoints", err)
	br.Poll(ctx, "host-gw path", `[...document.querySelectorAll('#trace-path li')].map(l => l.dataset.hop).join(' ') ===
		'nm:mk9b-node1:pod:default/client nm:mk9b-node1:veth:veth77d0e1b4 nm:mk9b-node1:bridge nm:mk9b-node1:route:10.244.2.0/24 nm:mk9b-node1:hostif nm:mk9b-node2:hostif nm:mk9b-node2:route:10.244.2.0/24 nm:mk9b-node2:bridge nm:mk9b-node2:veth:vethc1a0f3de nm:mk9b-node2:pod:default/web-2'`, wait)
	br.Poll(ctx, "next hop named", `document.getElementById('trace-path').textContent.includes('via 192.168.112.12 dev eth0')`, wait)
	br.Shot(ctx, "network-hostgw.png")
}
