package e2e

// The whole-cluster harness: a lab of N node namespaces of its own, the
// control plane in-process (apiserver on loopback and on the lab bridge,
// controller-manager with every controller, scheduler), and the real kubelet binary (with its
// network agent) in every node namespace, on the shared containerd. Tests
// get a client, a kubectl runner, helpers to run commands inside pods
// (`ctr tasks exec`) and nodes (`ip netns exec`), and a check that a node
// holds nothing of deleted pods. Everything is stopped, and the lab torn
// down, in Cleanup even when the test fails; processes are stopped by PID.
//
// Traffic safety: the test process talks only to the apiserver on
// 127.0.0.1; every packet to a pod or node address is sent from inside a
// lab namespace (a node's, or a pod's).

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"minik8s/apiserver"
	"minik8s/apiserver/testserver"
	"minik8s/controller"
	"minik8s/kubelet/network"
	"minik8s/pkg/api"
	"minik8s/pkg/certs"
	mkclient "minik8s/pkg/client"
	"minik8s/scheduler"
)

// clusterConfig names a cluster's lab; names and subnet must not collide
// with another lab's (the user's is mk8s on 192.168.77.0/24).
type clusterConfig struct {
	Prefix string // lab prefix: nodes are <prefix>-node1, ...
	Net3   string // the lab subnet's first three octets: nodes are .11, .12, ...
	Nodes  int
	// ExtraImageNamespaces also get the lab's images (e.g. a containerd
	// namespace no kubelet manages, for raw containerd figures).
	ExtraImageNamespaces []string
	// Controllers, if set, adjusts the controller-manager's options.
	Controllers func(*controller.Options)
}

// cluster is a running lab with its control plane and kubelets.
type cluster struct {
	cfg    clusterConfig
	lab    *lab
	bin    string // the minik8s binary the kubelets and kubectl run
	logDir string
	ts     *testserver.TestServer
	url    string // the apiserver on loopback (the test's side), https
	labURL string // the apiserver on the lab bridge (the nodes' side), https
	// kubeconfig is the admin's (kubernetes-admin, system:masters): our
	// kubectl and the real one use it (CA and client certificate).
	kubeconfig string
	pki        *testserver.PKI
	c          *mkclient.Client
	nodes      []*clusterNode
}

// clusterNode is one node namespace and its kubelet.
type clusterNode struct {
	Name, IP string
	RootDir  string // the kubelet's --root-dir
	logPath  string

	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{}
	backend string
	proxy   *daemon // the node's kube-proxy (services_test.go)
}

// buildMinik8s builds cmd/minik8s into dir.
func buildMinik8s(ctx context.Context, root, dir string) (string, error) {
	bin := filepath.Join(dir, "minik8s")
	// The same flags as `make build` and scripts/images.sh (the add-on
	// image's static binary), so the three share one build cache entry.
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-s -w -buildid=", "-o", bin, "./cmd/minik8s")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, out)
	}
	return bin, nil
}

