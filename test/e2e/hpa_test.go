package e2e

// Issue 10 end to end: the seeds' HPA example on real containers. The
// Deployment of examples/deployment-hpa-target.yaml (testserver + busybox
// httpd, 200m cpu requested each) and the HPA of
// examples/hpa-scaledown-behavior.yaml (3-6 replicas at 40 % cpu, scale-down
// by at most 10 % per 60 s) are applied with our kubectl into a test
// namespace, with a Service in front of the Deployment. A load pod loops
// wget on the Service's /burn; the HPA scales up, `kubectl top pods` (ours
// and the real kubectl) shows the burning pods, `kubectl get hpa` the
// utilization against the 40 % target, and a SuccessfulRescale event is
// recorded. Then the load stops and the scale-down follows the seed's
// policy: one pod per step, steps at least a period apart.
//
// The controller-manager runs with its default flags (sync period 15 s)
// and the apiserver with the default metrics resolution (15 s).
//
// The scale-up needs the three pods to get about 0.55 core in all (44 % of
// 400m each, the target plus the tolerance): all lab pods share the
// /minik8s cpu cgroup, so on a machine busy with many runnable processes
// they may get less, the HPA rightly stays at 3, and the test fails with
// the HPA's status (its averageUtilization) in the message.
//
// Traffic safety: the load runs in a pod of the lab; the test process
// talks only to the apiserver on loopback.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"minik8s/kubelet/network"
	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
)

const (
	hpaPrefix = "mk8h"
	hpaNet3   = "192.168.98"
	hpaNS     = "hpa-e2e"
)

// hpaLab is a running lab with the seeds' HPA example applied.
type hpaLab struct {
	cl        *cluster
	clusterIP string // the Service in front of deployment1
}

// setupHPA brings up the two-node lab, applies the examples and the
// Service, and waits for 3 Ready replicas (the HPA's minReplicas).
func setupHPA(ctx context.Context, tb testing.TB) *hpaLab {
	tb.Helper()
	cl := startCluster(ctx, tb, clusterConfig{Prefix: hpaPrefix, Net3: hpaNet3, Nodes: 2})
	cl.startKubelets(ctx, tb, network.BackendHostGW)
	if out, err := cl.kubectl(ctx, "create", "namespace", hpaNS); err != nil {
		tb.Fatalf("kubectl create namespace: %v\n%s", err, out)
	}
	svc := filepath.Join(tb.TempDir(), "service.yaml")
	if err := os.WriteFile(svc, []byte(`apiVersion: v1
kind: Service
metadata:
  name: deployment1
spec:
  selector:
    app: app2
  ports:
    - port: 8080
      targetPort: 8080
`), 0o644); err != nil {
		tb.Fatal(err)
	}
	for _, f := range []string{filepath.Join(cl.lab.root, "examples", "deployment-hpa-target.yaml"), filepath.Join(cl.lab.root, "examples", "hpa-scaledown-behavior.yaml"), svc} {
		if out, err := cl.kubectl(ctx, "apply", "-n", hpaNS, "-f", f); err != nil {
			tb.Fatalf("kubectl apply -f %s: %v\n%s", f, err, out)
		}
	}
	s, err := cl.c.Services(hpaNS).Get(ctx, "deployment1")
	if err != nil || s.Spec.ClusterIP == "" {
		tb.Fatalf("service: %+v, %v", s, err)
	}
	start := time.Now()
	eventuallyOK(tb, 4*time.Minute, "3 Ready replicas of deployment1", func() string {
		ready, all := hpaReadyPods(ctx, cl.c)
		if len(ready) != 3 {
			return fmt.Sprintf("%d ready of %d pods", len(ready), all)
		}
		return ""
	})
	tb.Logf("3 Ready replicas in %v", time.Since(start).Round(time.Millisecond))
	return &hpaLab{cl: cl, clusterIP: s.Spec.ClusterIP}
}

// hpaReadyPods lists deployment1's Ready, not deleted pods (and the number
// of all its pods).
func hpaReadyPods(ctx context.Context, c *mkclient.Client) ([]string, int) {
	pods, _, err := c.Pods(hpaNS).List(ctx, mkclient.ListOptions{LabelSelector: "app=app2"})
	if err != nil {
		return nil, 0
	}
	var ready []string
	for _, p := range pods {
		if p.DeletionTimestamp != nil {
			continue
		}
		for _, c := range p.Status.Conditions {
			if c.Type == "Ready" && c.Status == "True" {
				ready = append(ready, p.Name)
			}
		}
	}
	sort.Strings(ready)
	return ready, len(pods)
}

