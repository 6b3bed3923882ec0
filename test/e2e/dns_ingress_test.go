package e2e

// Cluster DNS and Ingress end to end (issue 11): a two-node lab with the
// kubelet (--cluster-dns 10.96.0.10) and kube-proxy in every node
// namespace, and the controller-manager keeping the dns and ingress
// add-ons (kube-dns Deployment and Service, the ingress DaemonSet), all on
// real containers of the minik8s image. Every query and request is sent
// from inside a pod or a node namespace (traffic safety), bounded in count
// and time.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	"minik8s/controller"
	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
)

const (
	dnsIngPrefix = "mk8q"
	dnsIngNet3   = "192.168.99"
)

// withAddons enables the dns and ingress add-ons in the controller-manager.
func withAddons(o *controller.Options) { o.Addons = []string{"dns", "ingress"} }

// waitSystemPods waits until n pods of kube-system with the label selector
// are Running and ready, and returns them.
func (cl *cluster) waitSystemPods(ctx context.Context, tb testing.TB, selector string, n int, d time.Duration) []*api.Pod {
	tb.Helper()
	var ready []*api.Pod
	eventuallyOK(tb, d, fmt.Sprintf("%d ready kube-system pods %s", n, selector), func() string {
		pods, _, err := cl.c.Pods("kube-system").List(ctx, mkclient.ListOptions{LabelSelector: selector})
		if err != nil {
			return err.Error()
		}
		ready = ready[:0]
		var states []string
		for _, p := range pods {
			if p.DeletionTimestamp == nil && allRunning(p) {
				ready = append(ready, p)
			}
			states = append(states, fmt.Sprintf("%s %s on %q", p.Name, p.Status.Phase, p.Spec.NodeName))
		}
		if len(ready) != n {
			return fmt.Sprintf("%d ready: %v", len(ready), states)
		}
		return ""
	})
	return ready
}

// httpdPod is a busybox httpd on port 8080 answering "pod: <name>" at /,
// /a and /b (the Ingress passes paths through; testserver serves only /).
func httpdPod(name, node string, labels map[string]string) *api.Pod {
	return &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, Labels: labels}, Spec: api.PodSpec{
		NodeName: node,
		Containers: []api.Container{{Name: "web", Image: "docker.io/minik8s/tools:latest",
			Command: []string{"sh", "-c", "mkdir -p /www && for f in index.html a b; do echo pod: " + name + " > /www/$f; done && exec httpd -f -p 8080 -h /www"},
			Ports:   []api.ContainerPort{{ContainerPort: 8080}}}},
	}}
}

// dashed is an IPv4 address as a DNS label (10.244.1.5 → 10-244-1-5).
func dashed(ip string) string { return strings.ReplaceAll(ip, ".", "-") }

var realTime = regexp.MustCompile(`real\s+(\d+)m\s*([0-9.]+)s`)

