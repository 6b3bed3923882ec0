package e2e

// Services end to end (issue 9): a two-node lab per network backend with
// the kubelet and kube-proxy in every node namespace, the endpoint
// controllers in the in-process controller-manager, and real pods. Every
// request is sent from inside a pod or a node namespace (traffic safety);
// load loops are bounded in count.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"minik8s/kubelet/network"
	"minik8s/pkg/api"
)

// daemon is a process the harness runs in a node namespace.
type daemon struct {
	cmd     *exec.Cmd
	done    chan struct{}
	logPath string
}

// proxyMu guards clusterNode.proxy (startKubelet holds n.mu when it starts
// the proxy).
var proxyMu sync.Mutex

// startKubeProxy runs `minik8s kubeproxy` in the node's namespace unless it
// runs already (it outlives kubelet restarts, as on a real node).
func (cl *cluster) startKubeProxy(tb testing.TB, n *clusterNode) {
	tb.Helper()
	proxyMu.Lock()
	defer proxyMu.Unlock()
	if n.proxy != nil {
		return
	}
	logPath := filepath.Join(cl.logDir, "kubeproxy-"+n.Name+".log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		tb.Fatal(err)
	}
	fmt.Fprintf(logf, "=== %s: kube-proxy starting\n", time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command("ip", "netns", "exec", n.Name, cl.bin, "kubeproxy",
		"--hostname-override", n.Name, "--node-ip", n.IP, "--apiserver", cl.labURL,
		"--kubeconfig", filepath.Join(cl.pki.Dir, "kube-proxy.kubeconfig"),
		"--cluster-cidr", "10.244.0.0/16", "--iptables-backend", "legacy")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		tb.Fatalf("starting kube-proxy %s: %v", n.Name, err)
	}
	d := &daemon{cmd: cmd, done: make(chan struct{}), logPath: logPath}
	go func() { _ = cmd.Wait(); logf.Close(); close(d.done) }()
	n.proxy = d
}

// stopKubeProxy stops the node's kube-proxy (SIGTERM, SIGKILL after 10s).
func (n *clusterNode) stopKubeProxy() {
	proxyMu.Lock()
	d := n.proxy
	n.proxy = nil
	proxyMu.Unlock()
	if d == nil {
		return
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(10 * time.Second):
		_ = d.cmd.Process.Kill()
		<-d.done
	}
}

func (n *clusterNode) proxyLog() string {
	proxyMu.Lock()
	defer proxyMu.Unlock()
	if n.proxy == nil {
		return ""
	}
	b, _ := os.ReadFile(n.proxy.logPath)
	return string(b)
}

func TestServicesVXLAN(t *testing.T) {
	testServices(t, clusterConfig{Prefix: "mk8v", Net3: "192.168.92", Nodes: 2}, network.BackendVXLAN)
}

func TestServicesHostGW(t *testing.T) {
	testServices(t, clusterConfig{Prefix: "mk8g", Net3: "192.168.93", Nodes: 2}, network.BackendHostGW)
}

// hwPod is one replica of the seeds' two-container hw-pod
// (examples/deployment-two-containers.yaml) with an emptyDir instead of the
// hostPath: the viewer (testserver) on 80, and busybox httpd on 6800 and
// 6880 serving an index.html that names the pod.
func hwPod(name, node string) *api.Pod {
	return &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, Labels: map[string]string{"name": "hw-pod"}}, Spec: api.PodSpec{
		NodeName: node,
		Containers: []api.Container{
			{Name: "viewer", Image: "docker.io/minik8s/testserver:latest",
				Env:   []api.EnvVar{{Name: "POD_NAME", Value: name}, {Name: "PORT", Value: "80"}},
				Ports: []api.ContainerPort{{Name: "viewer-port", ContainerPort: 80}}},
			{Name: "downloader", Image: "docker.io/minik8s/tools:latest",
				Command: []string{"sh", "-c", "mkdir -p /data && echo pod: " + name + " > /data/index.html && httpd -p 6800 -h /data && exec httpd -f -p 6880 -h /data"},
				Ports:   []api.ContainerPort{{Name: "down-port1", ContainerPort: 6800}, {Name: "down-port2", ContainerPort: 6880}}},
		},
	}}
}