// startLoad runs the load pod: four wget loops on the Service's /burn
// (half a second of CPU each request; busybox wget -T crashes, so
// timeout 5), each bounded to 480 requests and 240 s. Four burners keep
// up to 2 cores busy (each pod's burner is capped at 500m), enough to take
// the HPA to 5 or 6 replicas, so the scale-down shows two steps.
// It returns the time its container runs and a stop function (deletes the
// pod).
func (h *hpaLab) startLoad(ctx context.Context, tb testing.TB) (time.Time, func()) {
	tb.Helper()
	url := fmt.Sprintf("http://%s:8080/burn?ms=500", h.clusterIP)
	loop := `end=$(($(date +%s)+240)); i=0; while [ $i -lt 480 ] && [ $(date +%s) -lt $end ]; do timeout 5 wget -q -O /dev/null "` + url + `" || sleep 1; i=$((i+1)); done`
	p := &api.Pod{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Name: "load", Namespace: hpaNS},
		Spec: api.PodSpec{
			NodeName:      h.cl.node(1).Name,
			RestartPolicy: "Never",
			Containers: []api.Container{{Name: "load", Image: "docker.io/minik8s/tools:latest",
				Command: []string{"sh", "-c", "(" + loop + ") & (" + loop + ") & (" + loop + ") & (" + loop + ") & wait"}}},
		},
	}
	if _, err := h.cl.c.Pods(hpaNS).Create(ctx, p); err != nil {
		tb.Fatalf("create load pod: %v", err)
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		grace := int64(1)
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := h.cl.c.Pods(hpaNS).Delete(dctx, "load", &api.DeleteOptions{GracePeriodSeconds: &grace}); err != nil && !mkclient.IsNotFound(err) {
			tb.Errorf("delete load pod: %v", err)
		}
	}
	tb.Cleanup(stop)
	var started time.Time
	eventuallyOK(tb, 2*time.Minute, "the load pod running", func() string {
		got, err := h.cl.c.Pods(hpaNS).Get(ctx, "load")
		if err != nil {
			return err.Error()
		}
		if got.Status.Phase != "Running" {
			return "phase " + string(got.Status.Phase)
		}
		started = time.Now()
		return ""
	})
	return started, stop
}

// hpa is the HPA's current state.
func (h *hpaLab) hpa(ctx context.Context) (*api.HorizontalPodAutoscaler, error) {
	return h.cl.c.HorizontalPodAutoscalers(hpaNS).Get(ctx, "hpa1")
}

// waitScaleUp polls until status.desiredReplicas exceeds 3 and returns when
// it was seen.
func (h *hpaLab) waitScaleUp(ctx context.Context, tb testing.TB, d time.Duration) (time.Time, int32) {
	tb.Helper()
	var seen time.Time
	var desired int32
	eventuallyOK(tb, d, "hpa1 desiredReplicas > 3", func() string {
		a, err := h.hpa(ctx)
		if err != nil {
			return err.Error()
		}
		if a.Status.DesiredReplicas <= 3 {
			return "status " + mustJSONString(a.Status)
		}
		seen, desired = time.Now(), a.Status.DesiredReplicas
		return ""
	})
	return seen, desired
}

// realKubectl runs the kubectl from PATH against the apiserver on loopback
// with an empty kubeconfig.
func (h *hpaLab) realKubectl(ctx context.Context, tb testing.TB, args ...string) (string, error) {
	kc := filepath.Join(tb.TempDir(), "kubeconfig")
	if err := os.WriteFile(kc, []byte("apiVersion: v1\nkind: Config\n"), 0o600); err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "kubectl", append([]string{"--kubeconfig", h.cl.kubeconfig}, args...)...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kc)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// topBurning counts deployment1's pods that `kubectl top pods` lists with
// at least 10m of CPU.
func topBurning(out string) int {
	n := 0
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || !strings.HasPrefix(f[0], "deployment1-") || !strings.HasSuffix(f[1], "m") {
			continue
		}
		var m int
		if _, err := fmt.Sscanf(f[1], "%dm", &m); err == nil && m >= 10 {
			n++
		}
	}
	return n
}

var hpaCPUColumn = regexp.MustCompile(`cpu: [0-9]+%/40%`)

