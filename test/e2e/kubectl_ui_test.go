package e2e

// Part "ui" of TestKubectlOnLab (issue 15): the web UI in a real browser.
// Debian's Chromium, headless, driven by chromedp, opens /ui through our
// `kubectl proxy` (the learner's way in), sees a pod created after the
// page loaded appear without a reload, finds on a node's network map the
// pods' eth0 with their host-side veths on cni0 (the veth named is the
// real one: `ip link` in the node's namespace shows it on cni0), traces a
// pod on node1 to a pod on node2 across flannel.1, and saves screenshots
// that must be real pictures. The real kubectl's proxy passes /ui too; an
// anonymous request straight to the apiserver is refused.

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"minik8s/apiserver/ui/uitest"
	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
)

func init() { registerKubectlE2E("ui", testUIOnLab) }

// startKubectlProxy runs `argv proxy --port=0` and returns its address
// (it prints "Starting to serve on 127.0.0.1:PORT"); stopped at cleanup.
func startKubectlProxy(t *testing.T, argv ...string) string {
	t.Helper()
	cmd := exec.Command(argv[0], append(argv[1:], "proxy", "--port=0")...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("%v proxy: %v", argv, err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "Starting to serve on "); ok {
				addr <- a
			}
		}
	}()
	select {
	case a := <-addr:
		return "http://" + a
	case <-time.After(15 * time.Second):
		t.Fatalf("%v proxy printed no address", argv)
		return ""
	}
}