// startCluster brings up the lab (images imported into every node's
// containerd namespace), builds minik8s, and starts the apiserver and the
// controller-manager and the scheduler. Kubelets are started by
// startKubelets.
func startCluster(ctx context.Context, tb testing.TB, cfg clusterConfig) *cluster {
	tb.Helper()
	if testing.Short() {
		tb.Skip("end-to-end: skipped with -short")
	}
	if os.Geteuid() != 0 {
		tb.Skip("end-to-end: needs root")
	}
	root := repoRootTB(tb)
	tmp := tb.TempDir()
	cl := &cluster{cfg: cfg, logDir: tmp}
	var nsNames []string
	for i := 1; i <= cfg.Nodes; i++ {
		name := fmt.Sprintf("%s-node%d", cfg.Prefix, i)
		nsNames = append(nsNames, name)
		cl.nodes = append(cl.nodes, &clusterNode{
			Name:    name,
			IP:      fmt.Sprintf("%s.%d", cfg.Net3, 10+i),
			RootDir: filepath.Join(tmp, "state", "nodes", name, "kubelet"),
			logPath: filepath.Join(tmp, "kubelet-"+name+".log"),
		})
	}
	cl.lab = &lab{root: root, state: filepath.Join(tmp, "state")}
	cl.lab.env = append(os.Environ(),
		"MK8S_LAB_PREFIX="+cfg.Prefix,
		"MK8S_LAB_SUBNET="+cfg.Net3+".0/24",
		"MINIK8S_STATE="+cl.lab.state,
		fmt.Sprintf("NODES=%d", cfg.Nodes),
		"IMAGE_NAMESPACES="+strings.Join(append(append([]string(nil), nsNames...), cfg.ExtraImageNamespaces...), " "),
	)
	if out, err := cl.lab.script(ctx, "down.sh"); err != nil {
		tb.Fatalf("down.sh before the test: %v\n%s", err, out)
	}
	// What a killed run left in the shared containerd and the cgroups.
	if _, err := exec.LookPath("ctr"); err == nil && containerdAnswers(ctx) {
		for _, ns := range append(append([]string(nil), nsNames...), cfg.ExtraImageNamespaces...) {
			removeContainers(ctx, ns)
		}
	}
	for _, ns := range nsNames {
		removeCgroupTree(ns)
	}
	tb.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if out, err := cl.lab.script(cctx, "down.sh"); err != nil {
			tb.Errorf("down.sh in cleanup: %v\n%s", err, out)
		}
		// The kubelets' cgroup parents (empty once the pods are gone).
		for _, n := range cl.nodes {
			removeCgroupTree(n.Name)
		}
	})

	// The binary builds while the lab comes up.
	type built struct {
		bin string
		err error
	}
	bc := make(chan built, 1)
	go func() {
		bin, err := buildMinik8s(ctx, root, tmp)
		bc <- built{bin, err}
	}()
	start := time.Now()
	out, upErr := cl.lab.script(ctx, "up.sh")
	b := <-bc
	if upErr != nil {
		tb.Fatalf("up.sh: %v\n%s", upErr, out)
	}
	if b.err != nil {
		tb.Fatal(b.err)
	}
	cl.bin = b.bin
	tb.Logf("lab up and minik8s built in %v", time.Since(start).Round(time.Millisecond))

	// The control plane: the apiserver on loopback and on the lab bridge
	// (reaching kubelets from inside node1's namespace for logs and exec),
	// and the controller-manager with every controller.
	// It serves only HTTPS with a PKI made by `minik8s certs` (the lab
	// gateway a SAN, a kubelet certificate and kubeconfig per node), as
	// scripts/up.sh.
	var pkiNodes []certs.Node
	for _, n := range cl.nodes {
		pkiNodes = append(pkiNodes, certs.Node{Name: n.Name, IP: net.ParseIP(n.IP)})
	}
	cl.pki = testserver.NewPKI(tb, certs.Options{AdvertiseAddress: net.ParseIP(cfg.Net3 + ".1"), Nodes: pkiNodes})
	cl.ts = testserver.StartTLSWithPKI(tb, cl.pki, func(o *apiserver.Options) {
		o.BindAddress = "127.0.0.1," + cfg.Net3 + ".1"
		o.KubeletDialNetns = nsNames[0]
		o.MetricsResolution = apiserver.DefaultOptions().MetricsResolution // metrics.k8s.io, scraped from node1's namespace too
		o.AuthorizationMode = strings.Split(e2eAuthorizationMode, ",")
	})
	cl.url = cl.ts.URL
	cl.labURL = "https://" + cfg.Net3 + ".1" + cl.ts.URL[strings.LastIndex(cl.ts.URL, ":"):]
	cl.kubeconfig = cl.pki.Kubeconfig(tb, "kubernetes-admin", "system:masters")
	adminCfg := cl.pki.AdminConfig()
	adminCfg.Timeout = 20 * time.Second
	c, err := mkclient.New(adminCfg)
	if err != nil {
		tb.Fatal(err)
	}
	cl.c = c
	cmOpts := controller.DefaultOptions()
	cmOpts.APIServer, cmOpts.Kubeconfig = cl.url, filepath.Join(cl.pki.Dir, "controller-manager.kubeconfig")
	cmOpts.RootCAFile = cl.pki.CAFile() // kube-root-ca.crt for the pods' kube-api-access volumes
	if cfg.Controllers != nil {
		cfg.Controllers(&cmOpts)
	}
	cmCtx, cmCancel := context.WithCancel(context.Background())
	cmDone := make(chan error, 1)
	go func() { cmDone <- controller.Run(cmCtx, cmOpts) }()
	tb.Cleanup(func() { cmCancel(); <-cmDone })
	// The scheduler places pods without spec.nodeName (one instance: no
	// leader election).
	schedOpts := scheduler.DefaultOptions()
	schedOpts.APIServer, schedOpts.Kubeconfig, schedOpts.LeaderElect = cl.url, filepath.Join(cl.pki.Dir, "scheduler.kubeconfig"), false
	schedCtx, schedCancel := context.WithCancel(context.Background())
	schedDone := make(chan error, 1)
	go func() { schedDone <- scheduler.Run(schedCtx, schedOpts) }()
	tb.Cleanup(func() { schedCancel(); <-schedDone })

	// Runs first: pods deleted through the kubelets while they still run,
	// then the kubelets stopped and whatever a failed test left removed.
	tb.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		if err := cl.deleteAllPods(cctx, 2); err != nil {
			tb.Logf("cleanup: %v", err)
		}
		for _, n := range cl.nodes {
			n.stop()
			n.stopKubeProxy()
		}
		if tb.Failed() {
			for _, n := range cl.nodes {
				tb.Logf("kubelet %s log (tail):\n%s", n.Name, tail(n.log(), 6000))
			}
		}
		for _, n := range cl.nodes {
			removeContainers(cctx, n.Name)
		}
		for _, ns := range cfg.ExtraImageNamespaces {
			removeContainers(cctx, ns)
		}
	})
	return cl
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// removeContainers kills and removes every task and container in a node's
// containerd namespace (what a failed test may leave).
func removeContainers(ctx context.Context, ns string) {
	ids, err := sh(ctx, "ctr", "-n", ns, "containers", "ls", "-q")
	if err != nil {
		return
	}
	for _, id := range strings.Fields(ids) {
		_, _ = sh(ctx, "ctr", "-n", ns, "tasks", "kill", "-s", "SIGKILL", id)
	}
	for _, id := range strings.Fields(ids) {
		for i := 0; i < 20; i++ {
			if out, err := sh(ctx, "ctr", "-n", ns, "tasks", "rm", "-f", id); err == nil || strings.Contains(out, "not found") {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		_, _ = sh(ctx, "ctr", "-n", ns, "containers", "rm", id)
	}
}

// removeCgroupTree removes the (empty) cgroups below /minik8s/<node> in
// every mounted hierarchy, deepest first.
func removeCgroupTree(node string) {
	tops, _ := filepath.Glob("/sys/fs/cgroup/*/minik8s/" + node)
	if t := "/sys/fs/cgroup/minik8s/" + node; dirExists(t) {
		tops = append(tops, t)
	}
	for _, top := range tops {
		var dirs []string
		_ = filepath.WalkDir(top, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
		sort.Sort(sort.Reverse(sort.StringSlice(dirs)))
		for _, d := range dirs {
			_ = syscall.Rmdir(d)
		}
	}
}

func dirExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// node returns node i (1-based).
func (cl *cluster) node(i int) *clusterNode { return cl.nodes[i-1] }

// startKubelet runs the kubelet binary inside the node's namespace with
// the given network backend.
func (cl *cluster) startKubelet(tb testing.TB, n *clusterNode, backend string, extraArgs ...string) {
	tb.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd != nil {
		tb.Fatalf("kubelet %s already runs", n.Name)
	}
	logf, err := os.OpenFile(n.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		tb.Fatal(err)
	}
	fmt.Fprintf(logf, "=== %s: kubelet starting, backend %s\n", time.Now().Format(time.RFC3339Nano), backend)
	cmd := exec.Command("ip", "netns", "exec", n.Name, cl.bin, "kubelet",
		"--node-name", n.Name, "--node-ip", n.IP, "--apiserver", cl.labURL,
		"--kubeconfig", cl.nodeKubeconfig(n),
		// The kubelet API over HTTPS, callers authenticated by the
		// cluster CA and authorized by SubjectAccessReview, as scripts/up.sh.
		"--tls-cert-file", cl.pki.File("nodes/"+n.Name+"/kubelet.crt"), "--tls-private-key-file", cl.pki.File("nodes/"+n.Name+"/kubelet.key"),
		"--client-ca-file", cl.pki.CAFile(), "--authorization-mode", "Webhook",
		"--root-dir", n.RootDir, "--network-backend", backend,
		"--heartbeat-interval", "2s", "--sync-interval", "5s",
		"--node-stats-cgroup", "/minik8s/"+n.Name, // the node's own pods, as on a VM the machine
		"--cluster-dns", "10.96.0.10", "--cluster-domain", "cluster.local")
	cmd.Args = append(cmd.Args, extraArgs...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		tb.Fatalf("starting kubelet %s: %v", n.Name, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); logf.Close(); close(done) }()
	n.cmd, n.done, n.backend = cmd, done, backend
	cl.startKubeProxy(tb, n)
}

// stop stops the node's kubelet (SIGTERM to its PID, SIGKILL after 15s).
func (n *clusterNode) stop() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil {
		return
	}
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.done:
	case <-time.After(15 * time.Second):
		_ = n.cmd.Process.Kill()
		<-n.done
	}
	n.cmd, n.done = nil, nil
}

func (n *clusterNode) log() string {
	b, _ := os.ReadFile(n.logPath)
	return string(b)
}

// startKubelets starts every node's kubelet and waits until the nodes are ready.
func (cl *cluster) startKubelets(ctx context.Context, tb testing.TB, backend string) {
	tb.Helper()
	for _, n := range cl.nodes {
		cl.startKubelet(tb, n, backend)
	}
	for _, n := range cl.nodes {
		cl.waitNodeReady(ctx, tb, n, backend)
	}
}

// waitNodeReady waits until the node is Ready with a podCIDR, its network
// agent published the backend, and cni0 has the podCIDR's gateway address.
func (cl *cluster) waitNodeReady(ctx context.Context, tb testing.TB, n *clusterNode, backend string) *api.Node {
	tb.Helper()
	var node *api.Node
	eventuallyOK(tb, 60*time.Second, "node "+n.Name+" Ready", func() string {
		got, err := cl.c.Nodes().Get(ctx, n.Name)
		if err != nil {
			return err.Error()
		}
		node = got
		ready := false
		for _, cd := range got.Status.Conditions {
			ready = ready || cd.Type == api.NodeReady && cd.Status == api.ConditionTrue
		}
		if !ready || got.Spec.PodCIDR == "" {
			return fmt.Sprintf("ready=%v podCIDR=%q", ready, got.Spec.PodCIDR)
		}
		if got.Annotations[network.AnnotationBackendType] != backend {
			return fmt.Sprintf("backend-type annotation %q", got.Annotations[network.AnnotationBackendType])
		}
		gw := strings.TrimSuffix(got.Spec.PodCIDR, ".0/24") + ".1/24"
		if out, _ := sh(ctx, "ip", "-n", n.Name, "-4", "-o", "addr", "show", "dev", "cni0"); !strings.Contains(out, " "+gw+" ") {
			return fmt.Sprintf("cni0 %q, want %s", out, gw)
		}
		return ""
	})
	return node
}

// kubectl runs our kubectl against the apiserver on loopback, as the admin.
func (cl *cluster) kubectl(ctx context.Context, args ...string) (string, error) {
	return sh(ctx, append([]string{cl.bin, "kubectl", "--kubeconfig", cl.kubeconfig}, args...)...)
}

// e2eAuthorizationMode is the e2e apiservers' --authorization-mode: keep it
// equal to AUTHORIZATION_MODE's default in scripts/lib.sh (LAB_DEFAULTS).
const e2eAuthorizationMode = "Node,RBAC"

// nodeKubeconfig is the node's kubelet kubeconfig (system:node:NAME);
// its server is overridden by --apiserver (the test server's port).
func (cl *cluster) nodeKubeconfig(n *clusterNode) string {
	return filepath.Join(cl.pki.Dir, "nodes", n.Name, "kubelet.kubeconfig")
}

// createPod creates a pod in namespace default (spec.nodeName must be set:
// there is no scheduler).
func (cl *cluster) createPod(ctx context.Context, tb testing.TB, p *api.Pod) *api.Pod {
	tb.Helper()
	if p.Spec.NodeName == "" {
		tb.Fatalf("pod %s has no spec.nodeName", p.Name)
	}
	p.TypeMeta = api.TypeMeta{APIVersion: "v1", Kind: "Pod"}
	if p.Namespace == "" {
		p.Namespace = "default"
	}
	out, err := cl.c.Pods(p.Namespace).Create(ctx, p)
	if err != nil {
		tb.Fatalf("create pod %s: %v", p.Name, err)
	}
	return out
}

// waitPod polls pod default/name until cond holds.
func (cl *cluster) waitPod(ctx context.Context, tb testing.TB, name string, d time.Duration, what string, cond func(*api.Pod) bool) *api.Pod {
	tb.Helper()
	var last *api.Pod
	var lastErr error
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(150 * time.Millisecond) {
		p, err := cl.c.Pods("default").Get(ctx, name)
		if lastErr = err; err == nil {
			last = p
			if cond(p) {
				return p
			}
		}
	}
	tb.Fatalf("pod %s not %s within %v; last: %+v, %v", name, what, d, last, lastErr)
	return nil
}

func (cl *cluster) waitRunning(ctx context.Context, tb testing.TB, name string) *api.Pod {
	tb.Helper()
	return cl.waitPod(ctx, tb, name, 60*time.Second, "Running and ready", allRunning)
}

var execSeq atomic.Int64

// podExec runs args inside a container of a pod (ctr tasks exec in the
// node's containerd namespace), with a bounded time.
func podExec(ctx context.Context, p *api.Pod, container string, args ...string) (string, error) {
	id := ""
	for _, cs := range p.Status.ContainerStatuses {
		if cs.Name == container {
			id = strings.TrimPrefix(cs.ContainerID, "containerd://")
		}
	}
	if id == "" {
		return "", fmt.Errorf("pod %s has no container %s in its status", p.Name, container)
	}
	execID := fmt.Sprintf("e2e-%d-%d", os.Getpid(), execSeq.Add(1))
	return sh(ctx, append([]string{"ctr", "-n", p.Spec.NodeName, "tasks", "exec", "--exec-id", execID, id}, args...)...)
}

// nodeExec runs args inside a node's network namespace.
func nodeExec(ctx context.Context, node string, args ...string) (string, error) {
	return sh(ctx, append([]string{"ip", "netns", "exec", node}, args...)...)
}

// deleteAllPods deletes every pod of namespace default (gracefully, through
// the kubelets, with a grace period of grace seconds: busybox httpd as a
// container's PID 1 ignores SIGTERM) and waits until they are gone.
func (cl *cluster) deleteAllPods(ctx context.Context, grace int64) error {
	pods, _, err := cl.c.Pods("default").List(ctx, mkclient.ListOptions{})
	if err != nil {
		return fmt.Errorf("list pods: %w", err)
	}
	for _, p := range pods {
		if err := cl.c.Pods("default").Delete(ctx, p.Name, &api.DeleteOptions{GracePeriodSeconds: &grace}); err != nil && !mkclient.IsNotFound(err) {
			return fmt.Errorf("delete pod %s: %w", p.Name, err)
		}
	}
	for {
		pods, _, err := cl.c.Pods("default").List(ctx, mkclient.ListOptions{})
		if err == nil && len(pods) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			names := []string{}
			for _, p := range pods {
				names = append(names, p.Name)
			}
			return fmt.Errorf("pods not gone: %v (%v)", names, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// leftovers lists what of the node's pods is still on the node: containers,
// tasks and active snapshots in its containerd namespace, veths on cni0,
// host-local IP reservations, pod dirs and pod cgroups ("" = nothing).
func (cl *cluster) leftovers(ctx context.Context, n *clusterNode) string {
	var bad []string
	if ls, err := sh(ctx, "ctr", "-n", n.Name, "containers", "ls", "-q"); err != nil || strings.TrimSpace(ls) != "" {
		bad = append(bad, fmt.Sprintf("containers: %q %v", ls, err))
	}
	if ls, err := sh(ctx, "ctr", "-n", n.Name, "tasks", "ls", "-q"); err != nil || strings.TrimSpace(ls) != "" {
		bad = append(bad, fmt.Sprintf("tasks: %q %v", ls, err))
	}
	if ls, err := sh(ctx, "ctr", "-n", n.Name, "snapshots", "ls"); err != nil || strings.Contains(ls, "Active") {
		bad = append(bad, fmt.Sprintf("active snapshots: %q %v", ls, err))
	}
	if ls, err := sh(ctx, "ip", "-n", n.Name, "-o", "link", "show", "master", "cni0"); err != nil || strings.TrimSpace(ls) != "" {
		bad = append(bad, fmt.Sprintf("ports on cni0: %q %v", ls, err))
	}
	if ls, _ := sh(ctx, "ip", "-n", n.Name, "-o", "link", "show", "type", "veth"); strings.Contains(ls, ": veth") {
		bad = append(bad, fmt.Sprintf("pod veths: %q", ls)) // eth0, the node's own uplink, is a veth too
	}
	if ipam, _ := filepath.Glob(filepath.Join(n.RootDir, "cni", "ipam", "*", "10.244.*")); len(ipam) != 0 {
		bad = append(bad, fmt.Sprintf("host-local reservations: %v", ipam))
	}
	if pods, _ := os.ReadDir(filepath.Join(n.RootDir, "pods")); len(pods) != 0 {
		var names []string
		for _, e := range pods {
			names = append(names, e.Name())
		}
		bad = append(bad, fmt.Sprintf("pod dirs: %v", names))
	}
	cg, _ := filepath.Glob("/sys/fs/cgroup/*/minik8s/" + n.Name + "/pod*")
	cg2, _ := filepath.Glob("/sys/fs/cgroup/minik8s/" + n.Name + "/pod*")
	if cg = append(cg, cg2...); len(cg) != 0 {
		bad = append(bad, fmt.Sprintf("pod cgroups: %v", cg))
	}
	return strings.Join(bad, "; ")
}