func TestHPA(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	h := setupHPA(ctx, t)
	cl := h.cl
	t.Cleanup(func() {
		if t.Failed() {
			if a, err := h.hpa(context.Background()); err == nil {
				t.Logf("hpa1 status: %s", mustJSONString(a.Status))
			}
			out, _ := cl.kubectl(context.Background(), "get", "events", "-n", hpaNS)
			t.Logf("events:\n%s", tail(out, 4000))
		}
	})

	// Up: within about a minute of the load starting (one metrics window
	// for the first rates, one more for a full window after readiness, one
	// sync period).
	loadStart, stopLoad := h.startLoad(ctx, t)
	upAt, desired := h.waitScaleUp(ctx, t, 3*time.Minute)
	up := upAt.Sub(loadStart)
	t.Logf("load start to desiredReplicas %d: %v", desired, up.Round(time.Millisecond))
	if up > 100*time.Second {
		t.Errorf("scale-up took %v after the load started, want about a minute", up)
	}

	// kubectl top pods, ours and the real one, lists the burning pods.
	for _, k := range []struct {
		name string
		run  func(args ...string) (string, error)
	}{
		{"our kubectl", func(args ...string) (string, error) { return cl.kubectl(ctx, args...) }},
		{"kubectl from PATH", func(args ...string) (string, error) { return h.realKubectl(ctx, t, args...) }},
	} {
		eventuallyOK(t, 90*time.Second, k.name+" top pods: 2+ burning pods", func() string {
			out, err := k.run("top", "pods", "-n", hpaNS)
			if err != nil {
				return fmt.Sprintf("%v: %s", err, out)
			}
			if topBurning(out) < 2 {
				return out
			}
			t.Logf("%s top pods:\n%s", k.name, out)
			return ""
		})
		eventuallyOK(t, 60*time.Second, k.name+" get hpa: cpu: NN%/40%", func() string {
			out, err := k.run("get", "hpa", "-n", hpaNS)
			if err != nil {
				return fmt.Sprintf("%v: %s", err, out)
			}
			if !hpaCPUColumn.MatchString(out) || !strings.Contains(out, "hpa1") {
				return out
			}
			t.Logf("%s get hpa:\n%s", k.name, out)
			return ""
		})
	}
	eventuallyOK(t, 30*time.Second, "a SuccessfulRescale event of hpa1", func() string {
		evs, _, err := cl.c.Events(hpaNS).List(ctx, mkclient.ListOptions{})
		if err != nil {
			return err.Error()
		}
		for _, e := range evs {
			if e.Reason == "SuccessfulRescale" && e.InvolvedObject.Name == "hpa1" && strings.Contains(e.Message, "above target") {
				return ""
			}
		}
		return fmt.Sprintf("%d events, none SuccessfulRescale", len(evs))
	})

	// The load keeps on until the count has settled for longer than the
	// scale-down policy's period (65 s > 60 s): Kubernetes counts the
	// period's start from the replicas before the scale-ups within it
	// (periodStartReplicas = current - added + deleted), so right after
	// 3 -> 5 a 10 % step would allow int32(3 × 0.9) and drop to
	// minReplicas at once, as it did when the test settled for only 30 s.
	replicas := func() int32 {
		d, err := cl.c.Deployments(hpaNS).Get(ctx, "deployment1")
		if err != nil || d.Spec.Replicas == nil {
			return -1
		}
		return *d.Spec.Replicas
	}
	last, since := replicas(), time.Now()
	for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline) && time.Since(since) < 65*time.Second; time.Sleep(2 * time.Second) {
		if r := replicas(); r != last {
			last, since = r, time.Now()
		}
	}
	t.Logf("settled at %d replicas; stopping the load", last)
	if last < 5 {
		t.Fatalf("the load took the HPA only to %d replicas; at least 5 are needed to see two scale-down steps", last)
	}

	// Down: the seed keeps the default scale-down stabilization window
	// (300 s); the test shortens it to 15 s to stay short. The policy
	// (10 % per 60 s) still bounds the rate: Kubernetes allows
	// int32(start × 0.9) pods, start being the count 60 s ago, so with at
	// most 6 replicas each step removes one pod and steps are a period
	// apart.
	if _, err := cl.c.HorizontalPodAutoscalers(hpaNS).Patch(ctx, "hpa1", mkclient.MergePatchType,
		[]byte(`{"spec":{"behavior":{"scaleDown":{"stabilizationWindowSeconds":15}}}}`)); err != nil {
		t.Fatalf("patch hpa1: %v", err)
	}
	stopLoad()
	type step struct {
		at       time.Time
		from, to int32
	}
	var steps []step
	cur := replicas()
	for deadline := time.Now().Add(5 * time.Minute); time.Now().Before(deadline) && len(steps) < 2 && cur > 3; time.Sleep(time.Second) {
		r := replicas()
		if r < 0 || r == cur {
			continue
		}
		if r > cur {
			t.Fatalf("scaled up from %d to %d after the load stopped", cur, r)
		}
		steps = append(steps, step{time.Now(), cur, r})
		t.Logf("scale-down %d -> %d", cur, r)
		cur = r
	}
	if len(steps) == 0 || (len(steps) < 2 && cur > 3) {
		t.Fatalf("scale-down steps %+v, at %d replicas", steps, cur)
	}
	for i, s := range steps {
		if s.from-s.to != 1 {
			t.Errorf("step %d removed %d pods (%d -> %d), want 1 (10%% per 60 s)", i, s.from-s.to, s.from, s.to)
		}
		if i > 0 {
			if gap := s.at.Sub(steps[i-1].at); gap < 55*time.Second {
				t.Errorf("steps %d and %d only %v apart, want >= 60 s", i-1, i, gap)
			} else {
				t.Logf("steps %v apart", gap.Round(time.Second))
			}
		}
	}
}
