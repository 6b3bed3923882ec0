package e2e

import (
	"context"
	"fmt"
	"math"
	"os"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/containerd/containerd"
	"github.com/containerd/containerd/cio"
	"github.com/containerd/containerd/oci"

	"minik8s/kubelet/network"
	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
)

// startupPods is how many pods (and raw containers) one run starts.
const startupPods = 30

const (
	benchPrefix   = "mk8b"
	benchNet3     = "192.168.89"
	benchRawNS    = benchPrefix + "-raw" // containerd namespace of the raw floor (no kubelet there)
	testserverImg = "docker.io/minik8s/testserver:latest"
)

// BenchmarkPodStartup prints pod start-up latency on one node (`make bench`,
// root only): 30 testserver pods created one after another, each timed from
// the create request to the first watch event showing it Running; p50 and
// p99 (imagePullPolicy IfNotPresent: like the Kubernetes SLO, no pulls). The floor is the same run's raw containerd start of the same image
// (container with snapshot, task, start, until the task runs), 30 times,
// in a containerd namespace no kubelet manages. One warm-up of each is not
// counted. Everything is removed afterwards.
func BenchmarkPodStartup(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cl := startCluster(ctx, b, clusterConfig{Prefix: benchPrefix, Net3: benchNet3, Nodes: 1, ExtraImageNamespaces: []string{benchRawNS}})
	node := cl.node(1)
	cl.startKubelets(ctx, b, network.BackendHostGW)

	b.ResetTimer()
	var pods, raw []time.Duration
	for i := 0; i < b.N; i++ {
		pods = podStartups(ctx, b, cl, node.Name, startupPods)
		raw = rawStarts(ctx, b, benchRawNS, "/minik8s/"+node.Name, startupPods)
	}
	b.StopTimer()
	p50, p99 := quantile(pods, 0.5), quantile(pods, 0.99)
	r50, r99 := quantile(raw, 0.5), quantile(raw, 0.99)
	b.ReportMetric(p50.Seconds(), "pod-p50-s")
	b.ReportMetric(p99.Seconds(), "pod-p99-s")
	b.ReportMetric(r50.Seconds(), "raw-p50-s")
	b.ReportMetric(r99.Seconds(), "raw-p99-s")
	fmt.Printf("pod_startup_seconds{quantile=0.5} %.3f (target <= 0.5; %d pods on one node)\n", p50.Seconds(), len(pods))
	fmt.Printf("pod_startup_seconds{quantile=0.99} %.3f (target <= 1.5)\n", p99.Seconds())
	fmt.Printf("raw_containerd_start_seconds{quantile=0.5} %.3f (the floor: container+task+start of the same image)\n", r50.Seconds())
	fmt.Printf("raw_containerd_start_seconds{quantile=0.99} %.3f\n", r99.Seconds())
}

// quantile is the nearest-rank q-quantile of ds.
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

