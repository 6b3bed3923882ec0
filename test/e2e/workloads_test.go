package e2e

// Workloads on the lab (issue 8's end-to-end proofs): a Deployment of real
// testserver containers, placed by the scheduler and kept by the
// ReplicaSet and Deployment controllers, rolls from v1 to v2 while a client
// inside node1's namespace keeps requesting (each ready pod by its IP, and
// the Service's cluster IP through kube-proxy); it scales 3→6→2 and a
// cascading delete leaves nothing on the nodes; a node whose kubelet dies
// has its pods recreated on the other node.
//
// Traffic safety: every request to a pod goes from inside the lab's node1
// namespace (ip netns exec … curl); the test process talks only to the
// apiserver on loopback.

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"minik8s/controller"
	"minik8s/kubelet/network"
	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
	"minik8s/pkg/client/cache"
	podutil "minik8s/pkg/controller"
)

const (
	workloadsPrefix = "mk8w"
	workloadsNet3   = "192.168.91"
	webDeployment   = "web"
)

// webDeploymentYAML is the test's Deployment: testserver replicas that
// answer "pod: <version>", with a readiness probe on /healthz and a
// rolling update that never goes below the replica count.
const webDeploymentYAML = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxUnavailable: 0, maxSurge: 1}
  template:
    metadata:
      labels: {app: web}
    spec:
      terminationGracePeriodSeconds: 5
      tolerations:
      - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
      - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
      containers:
      - name: web
        image: docker.io/minik8s/testserver:latest
        imagePullPolicy: IfNotPresent
        env:
        - {name: POD_NAME, value: v1}
        ports:
        - containerPort: 8080
        readinessProbe:
          httpGet: {path: /healthz, port: 8080}
          periodSeconds: 1
          failureThreshold: 1