func testUIOnLab(ctx context.Context, t *testing.T, cl *cluster) {
	const ns = "e2e-ui"
	n1, n2 := cl.node(1).Name, cl.node(2).Name

	// Straight to the apiserver without credentials: system:anonymous may
	// not get /ui (Kubernetes' 403 for a non-resource URL).
	caPEM, err := os.ReadFile(cl.pki.CAFile())
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	anon := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	if resp, err := anon.Get(cl.url + "/ui/"); err != nil {
		t.Errorf("anonymous GET /ui/: %v", err)
	} else {
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("anonymous GET /ui/: %d, want 403 (or 401)", resp.StatusCode)
		}
	}
	// The real kubectl's proxy passes /ui through (its default filter).
	if real, err := exec.LookPath("kubectl"); err == nil {
		base := startKubectlProxy(t, real, "--kubeconfig", cl.kubeconfig)
		resp, err := http.Get(base + "/ui/")
		if err != nil {
			t.Fatalf("real kubectl proxy GET /ui/: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("real kubectl proxy GET /ui/: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}

	base := startKubectlProxy(t, cl.bin, "kubectl", "--kubeconfig", cl.kubeconfig)
	br := uitest.New(t) // skips here if Chromium is missing
	bctx, cancel := context.WithTimeout(br.Ctx, 4*time.Minute)
	defer cancel()

	br.Check("open /ui", chromedp.Do(bctx, chromedp.Navigate(base+"/ui/#/pods")))
	br.Poll(bctx, "pods page", `!!document.getElementById('pods-table')`, 20*time.Second)
	br.Poll(bctx, "watching", `document.getElementById('conn').textContent === 'live'`, 20*time.Second)

	if out, err := cl.kubectl(ctx, "create", "namespace", ns); err != nil {
		t.Fatalf("create namespace: %v %s", err, out)
	}
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		nsInfo, _ := api.ForKind("v1", "Namespace")
		_ = cl.c.Delete(cctx, nsInfo, "", ns, nil)
		for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline) && cctx.Err() == nil; {
			if pods, _, err := cl.c.Pods(ns).List(cctx, mkclient.ListOptions{}); err != nil || len(pods) == 0 {
				return
			}
			time.Sleep(time.Second)
		}
	})
	sleeper := func(name, node string) *api.Pod {
		return &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, Namespace: ns}, Spec: api.PodSpec{NodeName: node,
			Containers: []api.Container{{Name: "tools", Image: "docker.io/minik8s/tools:latest",
				Command: []string{"sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"}}}}}
	}
	cmCreatePod(ctx, t, cl, sleeper("ui-a", n1))
	// The new pod shows up in the open page, then turns Running with its IP.
	br.Poll(bctx, "new pod appears without a reload", `!!document.querySelector('#pods-table tr[data-key="e2e-ui/ui-a"]')`, 20*time.Second)
	pa := cmWaitPod(ctx, t, cl, ns, "ui-a", 90*time.Second, "Running", allRunning)
	br.Poll(bctx, "pod Running with its IP", fmt.Sprintf(`(document.querySelector('#pods-table tr[data-key="e2e-ui/ui-a"]')||{textContent:''}).textContent.includes('Running') &&
		document.querySelector('#pods-table tr[data-key="e2e-ui/ui-a"]').textContent.includes(%q)`, pa.Status.PodIP), 30*time.Second)
	br.Shot(bctx, "pods.png")

	cmCreatePod(ctx, t, cl, sleeper("ui-b", n1))
	cmCreatePod(ctx, t, cl, sleeper("ui-c", n2))
	for _, n := range []string{"ui-b", "ui-c"} {
		cmWaitPod(ctx, t, cl, ns, n, 90*time.Second, "Running", allRunning)
	}

	// The network map of node1: each pod's eth0 and its veth on cni0.
	br.Check("network page", chromedp.Do(bctx, chromedp.Navigate(base+"/ui/#/network/"+n1)))
	for _, p := range []string{"ui-a", "ui-b"} {
		id := fmt.Sprintf("nm:%s:pod:%s/%s", n1, ns, p)
		br.Poll(bctx, "map shows "+p, fmt.Sprintf(`!!document.getElementById(%q)`, id), 30*time.Second)
	}
	vethNames, err := chromedp.Run(bctx, chromedp.Evaluate[map[string]string](fmt.Sprintf(`Object.fromEntries([...document.querySelectorAll('g[data-pod]')]
		.filter((g) => g.id.startsWith('nm:%s:veth:')).map((g) => [g.dataset.pod, g.id.split(':veth:')[1] + ' ' + g.textContent]))`, n1)))
	br.Check("veths", err)
	for _, p := range []string{"ui-a", "ui-b"} {
		v, ok := vethNames[ns+"/"+p]
		if !ok {
			t.Fatalf("no veth drawn for %s on %s: %v", p, n1, vethNames)
		}
		name, text, _ := strings.Cut(v, " ")
		if !strings.Contains(text, "master cni0") {
			t.Errorf("veth %s of %s drawn as %q, want it on cni0", name, p, text)
		}
		// The kernel agrees: the veth is a port of cni0 in node1's namespace.
		out, err := nodeExec(ctx, n1, "ip", "-o", "link", "show", "dev", name)
		if err != nil || !strings.Contains(out, "master cni0") {
			t.Errorf("ip link show %s in %s: %v %q, want master cni0", name, n1, err, out)
		}
	}
	br.Poll(bctx, "cni0 drawn", fmt.Sprintf(`document.getElementById('nm:%s:bridge').textContent.includes('cni0')`, n1), 10*time.Second)

	// Trace ui-a (node1) → ui-c (node2): the VXLAN path is listed and lit.
	_, err = chromedp.Run(bctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		const set = (id, v) => { const s = document.getElementById(id); s.value = v; s.dispatchEvent(new Event('change')); };
		set('trace-from', %q); set('trace-to', %q); })()`, ns+"/ui-a", ns+"/ui-c")))
	br.Check("choose endpoints", err)
	br.Poll(bctx, "node2's map for the trace", fmt.Sprintf(`!!document.getElementById('netmap-%s')`, n2), 30*time.Second)
	br.Poll(bctx, "path ends at ui-c", fmt.Sprintf(`(() => { const h = [...document.querySelectorAll('#trace-path li')].map((l) => l.dataset.hop);
		return h[0] === 'nm:%[1]s:pod:%[3]s/ui-a' && h.includes('nm:%[1]s:vxlan') && h.includes('nm:%[2]s:vxlan') && h[h.length-1] === 'nm:%[2]s:pod:%[3]s/ui-c'; })()`, n1, n2, ns), 30*time.Second)
	br.Poll(bctx, "path highlighted", `document.querySelectorAll('#main svg .hop').length >= 8`, 10*time.Second)
	br.Shot(bctx, "network.png")
	t.Logf("screenshots in %s", br.Dir)
	if errs := br.Errors(); len(errs) > 0 {
		t.Errorf("the page reported errors: %v", errs)
	}
}