func TestDNSIngress(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	cl := startCluster(ctx, t, clusterConfig{Prefix: dnsIngPrefix, Net3: dnsIngNet3, Nodes: 2, Controllers: withAddons})
	n1, n2 := cl.node(1), cl.node(2)
	t.Cleanup(func() {
		if t.Failed() {
			cctx, ccancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer ccancel()
			out, _ := cl.kubectl(cctx, "get", "pods", "-n", "kube-system", "-o", "wide")
			t.Logf("kube-system pods:\n%s", out)
			out, _ = cl.kubectl(cctx, "get", "ingress", "-o", "yaml")
			t.Logf("ingresses:\n%s", tail(out, 3000))
			pods, _, _ := cl.c.Pods("kube-system").List(cctx, mkclient.ListOptions{})
			for _, p := range pods {
				out, _ = cl.kubectl(cctx, "logs", "-n", "kube-system", p.Name)
				t.Logf("%s log (tail):\n%s", p.Name, tail(out, 2500))
			}
			for _, n := range cl.nodes {
				t.Logf("kube-proxy %s log (tail):\n%s", n.Name, tail(n.proxyLog(), 3000))
			}
		}
	})
	cl.startKubelets(ctx, t, "vxlan")

	start := time.Now()
	web := func(name, node, app string) *api.Pod {
		return httpdPod(name, node, map[string]string{"app": app, "role": "web"})
	}
	for _, p := range []*api.Pod{toolsPod("tools1", n1.Name), toolsPod("tools2", n2.Name), web("a-1", n1.Name, "a"), web("b-1", n2.Name, "b")} {
		cl.createPod(ctx, t, p)
	}
	pods := map[string]*api.Pod{}
	for _, name := range []string{"tools1", "tools2", "a-1", "b-1"} {
		pods[name] = cl.waitRunning(ctx, t, name)
	}
	dnsPods := cl.waitSystemPods(ctx, t, "k8s-app=kube-dns", 2, 3*time.Minute)
	cl.waitSystemPods(ctx, t, "app.kubernetes.io/name=minik8s-ingress", 2, 2*time.Minute)
	t.Logf("pods, kube-dns and ingress pods ready in %v", time.Since(start).Round(time.Millisecond))
	tools1, tools2 := pods["tools1"], pods["tools2"]

	svc := func(name string, selector map[string]string, headless bool) *api.Service {
		s := &api.Service{ObjectMeta: api.ObjectMeta{Name: name}, Spec: api.ServiceSpec{Selector: selector,
			Ports: []api.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080)}}}}
		if headless {
			s.Spec.ClusterIP = "None"
		}
		out, err := cl.c.Services("default").Create(ctx, s)
		if err != nil {
			t.Fatalf("create service %s: %v", name, err)
		}
		return out
	}
	svcA := svc("svc-a", map[string]string{"app": "a"}, false)
	svcB := svc("svc-b", map[string]string{"app": "b"}, false)
	svc("web", map[string]string{"role": "web"}, true)
	aIP, bIP := pods["a-1"].Status.PodIP, pods["b-1"].Status.PodIP

	lookup := func(from *api.Pod, args ...string) (string, error) {
		return podExec(ctx, from, "tools", append([]string{"timeout", "10", "nslookup"}, args...)...)
	}
	// resolves waits until every want appears in the answer. Busybox's
	// nslookup asks every search-path expansion at once and exits 1 when
	// any of them is NXDOMAIN, so its status says nothing here.
	resolves := func(t *testing.T, from *api.Pod, want []string, args ...string) {
		t.Helper()
		eventuallyOK(t, 30*time.Second, fmt.Sprintf("nslookup %v from %s", args, from.Name), func() string {
			out, err := lookup(from, args...)
			for _, w := range want {
				if !strings.Contains(out, w) {
					return fmt.Sprintf("no %q in (%v):\n%s", w, err, out)
				}
			}
			return ""
		})
	}
	get := func(from *api.Pod, node string, args ...string) (string, error) {
		if from != nil {
			return podExec(ctx, from, "tools", append([]string{"timeout", "5", "wget", "-q", "-O", "-"}, args...)...)
		}
		return nodeExec(ctx, node, append([]string{"timeout", "5", "busybox", "wget", "-q", "-O", "-"}, args...)...)
	}
	// reaches waits until the request is answered by pod want.
	reaches := func(t *testing.T, from *api.Pod, node, want string, args ...string) {
		t.Helper()
		eventuallyOK(t, 30*time.Second, fmt.Sprintf("wget %v from %s%s", args, node, podName(from)), func() string {
			body, err := get(from, node, args...)
			if h := parseHello(body); err != nil || h.pod != want {
				return fmt.Sprintf("%q, %v (want pod %s)", body, err, want)
			}
			return ""
		})
	}

	t.Run("service names", func(t *testing.T) {
		for _, from := range []*api.Pod{tools1, tools2} {
			// Busybox's nslookup expands the search path only for names
			// without a dot: name.ns is proven by wget (a real resolver).
			for _, name := range []string{"svc-a", "svc-a.default.svc.cluster.local"} {
				resolves(t, from, []string{svcA.Spec.ClusterIP}, name)
			}
		}
		reaches(t, tools1, "", "a-1", "http://svc-a.default/")
		resolves(t, tools1, []string{aIP, bIP}, "web.default.svc.cluster.local")
		resolves(t, tools1, []string{"svc-b.default.svc.cluster.local", " 80 "}, "-type=SRV", "_http._tcp.svc-b.default.svc.cluster.local")
		resolves(t, tools1, []string{"svc-b.default.svc.cluster.local"}, svcB.Spec.ClusterIP)
		// An endpoint's address: its endpoint name under one of its Services.
		resolves(t, tools1, []string{"name = " + dashed(aIP) + ".", ".default.svc.cluster.local"}, aIP)
		resolves(t, tools1, []string{dashed(tools2.Status.PodIP) + ".default.pod.cluster.local"}, tools2.Status.PodIP)
		reaches(t, tools2, "", "a-1", "http://svc-a/")
		reaches(t, tools1, "", "b-1", "http://svc-b.default:80/")
	})

	t.Run("an unknown name fails fast", func(t *testing.T) {
		for _, name := range []string{"nosuch.default.svc.cluster.local", "nosuch"} {
			out, err := podExec(ctx, tools1, "tools", "timeout", "10", "time", "nslookup", name)
			m := realTime.FindStringSubmatch(out)
			if err == nil || !strings.Contains(out, "NXDOMAIN") || strings.Contains(out, "Name:") || m == nil {
				t.Errorf("nslookup %s: %v\n%s(want NXDOMAIN and a time)", name, err, out)
				continue
			}
			min, _ := strconv.Atoi(m[1])
			sec, _ := strconv.ParseFloat(m[2], 64)
			took := time.Duration((float64(min)*60 + sec) * float64(time.Second))
			t.Logf("nslookup %s: NXDOMAIN in %v", name, took)
			if took >= 3*time.Second {
				t.Errorf("nslookup %s took %v, want < 3s", name, took)
			}
		}
	})

	ingressYAML := func(svcForA, svcForB string) string {
		return fmt.Sprintf(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
spec:
  rules:
  - host: shop.example
    http:
      paths:
      - path: /a
        pathType: Prefix
        backend:
          service:
            name: %s
            port:
              number: 80
      - path: /b
        pathType: Prefix
        backend:
          service:
            name: %s
            port:
              name: http
`, svcForA, svcForB)
	}
	apply := func(yaml string) {
		t.Helper()
		path := filepath.Join(t.TempDir(), "ingress.yaml")
		if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := cl.kubectl(ctx, "apply", "-f", path); err != nil {
			t.Fatalf("kubectl apply: %v\n%s", err, out)
		}
	}

	t.Run("ingress", func(t *testing.T) {
		apply(ingressYAML("svc-a", "svc-b"))
		host := "Host: shop.example"
		for _, c := range []struct{ from, to *clusterNode }{{n1, n1}, {n2, n1}, {n1, n2}} {
			reaches(t, nil, c.from.Name, "a-1", "--header", host, "http://"+c.to.IP+"/a")
			reaches(t, nil, c.from.Name, "b-1", "--header", host, "http://"+c.to.IP+"/b")
		}
		out, err := get(nil, n1.Name, "--header", host, "http://"+n1.IP+"/c")
		if err == nil || !strings.Contains(out, "404") {
			t.Errorf("GET /c: %q, %v; want 404", out, err)
		}
		// The status: both nodes, in kubectl and in the DNS.
		eventuallyOK(t, 30*time.Second, "kubectl get ingress ADDRESS", func() string {
			out, err := cl.kubectl(ctx, "get", "ingress", "shop")
			if err != nil || !strings.Contains(out, "ADDRESS") || !strings.Contains(out, n1.IP) || !strings.Contains(out, n2.IP) {
				return fmt.Sprintf("%v:\n%s", err, out)
			}
			return ""
		})
		resolves(t, tools1, []string{n1.IP, n2.IP}, "shop.example")
		reaches(t, tools1, "", "a-1", "http://shop.example/a")
		reaches(t, tools2, "", "b-1", "http://shop.example/b")

		// Swapped backends are live within seconds.
		apply(ingressYAML("svc-b", "svc-a"))
		began := time.Now()
		for _, n := range []*clusterNode{n1, n2} {
			reaches(t, nil, n.Name, "b-1", "--header", host, "http://"+n.IP+"/a")
			reaches(t, nil, n.Name, "a-1", "--header", host, "http://"+n.IP+"/b")
		}
		t.Logf("swapped backends live on both nodes after %v", time.Since(began).Round(time.Millisecond))
	})

	t.Run("resilience", func(t *testing.T) {
		victim := dnsPods[0]
		grace := int64(5)
		if err := cl.c.Pods("kube-system").Delete(ctx, victim.Name, &api.DeleteOptions{GracePeriodSeconds: &grace}); err != nil {
			t.Fatalf("delete %s: %v", victim.Name, err)
		}
		// Lookups while the pod goes and its replacement comes (bounded: 20).
		failed := 0
		for i := 0; i < 20; i++ {
			out, err := lookup(tools1, "svc-a.default.svc.cluster.local.")
			if err != nil || !strings.Contains(out, svcA.Spec.ClusterIP) {
				failed++
				t.Logf("lookup %d while %s is replaced: %v\n%s", i, victim.Name, err, out)
			}
			time.Sleep(500 * time.Millisecond)
		}
		if failed > 0 {
			t.Errorf("%d of 20 lookups failed while a kube-dns pod was replaced", failed)
		}
		now := cl.waitSystemPods(ctx, t, "k8s-app=kube-dns", 2, 2*time.Minute)
		for _, p := range now {
			if p.Name == victim.Name {
				t.Errorf("deleted pod %s is still listed ready", victim.Name)
			}
		}

		// The add-on manager puts a deleted kube-dns Service back.
		if err := cl.c.Services("kube-system").Delete(ctx, "kube-dns", nil); err != nil {
			t.Fatalf("delete kube-dns Service: %v", err)
		}
		eventuallyOK(t, 90*time.Second, "kube-dns Service recreated", func() string {
			s, err := cl.c.Services("kube-system").Get(ctx, "kube-dns")
			if err != nil {
				return err.Error()
			}
			if s.Spec.ClusterIP != "10.96.0.10" {
				return "clusterIP " + s.Spec.ClusterIP
			}
			return ""
		})
		resolves(t, tools2, []string{svcB.Spec.ClusterIP}, "svc-b")
	})
}