`

func TestWorkloads(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	cl := startCluster(ctx, t, clusterConfig{Prefix: workloadsPrefix, Net3: workloadsNet3, Nodes: 2,
		Controllers: func(o *controller.Options) {
			// A silent node is Unknown after 16 s (the kubelet renews its
			// Lease every 10 s), not Kubernetes' 40 s.
			o.NodeMonitorGracePeriod, o.NodeMonitorPeriod = 16*time.Second, time.Second
		}})
	cl.startKubelets(ctx, t, network.BackendVXLAN)
	t.Cleanup(func() { // runs before the harness deletes the pods
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = cl.c.Deployments("default").Delete(cctx, webDeployment, nil)
		_ = cl.c.ReplicaSets("default").DeleteCollection(cctx, mkclient.ListOptions{LabelSelector: "app=web"})
	})
	for _, tc := range []struct {
		name string
		run  func(context.Context, *testing.T, *cluster)
	}{
		{"RollingUpdate", testWorkloadsRollingUpdate},
		{"ScaleAndDelete", testWorkloadsScaleAndDelete},
		{"NodeLoss", testWorkloadsNodeLoss},
	} {
		if !t.Run(tc.name, func(t *testing.T) { tc.run(ctx, t, cl) }) {
			return
		}
	}
}

// createWebDeployment creates the test's Deployment with replicas (and
// the changes of mutate) and waits until all of them are Running and
// ready.
func createWebDeployment(ctx context.Context, t *testing.T, cl *cluster, replicas int32, mutate ...func(*api.Deployment)) *api.Deployment {
	t.Helper()
	var d api.Deployment
	if err := yaml.UnmarshalStrict([]byte(webDeploymentYAML), &d); err != nil {
		t.Fatal(err)
	}
	d.Spec.Replicas = &replicas
	for _, m := range mutate {
		m(&d)
	}
	out, err := cl.c.Deployments("default").Create(ctx, &d)
	if err != nil {
		t.Fatalf("create deployment: %v", err)
	}
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = cl.c.Deployments("default").Delete(cctx, webDeployment, nil)
	})
	cl.waitDeploymentComplete(ctx, t, replicas, 90*time.Second)
	return out
}

// waitDeploymentComplete waits until the deployment's rollout is done
// (kubectl rollout status's test) and replicas web pods exist, all ready.
func (cl *cluster) waitDeploymentComplete(ctx context.Context, t *testing.T, replicas int32, d time.Duration) {
	t.Helper()
	eventuallyOK(t, d, fmt.Sprintf("deployment web complete with %d ready pods", replicas), func() string {
		dep, err := cl.c.Deployments("default").Get(ctx, webDeployment)
		if err != nil {
			return err.Error()
		}
		st := dep.Status
		if st.ObservedGeneration < dep.Generation || st.UpdatedReplicas != replicas || st.Replicas != replicas || st.AvailableReplicas != replicas || st.ReadyReplicas != replicas {
			return fmt.Sprintf("generation %d, status %+v", dep.Generation, st)
		}
		pods := cl.webPods(ctx, t)
		ready := 0
		for _, p := range pods {
			if p.DeletionTimestamp == nil && podutil.IsPodReady(p) && allRunning(p) {
				ready++
			}
		}
		if len(pods) != int(replicas) || ready != int(replicas) {
			return fmt.Sprintf("%d pods, %d ready: %s", len(pods), ready, podSummary(pods))
		}
		return ""
	})
}

// webPods lists the pods of the test's Deployment.
func (cl *cluster) webPods(ctx context.Context, t *testing.T) []*api.Pod {
	t.Helper()
	pods, _, err := cl.c.Pods("default").List(ctx, mkclient.ListOptions{LabelSelector: "app=web"})
	if err != nil {
		t.Fatalf("list pods: %v", err)
	}
	return pods
}

// podSummary is "name@node phase ready" for each pod, for messages.
func podSummary(pods []*api.Pod) string {
	var s []string
	for _, p := range pods {
		st := fmt.Sprintf("%s@%s %s ready=%v", p.Name, p.Spec.NodeName, p.Status.Phase, podutil.IsPodReady(p))
		if p.DeletionTimestamp != nil {
			st += " terminating"
		}
		s = append(s, st)
	}
	sort.Strings(s)
	return strings.Join(s, ", ")
}

// setWebVersion changes the template's POD_NAME (what the testserver
// answers) to version, which starts a rollout.
func (cl *cluster) setWebVersion(ctx context.Context, t *testing.T, version string) {
	t.Helper()
	for attempt := 0; ; attempt++ {
		d, err := cl.c.Deployments("default").Get(ctx, webDeployment)
		if err != nil {
			t.Fatalf("get deployment: %v", err)
		}
		d.Spec.Template.Spec.Containers[0].Env = []api.EnvVar{{Name: "POD_NAME", Value: version}}
		if _, err = cl.c.Deployments("default").Update(ctx, d); err == nil {
			return
		}
		if !mkclient.IsConflict(err) || attempt > 10 {
			t.Fatalf("update deployment: %v", err)
		}
	}
}

// endpointView follows the web pods through an informer, as an Endpoints
// controller would: the ready endpoints are the pods that are ready, have
// an IP and are not terminating. It records the fewest ready endpoints seen
// at any event after arm().
type endpointView struct {
	inf    *cache.Informer
	lister cache.Lister[*api.Pod]

	mu       sync.Mutex
	armed    bool
	minReady int
	minAt    string    // the pods when the minimum was seen
	lastGone time.Time // when a pod was last seen to start terminating or go
}

func newEndpointView(ctx context.Context, t *testing.T, cl *cluster) *endpointView {
	t.Helper()
	info, err := mkclient.InfoFor[*api.Pod]()
	if err != nil {
		t.Fatal(err)
	}
	inf := cache.NewInformer(&cache.ListWatch{Client: cl.c, Info: info, Namespace: "default", LabelSelector: "app=web"}, 0)
	v := &endpointView{inf: inf, lister: cache.NewLister[*api.Pod](inf.Store()), minReady: 1 << 30}
	check := func(api.Object) { v.observe() }
	gone := func() {
		v.mu.Lock()
		v.lastGone = time.Now()
		v.mu.Unlock()
	}
	inf.AddEventHandler(cache.HandlerFuncs{
		AddFunc: check,
		UpdateFunc: func(old, cur api.Object) {
			if old.GetObjectMeta().DeletionTimestamp == nil && cur.GetObjectMeta().DeletionTimestamp != nil {
				gone()
			}
			check(cur)
		},
		DeleteFunc: func(o api.Object) { gone(); check(o) },
	})
	ictx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = inf.Run(ictx) }()
	t.Cleanup(func() { cancel(); <-done })
	if !cache.WaitForCacheSync(ctx, inf.HasSynced) {
		t.Fatal("pod informer did not sync")
	}
	return v
}

// ready returns the ready endpoints: pod name → IP.
func (v *endpointView) ready() map[string]string {
	out := map[string]string{}
	for _, p := range v.lister.List("default", nil) {
		if p.DeletionTimestamp == nil && p.Status.PodIP != "" && podutil.IsPodReady(p) {
			out[p.Name] = p.Status.PodIP
		}
	}
	return out
}

func (v *endpointView) arm() {
	v.mu.Lock()
	v.armed = true
	v.mu.Unlock()
	v.observe()
}

func (v *endpointView) observe() {
	n := len(v.ready())
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.armed && n < v.minReady {
		v.minReady, v.minAt = n, podSummary(v.lister.List("default", nil))
	}
}

func (v *endpointView) min() (int, string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.minReady, v.minAt
}

// goneWithin reports whether a pod started terminating or went within d.
func (v *endpointView) goneWithin(d time.Duration) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return !v.lastGone.IsZero() && time.Since(v.lastGone) < d
}

// terminating reports whether the view shows pod name terminating or gone.
func (v *endpointView) terminating(name string) bool {
	p, ok := v.lister.Get("default", name)
	return !ok || p.DeletionTimestamp != nil
}

// curlResult is one request of a curl round.
type curlResult struct {
	url  string
	ok   bool
	body string
	err  string
}

// curlRound requests every URL (in order, repeats allowed) from inside
// node's namespace with one curl process, each request bounded by 2 s.
func curlRound(ctx context.Context, node string, urls []string) ([]curlResult, error) {
	const sep = "\n@@curl@@ "
	// Connection: close, so that requests to one URL (a Service) are new
	// connections, each balanced anew.
	args := []string{"ip", "netns", "exec", node, "curl", "-sS", "--connect-timeout", "1", "-m", "2", "-H", "Connection: close",
		"-w", sep + "%{url_effective} %{http_code} %{exitcode}\n"}
	out, err := sh(ctx, append(args, urls...)...)
	var res []curlResult
	body := out
	for range urls {
		i := strings.Index(body, sep)
		if i < 0 {
			return res, fmt.Errorf("curl: %d of %d results: %v\n%s", len(res), len(urls), err, out)
		}
		line, rest, _ := strings.Cut(body[i+len(sep):], "\n")
		f := strings.Fields(line)
		r := curlResult{body: body[:i]}
		if len(f) == 3 {
			r.url = f[0]
			r.ok = f[1] == "200" && f[2] == "0"
			if !r.ok {
				r.err = fmt.Sprintf("http %s, curl exit %s: %s", f[1], f[2], strings.TrimSpace(body[:i]))
			}
		} else {
			r.err = "unparsable: " + line
		}
		res = append(res, r)
		body = rest
	}
	return res, nil
}

// trafficStats is what the client saw.
type trafficStats struct {
	rounds, requests, answers int
	failures                  []string // requests that were not answered
	short                     []string // rounds with fewer than want answering pods
	versions                  map[string]int
	mixed                     int // rounds answered by both versions

	// Through the Service (when one is given).
	svcRequests, svcAnswers int
	svcVersions             map[string]int
}

// keepRequesting runs curl rounds against the view's ready endpoints until
// stop is closed (bounded: at most maxRounds rounds, 10 a second at most).
// In every round each ready endpoint is asked once; a round must collect
// answers from at least want distinct ready pods (a pod deleted meanwhile
// drops out of the next try's view). Every request to a pod the view
// listed ready must be answered: the pods' preStop hook keeps a deleted
// pod serving while the endpoints converge.
//
// With service (a URL, "" for none) every round also asks the Service want
// times; every request must be answered, with no retry (kube-proxy drops
// a deleted pod's endpoint before its preStop hook ends).
func keepRequesting(ctx context.Context, node string, v *endpointView, want int, service string, stop <-chan struct{}) *trafficStats {
	const maxRounds = 3000
	st := &trafficStats{versions: map[string]int{}, svcVersions: map[string]int{}}
	for st.rounds < maxRounds {
		select {
		case <-stop:
			return st
		case <-ctx.Done():
			return st
		case <-time.After(100 * time.Millisecond):
		}
		st.rounds++
		answered := map[string]string{} // pod → version
		for try := 0; try < 20 && len(answered) < want; try++ {
			if try > 0 {
				time.Sleep(100 * time.Millisecond)
			}
			var names, urls []string
			for name, ip := range v.ready() {
				if _, done := answered[name]; !done {
					names = append(names, name)
					urls = append(urls, "http://"+ip+":8080/")
				}
			}
			if len(urls) == 0 {
				continue
			}
			res, err := curlRound(ctx, node, urls)
			if err != nil {
				st.failures = append(st.failures, err.Error())
				continue
			}
			for i, r := range res {
				st.requests++
				if r.ok {
					st.answers++
					h := parseHello(r.body)
					answered[names[i]] = h.pod
					st.versions[h.pod]++
					continue
				}
				msg := fmt.Sprintf("%s (%s): %s", names[i], urls[i], r.err)
				if v.terminating(names[i]) {
					msg += " (terminating: its preStop hook should have kept it serving)"
				}
				st.failures = append(st.failures, msg)
			}
		}
		if len(answered) < want {
			st.short = append(st.short, fmt.Sprintf("round %d: %d pods answered: %v", st.rounds, len(answered), answered))
		}
		vs := map[string]bool{}
		for _, ver := range answered {
			vs[ver] = true
		}
		if len(vs) > 1 {
			st.mixed++
		}
		if service != "" {
			requestService(ctx, node, v, service, want, st)
		}
	}
	return st
}

// requestService asks the Service n times (one round of keepRequesting).
func requestService(ctx context.Context, node string, v *endpointView, service string, n int, st *trafficStats) {
	urls := make([]string, n)
	for i := range urls {
		urls[i] = service
	}
	res, err := curlRound(ctx, node, urls)
	if err != nil {
		st.failures = append(st.failures, err.Error())
		return
	}
	for _, r := range res {
		st.svcRequests++
		if r.ok {
			st.svcAnswers++
			st.svcVersions[parseHello(r.body).pod]++
			continue
		}
		msg := fmt.Sprintf("service %s: %s", service, r.err)
		if v.goneWithin(3 * time.Second) {
			msg += " (a pod went within 3 s: its preStop hook should have kept it serving)"
		}
		st.failures = append(st.failures, msg)
	}
}

// testWorkloadsRollingUpdate: 3 replicas (maxUnavailable 0, maxSurge 1)
// roll from v1 to v2; the client in node1's namespace gets at least 3 ready
// pods' answers in every round, the view never has fewer than 3, and every
// request, to the Service and to every pod listed ready, is answered with
// no retry: the pods' preStop hook (sleep 2 s) keeps a deleted pod
// serving while its endpoint leaves kube-proxy's rules.
func testWorkloadsRollingUpdate(ctx context.Context, t *testing.T, cl *cluster) {
	start := time.Now()
	createWebDeployment(ctx, t, cl, 3, func(d *api.Deployment) {
		d.Spec.Template.Spec.Containers[0].Lifecycle = &api.Lifecycle{
			PreStop: &api.LifecycleHandler{Sleep: &api.SleepAction{Seconds: 2}}}
	})
	t.Logf("3/3 ready in %v", time.Since(start).Round(time.Millisecond))
	pods := cl.webPods(ctx, t)
	nodes := map[string]bool{}
	for _, p := range pods {
		nodes[p.Spec.NodeName] = true
	}
	if len(nodes) != 2 {
		t.Errorf("3 replicas not spread over both nodes: %s", podSummary(pods))
	}
	v1Pods := map[string]bool{}
	for _, p := range pods {
		v1Pods[p.Name] = true
	}

	// The Service in front of them: kube-proxy on node1 balances its
	// cluster IP over the ready endpoints.
	service := cl.createWebService(ctx, t)
	view := newEndpointView(ctx, t, cl)
	view.arm()
	stop := make(chan struct{})
	statsc := make(chan *trafficStats, 1)
	go func() { statsc <- keepRequesting(ctx, cl.node(1).Name, view, 3, service, stop) }()
	time.Sleep(time.Second) // some v1 rounds first

	rolled := time.Now()
	cl.setWebVersion(ctx, t, "v2")
	if out, err := cl.kubectl(ctx, "rollout", "status", "deployment/web", "--timeout=120s"); err != nil {
		close(stop)
		<-statsc
		t.Fatalf("kubectl rollout status: %v\n%s\npods: %s", err, out, podSummary(cl.webPods(ctx, t)))
	}
	cl.waitDeploymentComplete(ctx, t, 3, 60*time.Second)
	t.Logf("rolled out v2 in %v", time.Since(rolled).Round(time.Millisecond))
	time.Sleep(time.Second) // some v2 rounds last
	close(stop)
	st := <-statsc

	t.Logf("client: %d rounds, %d requests to pods, %d answers, versions %v, %d rounds answered by both; %d requests to the Service, %d answers, versions %v",
		st.rounds, st.requests, st.answers, st.versions, st.mixed, st.svcRequests, st.svcAnswers, st.svcVersions)
	for _, f := range st.failures {
		t.Errorf("a request was not answered: %s", f)
	}
	for _, s := range st.short {
		t.Errorf("fewer than 3 ready pods answered: %s", s)
	}
	if minReady, at := view.min(); minReady < 3 {
		t.Errorf("only %d ready endpoints during the rollout (maxUnavailable 0): %s", minReady, at)
	}
	if st.versions["v1"] == 0 || st.versions["v2"] == 0 || st.rounds < 5 {
		t.Errorf("the client did not see both versions: %d rounds, versions %v", st.rounds, st.versions)
	}
	if st.svcVersions["v1"] == 0 || st.svcVersions["v2"] == 0 || st.svcAnswers != st.svcRequests {
		t.Errorf("through the Service: %d requests, %d answered, versions %v", st.svcRequests, st.svcAnswers, st.svcVersions)
	}
	// The end state: 3 new pods, all v2, none of the v1 pods left.
	final := cl.webPods(ctx, t)
	for _, p := range final {
		if v1Pods[p.Name] {
			t.Errorf("v1 pod %s is still there: %s", p.Name, podSummary(final))
		}
		if env := p.Spec.Containers[0].Env; len(env) != 1 || env[0].Value != "v2" {
			t.Errorf("pod %s has env %v, want POD_NAME=v2", p.Name, env)
		}
	}
	res, err := curlRound(ctx, cl.node(1).Name, urlsOf(final))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if h := parseHello(r.body); !r.ok || h.pod != "v2" {
			t.Errorf("after the rollout %s answered %q (%s)", r.url, h.pod, r.err)
		}
	}
	rss, _, err := cl.c.ReplicaSets("default").List(ctx, mkclient.ListOptions{LabelSelector: "app=web"})
	if err != nil {
		t.Fatal(err)
	}
	var sizes []string
	for _, rs := range rss {
		sizes = append(sizes, fmt.Sprintf("%s=%d/%d", rs.Name, *rs.Spec.Replicas, rs.Status.Replicas))
	}
	if sort.Strings(sizes); len(rss) != 2 {
		t.Errorf("replica sets after one rollout: %v, want the old (0) and the new (3)", sizes)
	}
	t.Logf("replica sets: %v", sizes)
}

// createWebService creates Service web (port 80 → 8080 of app=web) and
// waits until its cluster IP answers from node1; it returns the URL.
func (cl *cluster) createWebService(ctx context.Context, t *testing.T) string {
	t.Helper()
	svc := &api.Service{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: api.ServiceSpec{Selector: map[string]string{"app": "web"},
			Ports: []api.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}}}}
	out, err := cl.c.Services("default").Create(ctx, svc)
	if err != nil {
		t.Fatalf("create service: %v", err)
	}
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = cl.c.Services("default").Delete(cctx, "web", nil)
	})
	url := "http://" + out.Spec.ClusterIP + "/"
	eventuallyOK(t, 60*time.Second, "service web answers at "+url+" from "+cl.node(1).Name, func() string {
		res, err := curlRound(ctx, cl.node(1).Name, []string{url})
		if err != nil {
			return err.Error()
		}
		if !res[0].ok {
			return res[0].err
		}
		return ""
	})
	return url
}

func urlsOf(pods []*api.Pod) []string {
	var urls []string
	for _, p := range pods {
		urls = append(urls, "http://"+p.Status.PodIP+":8080/")
	}
	return urls
}

// testWorkloadsScaleAndDelete: kubectl scale 3→6→2 (through the scale
// subresource), then a cascading delete of the Deployment removes its
// replica sets and pods, and the nodes hold nothing of them.
func testWorkloadsScaleAndDelete(ctx context.Context, t *testing.T, cl *cluster) {
	if _, err := cl.c.Deployments("default").Get(ctx, webDeployment); mkclient.IsNotFound(err) {
		createWebDeployment(ctx, t, cl, 3)
	}
	for _, n := range []int32{6, 2} {
		start := time.Now()
		if out, err := cl.kubectl(ctx, "scale", "deployment/web", fmt.Sprintf("--replicas=%d", n)); err != nil {
			t.Fatalf("kubectl scale --replicas=%d: %v\n%s", n, err, out)
		}
		cl.waitDeploymentComplete(ctx, t, n, 90*time.Second)
		pods := cl.webPods(ctx, t)
		t.Logf("scaled to %d in %v: %s", n, time.Since(start).Round(time.Millisecond), podSummary(pods))
		res, err := curlRound(ctx, cl.node(1).Name, urlsOf(pods))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if !r.ok {
				t.Errorf("scaled to %d: %s: %s", n, r.url, r.err)
			}
		}
		if n == 6 {
			perNode := map[string]int{}
			for _, p := range pods {
				perNode[p.Spec.NodeName]++
			}
			if len(perNode) != 2 || slices.Contains([]int{perNode[cl.node(1).Name], perNode[cl.node(2).Name]}, 0) {
				t.Errorf("6 replicas not spread: %v", perNode)
			}
		}
	}
	if out, err := cl.kubectl(ctx, "delete", "deployment", "web"); err != nil {
		t.Fatalf("kubectl delete deployment web: %v\n%s", err, out)
	}
	eventuallyOK(t, 90*time.Second, "replica sets and pods of the deleted deployment gone", func() string {
		rss, _, err := cl.c.ReplicaSets("default").List(ctx, mkclient.ListOptions{LabelSelector: "app=web"})
		if err != nil {
			return err.Error()
		}
		pods := cl.webPods(ctx, t)
		if len(rss) != 0 || len(pods) != 0 {
			return fmt.Sprintf("%d replica sets, pods: %s", len(rss), podSummary(pods))
		}
		return ""
	})
	for _, n := range cl.nodes {
		cl.expectNoLeftovers(ctx, t, n)
	}
}

// expectNoLeftovers waits up to a minute for the node to hold nothing of
// its pods; what stays is an error, with the pod cgroups' contents.
func (cl *cluster) expectNoLeftovers(ctx context.Context, t *testing.T, n *clusterNode) {
	t.Helper()
	var left string
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		if left = cl.leftovers(ctx, n); left == "" {
			return
		}
	}
	cgs, _ := filepath.Glob("/sys/fs/cgroup/memory/minik8s/" + n.Name + "/pod*")
	for _, cg := range cgs {
		out, _ := sh(ctx, "sh", "-c", "find "+cg+" -type d; cat "+cg+"/cgroup.procs")
		left += "\n" + cg + ": " + out
	}
	t.Errorf("left on %s after a minute: %s", n.Name, left)
}

// testWorkloadsNodeLoss: node2's kubelet is stopped; the node lifecycle
// controller marks the node unreachable, taints it, evicts its pods after
// their tolerationSeconds (2 s), and the ReplicaSet recreates them on
// node1.
func testWorkloadsNodeLoss(ctx context.Context, t *testing.T, cl *cluster) {
	if _, err := cl.c.Deployments("default").Get(ctx, webDeployment); mkclient.IsNotFound(err) {
		createWebDeployment(ctx, t, cl, 3)
	}
	n1, n2 := cl.node(1), cl.node(2)
	lost := map[string]bool{}
	for _, p := range cl.webPods(ctx, t) {
		if p.Spec.NodeName == n2.Name {
			lost[p.Name] = true
		}
	}
	if len(lost) == 0 {
		t.Fatalf("no web pod on %s: %s", n2.Name, podSummary(cl.webPods(ctx, t)))
	}
	start := time.Now()
	n2.stop()
	restarted := false
	t.Cleanup(func() {
		// node2 comes back so the harness can finish its pods.
		if !restarted {
			cl.startKubelet(t, n2, network.BackendVXLAN)
		}
	})
	eventuallyOK(t, 3*time.Minute, "3 ready web pods on "+n1.Name, func() string {
		pods := cl.webPods(ctx, t)
		ready := 0
		for _, p := range pods {
			if p.DeletionTimestamp == nil && p.Spec.NodeName == n1.Name && podutil.IsPodReady(p) && allRunning(p) {
				ready++
			}
		}
		if ready != 3 {
			return fmt.Sprintf("%d ready on %s: %s", ready, n1.Name, podSummary(pods))
		}
		return ""
	})
	t.Logf("pods back on %s %v after node2's kubelet stopped", n1.Name, time.Since(start).Round(time.Millisecond))
	node, err := cl.c.Nodes().Get(ctx, n2.Name)
	if err != nil {
		t.Fatal(err)
	}
	tainted := false
	for _, tn := range node.Spec.Taints {
		tainted = tainted || tn.Key == "node.kubernetes.io/unreachable" && tn.Effect == "NoExecute"
	}
	if !tainted {
		t.Errorf("node %s has taints %v, want node.kubernetes.io/unreachable:NoExecute", n2.Name, node.Spec.Taints)
	}
	var live []*api.Pod
	for _, p := range cl.webPods(ctx, t) {
		if p.DeletionTimestamp == nil {
			live = append(live, p)
		}
	}
	res, err := curlRound(ctx, n1.Name, urlsOf(live))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if !r.ok {
			t.Errorf("after the node loss %s: %s", r.url, r.err)
		}
	}

	// node2's kubelet comes back: it finishes the evicted pods (they leave
	// the API) and node2 holds nothing of them; the taint goes.
	restarted = true
	cl.startKubelet(t, n2, network.BackendVXLAN)
	cl.waitNodeReady(ctx, t, n2, network.BackendVXLAN)
	eventuallyOK(t, 90*time.Second, "the evicted pods gone and nothing of them on "+n2.Name, func() string {
		var still []string
		for _, p := range cl.webPods(ctx, t) {
			if lost[p.Name] {
				still = append(still, p.Name)
			}
		}
		if len(still) != 0 {
			return fmt.Sprintf("evicted pods still in the API: %v", still)
		}
		return ""
	})
	cl.expectNoLeftovers(ctx, t, n2)
	eventuallyOK(t, 60*time.Second, n2.Name+" untainted", func() string {
		node, err := cl.c.Nodes().Get(ctx, n2.Name)
		if err != nil {
			return err.Error()
		}
		for _, tn := range node.Spec.Taints {
			if tn.Key == "node.kubernetes.io/unreachable" || tn.Key == "node.kubernetes.io/not-ready" {
				return fmt.Sprintf("taints %v", node.Spec.Taints)
			}
		}
		return ""
	})
}