// podStartups creates n testserver pods on node one after another (after
// one uncounted warm-up pod) and returns each one's create → Running (seen
// by a watch) latency; the pods are deleted before it returns.
func podStartups(ctx context.Context, tb testing.TB, cl *cluster, node string, n int) []time.Duration {
	tb.Helper()
	defer func() {
		dctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		if err := cl.deleteAllPods(dctx, 5); err != nil {
			tb.Errorf("deleting the benchmark's pods: %v", err)
		}
	}()
	_, rv, err := cl.c.Pods("default").List(ctx, mkclient.ListOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	wctx, wcancel := context.WithCancel(ctx)
	defer wcancel()
	w, err := cl.c.Pods("default").Watch(wctx, mkclient.ListOptions{ResourceVersion: rv})
	if err != nil {
		tb.Fatal(err)
	}
	defer w.Stop()
	running := make(chan string, 4*n)
	go func() {
		seen := map[string]bool{}
		for ev := range w.ResultChan() {
			p, ok := ev.Object.(*api.Pod)
			if !ok || ev.Type == api.Deleted || seen[p.Name] || p.Status.Phase != api.PodRunning {
				continue
			}
			seen[p.Name] = true
			running <- p.Name
		}
		close(running)
	}()
	waitFor := func(name string) error {
		timeout := time.After(60 * time.Second)
		for {
			select {
			case got, ok := <-running:
				if !ok {
					return fmt.Errorf("watch ended before pod %s was Running", name)
				}
				if got == name {
					return nil
				}
			case <-timeout:
				return fmt.Errorf("pod %s not Running within 60s", name)
			}
		}
	}
	out := make([]time.Duration, 0, n)
	for i := 0; i <= n; i++ {
		name := fmt.Sprintf("startup-%02d", i) // startup-00 is the warm-up
		p := webPod(name, node, 0)
		// As the Kubernetes SLO, start-up without image pulls (":latest"
		// defaults to Always, a registry round trip per container).
		p.Spec.Containers[0].ImagePullPolicy = "IfNotPresent"
		p.TypeMeta = api.TypeMeta{APIVersion: "v1", Kind: "Pod"}
		p.Namespace = "default"
		t0 := time.Now()
		if _, err := cl.c.Pods("default").Create(ctx, p); err != nil {
			tb.Fatalf("create pod %s: %v", name, err)
		}
		if err := waitFor(name); err != nil {
			tb.Fatal(err)
		}
		if i > 0 {
			out = append(out, time.Since(t0))
		}
	}
	return out
}

// rawStarts starts n testserver containers straight on containerd in
// namespace ns (after one uncounted warm-up), each timed from container
// creation to its task running; they are removed before it returns.
func rawStarts(ctx context.Context, tb testing.TB, ns, cgroupParent string, n int) []time.Duration {
	tb.Helper()
	client, err := containerd.New("/run/containerd/containerd.sock", containerd.WithDefaultNamespace(ns))
	if err != nil {
		tb.Fatalf("containerd: %v", err)
	}
	defer client.Close()
	img, err := client.GetImage(ctx, testserverImg)
	if err != nil {
		tb.Fatalf("image %s in containerd namespace %s: %v", testserverImg, ns, err)
	}
	var started []containerd.Container
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		for _, c := range started {
			if err := removeRaw(cctx, c); err != nil {
				tb.Errorf("removing raw container %s: %v", c.ID(), err)
			}
		}
	}()
	out := make([]time.Duration, 0, n)
	for i := 0; i <= n; i++ {
		id := fmt.Sprintf("raw-%d-%02d", os.Getpid(), i)
		t0 := time.Now()
		c, err := client.NewContainer(ctx, id,
			containerd.WithImage(img),
			containerd.WithNewSnapshot(id, img),
			containerd.WithNewSpec(oci.WithImageConfig(img), oci.WithCgroup(cgroupParent+"/"+id), oci.WithEnv([]string{"POD_NAME=" + id})),
		)
		if err != nil {
			tb.Fatalf("create container %s: %v", id, err)
		}
		started = append(started, c)
		task, err := c.NewTask(ctx, cio.NullIO)
		if err != nil {
			tb.Fatalf("create task %s: %v", id, err)
		}
		if err := task.Start(ctx); err != nil {
			tb.Fatalf("start task %s: %v", id, err)
		}
		st, err := task.Status(ctx)
		if err != nil || st.Status != containerd.Running {
			tb.Fatalf("task %s: status %+v, %v", id, st, err)
		}
		if i > 0 {
			out = append(out, time.Since(t0))
		}
	}
	return out
}

// removeRaw kills a raw container's task and removes it with its snapshot.
func removeRaw(ctx context.Context, c containerd.Container) error {
	if task, err := c.Task(ctx, nil); err == nil {
		exited, err := task.Wait(ctx)
		if err != nil {
			return fmt.Errorf("wait task: %w", err)
		}
		if err := task.Kill(ctx, syscall.SIGKILL); err != nil {
			return fmt.Errorf("kill task: %w", err)
		}
		select {
		case <-exited:
		case <-ctx.Done():
			return ctx.Err()
		}
		if _, err := task.Delete(ctx); err != nil {
			return fmt.Errorf("delete task: %w", err)
		}
	}
	return c.Delete(ctx, containerd.WithSnapshotCleanup)
}