// labeled is a testserver pod on port (0: 8080) with the given labels.
func labeled(name, node string, port int32, labels map[string]string) *api.Pod {
	p := webPod(name, node, port)
	p.Labels = labels
	return p
}

func testServices(t *testing.T, cfg clusterConfig, backend string) {
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	cl := startCluster(ctx, t, cfg)
	n1, n2 := cl.node(1), cl.node(2)
	t.Cleanup(func() {
		if t.Failed() {
			for _, n := range cl.nodes {
				t.Logf("kube-proxy %s log (tail):\n%s", n.Name, tail(n.proxyLog(), 4000))
				if out, _ := nodeExec(context.Background(), n.Name, "iptables-legacy-save", "-t", "nat"); out != "" {
					t.Logf("%s nat (tail):\n%s", n.Name, tail(out, 6000))
				}
			}
		}
	})
	cl.startKubelets(ctx, t, backend)

	start := time.Now()
	for _, p := range []*api.Pod{
		hwPod("hw-1", n1.Name), hwPod("hw-2", n1.Name), hwPod("hw-3", n2.Name),
		toolsPod("tools1", n1.Name), toolsPod("tools2", n2.Name),
		labeled("hello-1", n1.Name, 0, map[string]string{"mylabel": "label_hello_world"}),
		labeled("aff-1", n1.Name, 9376, map[string]string{"app": "test-clientip"}),
		labeled("aff-2", n2.Name, 9376, map[string]string{"app": "test-clientip"}),
		labeled("local-1", n1.Name, 0, map[string]string{"app": "local"}),
		labeled("local-2", n2.Name, 0, map[string]string{"app": "local"}),
	} {
		cl.createPod(ctx, t, p)
	}
	pods := map[string]*api.Pod{}
	for _, name := range []string{"hw-1", "hw-2", "hw-3", "tools1", "tools2", "hello-1", "aff-1", "aff-2", "local-1", "local-2"} {
		pods[name] = cl.waitRunning(ctx, t, name)
	}
	t.Logf("10 pods Running in %v", time.Since(start).Round(time.Millisecond))
	tools1, tools2 := pods["tools1"], pods["tools2"]

	// The Services: the seeds' multi-port and NodePort examples as they
	// are, the ClientIP example's Service, a Local NodePort, one without
	// endpoints.
	apply := func(name, yaml string) *api.Service {
		t.Helper()
		path := filepath.Join(t.TempDir(), name+".yaml")
		if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := cl.kubectl(ctx, "apply", "-f", path); err != nil {
			t.Fatalf("kubectl apply %s: %v\n%s", name, err, out)
		}
		svc, err := cl.c.Services("default").Get(ctx, name)
		if err != nil || svc.Spec.ClusterIP == "" {
			t.Fatalf("service %s: %+v, %v", name, svc, err)
		}
		return svc
	}
	example := func(file string) string {
		b, err := os.ReadFile(filepath.Join(repoRoot(t), "examples", file))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	hw := apply("hw-service", example("service-multiport.yaml"))
	helloSvc := apply("hello-world-service", example("nodeport-service.yaml"))
	affDocs := strings.Split(example("clientip-affinity.yaml"), "\n---\n")
	aff := apply("test-clientip", affDocs[len(affDocs)-1])
	local := apply("local", `apiVersion: v1
kind: Service
metadata:
  name: local
spec:
  type: NodePort
  externalTrafficPolicy: Local
  selector:
    app: local
  ports:
  - port: 80
    targetPort: 8080
`)
	empty := apply("empty", `apiVersion: v1
kind: Service
metadata:
  name: empty
spec:
  selector:
    app: nothing-has-this-label
  ports:
  - port: 80
    targetPort: 8080
`)
	hwIP, helloIP, affIP := hw.Spec.ClusterIP, helloSvc.Spec.ClusterIP, aff.Spec.ClusterIP
	localNP := local.Spec.Ports[0].NodePort

	// get fetches url once from inside a tools pod, or from a node
	// namespace when from is nil.
	get := func(from *api.Pod, node, url string) (string, error) {
		if from != nil {
			return podExec(ctx, from, "tools", "timeout", "5", "wget", "-q", "-O", "-", url)
		}
		return nodeExec(ctx, node, "timeout", "5", "busybox", "wget", "-q", "-O", "-", url)
	}
	// answers waits until url (from a pod or a node) is answered by one of
	// the pods in want, and returns who answered.
	answers := func(t *testing.T, from *api.Pod, node, url string, want ...string) hello {
		t.Helper()
		var h hello
		eventuallyOK(t, 30*time.Second, fmt.Sprintf("GET %s from %s%s", url, node, podName(from)), func() string {
			body, err := get(from, node, url)
			h = parseHello(body)
			for _, w := range want {
				if err == nil && h.pod == w {
					return ""
				}
			}
			return fmt.Sprintf("%q, %v (want one of %v)", body, err, want)
		})
		return h
	}
	// loop runs n requests to url inside a tools pod in one shell loop and
	// returns the answering pods' counts and the number of failures.
	loop := func(from *api.Pod, url string, n int, pause string) (map[string]int, int, error) {
		script := fmt.Sprintf(`f=0; for i in $(seq %d); do timeout 3 wget -q -O - %s 2>/dev/null | grep '^pod: ' || f=$((f+1)); %s done; echo "failed: $f"`, n, url, pause)
		out, err := podExec(ctx, from, "tools", "timeout", "120", "sh", "-c", script)
		counts, failed := map[string]int{}, -1
		for _, line := range strings.Split(out, "\n") {
			if p, ok := strings.CutPrefix(line, "pod: "); ok {
				counts[strings.TrimSpace(p)]++
			}
			if v, ok := strings.CutPrefix(line, "failed: "); ok {
				fmt.Sscan(v, &failed)
			}
		}
		return counts, failed, err
	}
	hwPods := []string{"hw-1", "hw-2", "hw-3"}

	t.Run("multi-port cluster IP from pods and nodes", func(t *testing.T) {
		for _, port := range []string{"80", "6800", "6880"} {
			url := "http://" + hwIP + ":" + port + "/"
			answers(t, tools1, "", url, hwPods...)
			answers(t, tools2, "", url, hwPods...)
			answers(t, nil, n1.Name, url, hwPods...)
			answers(t, nil, n2.Name, url, hwPods...)
		}
	})

	t.Run("300 requests reach all three backends", func(t *testing.T) {
		counts, failed, err := loop(tools1, "http://"+hwIP+"/", 300, "")
		t.Logf("300 requests to %s: %v, %d failed", hwIP, counts, failed)
		if err != nil || failed != 0 {
			t.Errorf("loop: %v, %d failed", err, failed)
		}
		for _, p := range hwPods {
			// 1/3 each: fewer than 50 of 300 is far outside chance.
			if counts[p] < 50 {
				t.Errorf("backend %s got %d of 300 requests: %v", p, counts[p], counts)
			}
		}
	})

	t.Run("NodePort from the other node", func(t *testing.T) {
		if helloSvc.Spec.Ports[0].NodePort != 30001 {
			t.Errorf("nodePort %d, want the example's 30001", helloSvc.Spec.Ports[0].NodePort)
		}
		answers(t, nil, n2.Name, "http://"+n1.IP+":30001/", "hello-1")
		answers(t, nil, n1.Name, "http://"+n2.IP+":30001/", "hello-1")
		answers(t, tools2, "", "http://"+helloIP+":4000/", "hello-1")
	})

	t.Run("ClientIP affinity sticks", func(t *testing.T) {
		answers(t, tools1, "", "http://"+affIP+"/", "aff-1", "aff-2")
		for _, from := range []*api.Pod{tools1, tools2} {
			counts, failed, err := loop(from, "http://"+affIP+"/", 30, "")
			if err != nil || failed != 0 || len(counts) != 1 {
				t.Errorf("30 requests from %s: %v (want one pod), %d failed, %v", from.Name, counts, failed, err)
			}
		}
	})

	t.Run("Local keeps the client address and uses only local endpoints", func(t *testing.T) {
		for _, c := range []struct {
			client, server *clusterNode
			want           string
		}{{n2, n1, "local-1"}, {n1, n2, "local-2"}} {
			url := fmt.Sprintf("http://%s:%d/", c.server.IP, localNP)
			answers(t, nil, c.client.Name, url, c.want)
			for i := 0; i < 10; i++ {
				body, err := get(nil, c.client.Name, url)
				h := parseHello(body)
				if err != nil || h.pod != c.want || clientHost(h.client) != c.client.IP {
					t.Errorf("GET %s from %s: pod %q client %q, %v; want %s seeing %s", url, c.client.Name, h.pod, h.client, err, c.want, c.client.IP)
					break
				}
			}
		}
	})

	t.Run("no endpoints: refused at once", func(t *testing.T) {
		for _, from := range []*api.Pod{tools1, tools2} {
			eventuallyOK(t, 15*time.Second, "REJECT of "+empty.Spec.ClusterIP, func() string {
				began := time.Now()
				out, err := podExec(ctx, from, "tools", "timeout", "5", "wget", "-q", "-O", "-", "http://"+empty.Spec.ClusterIP+"/")
				took := time.Since(began)
				if err == nil || !strings.Contains(out, "refused") || took > 2*time.Second {
					return fmt.Sprintf("after %v: %q, %v (want connection refused)", took, out, err)
				}
				return ""
			})
		}
	})

	t.Run("iptables-save shows the chains with their comments", func(t *testing.T) {
		for _, n := range cl.nodes {
			// The node's own iptables-save (its alternative is legacy,
			// the backend the agent and kube-proxy write).
			save, err := nodeExec(ctx, n.Name, "iptables-save")
			if err != nil {
				t.Fatalf("iptables-save on %s: %v", n.Name, err)
			}
			for _, re := range []string{
				`:KUBE-SERVICES - `, `:KUBE-NODEPORTS - `, `:KUBE-MARK-MASQ - `, `:KUBE-POSTROUTING - `, `:KUBE-FORWARD - `,
				`:KUBE-SVC-[A-Z2-7]{16} - `, `:KUBE-SEP-[A-Z2-7]{16} - `, `:KUBE-EXT-[A-Z2-7]{16} - `, `:KUBE-SVL-[A-Z2-7]{16} - `,
				`-A KUBE-SERVICES -d ` + regexp.QuoteMeta(hwIP) + `/32 -p tcp -m comment --comment "default/hw-service:service-port1 cluster IP" -m tcp --dport 80 -j KUBE-SVC-`,
				`--comment "default/hw-service:service-port2 cluster IP" -m tcp --dport 6800 -j KUBE-SVC-`,
				`-m comment --comment "default/hw-service:service-port1 -> [0-9.]+:80" -m statistic --mode random --probability 0\.333333333`,
				`--comment "default/hello-world-service" -m tcp --dport 30001 -j KUBE-EXT-`,
				`-m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-[A-Z2-7]{16} .*-j KUBE-SEP-`,
				`--comment "default/empty has no endpoints" .*-j REJECT`,
				`-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000`,
				`-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE`,
				`-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING`,
			} {
				if !regexp.MustCompile(re).MatchString(save) {
					t.Errorf("iptables-save on %s lacks %s", n.Name, re)
				}
			}
			// One owner of the masquerade chains: kube-proxy's rules, once.
			if c := strings.Count(save, "-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\""); c != 1 {
				t.Errorf("%s: %d KUBE-POSTROUTING masquerade rules, want 1", n.Name, c)
			}
			if c := strings.Count(save, "-A KUBE-MARK-MASQ "); c != 1 {
				t.Errorf("%s: %d KUBE-MARK-MASQ rules, want 1", n.Name, c)
			}
			if strings.Contains(save, "-A MINIK8S-POSTRTG -j KUBE-") {
				t.Errorf("%s: the agent jumps into kube-proxy's chains", n.Name)
			}
			if t.Failed() {
				t.Logf("%s iptables-save:\n%s", n.Name, tail(save, 8000))
			}
		}
	})

	t.Run("a deleted backend stops receiving traffic", func(t *testing.T) {
		// A long grace period: hw-3 keeps serving while it terminates, so
		// only the rules can keep traffic from it.
		grace := int64(30)
		ip := pods["hw-3"].Status.PodIP
		began := time.Now()
		if err := cl.c.Pods("default").Delete(ctx, "hw-3", &api.DeleteOptions{GracePeriodSeconds: &grace}); err != nil {
			t.Fatal(err)
		}
		gone := map[string]time.Duration{}
		for deadline := began.Add(10 * time.Second); len(gone) < 2 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			for _, n := range cl.nodes {
				if _, ok := gone[n.Name]; ok {
					continue
				}
				if save, err := nodeExec(ctx, n.Name, "iptables-save", "-t", "nat"); err == nil && !strings.Contains(save, "--to-destination "+ip+":") {
					gone[n.Name] = time.Since(began)
				}
			}
		}
		// The figure is the proof (≤ 1 s on a quiet machine: 0.36-0.78 s);
		// the bound is generous so that a loaded machine does not fail it.
		t.Logf("hw-3's rules gone after %v", gone)
		for _, n := range cl.nodes {
			if d, ok := gone[n.Name]; !ok || d > 5*time.Second {
				t.Errorf("%s: hw-3's DNAT rules still there after %v", n.Name, d)
			}
		}
		counts, failed, err := loop(tools1, "http://"+hwIP+"/", 60, "")
		if err != nil || failed != 0 || counts["hw-3"] != 0 || counts["hw-1"] == 0 || counts["hw-2"] == 0 {
			t.Errorf("60 requests after the delete: %v, %d failed, %v (want only hw-1 and hw-2)", counts, failed, err)
		}
	})

	t.Run("kube-proxy restart with no failed request", func(t *testing.T) {
		type result struct {
			counts map[string]int
			failed int
			err    error
		}
		res := make(chan result, 2)
		for _, from := range []*api.Pod{tools1, tools2} {
			go func(from *api.Pod) {
				c, f, err := loop(from, "http://"+hwIP+"/", 100, "usleep 50000;")
				res <- result{c, f, err}
			}(from)
		}
		time.Sleep(500 * time.Millisecond)
		for _, n := range cl.nodes {
			n.stopKubeProxy()
		}
		time.Sleep(time.Second) // down: the rules stay
		for _, n := range cl.nodes {
			cl.startKubeProxy(t, n)
		}
		for i := 0; i < 2; i++ {
			r := <-res
			if r.err != nil || r.failed != 0 || r.counts["hw-1"]+r.counts["hw-2"] != 100 {
				t.Errorf("100 requests across the restart: %v, %d failed, %v", r.counts, r.failed, r.err)
			}
		}
		// It converged: still both backends, no duplicate jump rules.
		answers(t, tools2, "", "http://"+hwIP+":6800/", "hw-1", "hw-2")
		for _, n := range cl.nodes {
			save, _ := nodeExec(ctx, n.Name, "iptables-save", "-t", "nat")
			var jumps []string
			for _, line := range strings.Split(save, "\n") {
				if strings.HasPrefix(line, "-A PREROUTING") || strings.HasPrefix(line, "-A OUTPUT") || strings.HasPrefix(line, "-A POSTROUTING") {
					jumps = append(jumps, line)
				}
			}
			sort.Strings(jumps)
			for i := 1; i < len(jumps); i++ {
				if jumps[i] == jumps[i-1] {
					t.Errorf("%s: duplicate jump after the restart: %s", n.Name, jumps[i])
				}
			}
		}
	})
}
