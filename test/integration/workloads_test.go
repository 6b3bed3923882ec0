package integration

// The workload components together, as a user meets them: the apiserver,
// the controller-manager (ReplicaSet, Deployment, garbage collector, ...),
// the scheduler and two fake-runtime kubelets. The seeds' Deployment from
// examples/ reaches 3/3 spread over both nodes, a deleted pod is replaced,
// a new image rolls out, and deleting the Deployment removes everything.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
	"minik8s/pkg/api/decode"
	mkclient "minik8s/pkg/client"
	"minik8s/scheduler"
)

// startFakeKubelet runs a kubelet for node on its own fake runtime until
// the test ends.
func startFakeKubelet(t *testing.T, c *mkclient.Client, node string) {
	t.Helper()
	startFakeKubeletWith(t, c, node, nil)
}

// seedDeployment is examples/deployment-two-containers.yaml with its
// hostPath volumes made emptyDirs (the fake runtime has no host to share).
func seedDeployment(t *testing.T) *api.Deployment {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "examples", "deployment-two-containers.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	objs, err := decode.DecodeAll(data)
	if err != nil {
		t.Fatal(err)
	}
	d, ok := objs[0].(*api.Deployment)
	if !ok || len(objs) != 1 {
		t.Fatalf("example: want one Deployment, got %d objects (%T)", len(objs), objs[0])
	}
	for i := range d.Spec.Template.Spec.Volumes {
		v := &d.Spec.Template.Spec.Volumes[i]
		v.HostPath, v.EmptyDir = nil, &api.EmptyDirVolumeSource{}
	}
	return d
}

// podsOf lists the running-or-pending pods of selector, by node.
func podsOf(t *testing.T, c *mkclient.Client, selector string) (pods []*api.Pod, byNode map[string]int) {
	t.Helper()
	all, _, err := c.Pods("default").List(context.Background(), mkclient.ListOptions{LabelSelector: selector})
	if err != nil {
		t.Fatal(err)
	}
	byNode = map[string]int{}
	for _, p := range all {
		if p.DeletionTimestamp != nil {
			continue
		}
		pods = append(pods, p)
		byNode[p.Spec.NodeName]++
	}
	return pods, byNode
}

func TestWorkloadsSeedDeployment(t *testing.T) {
	ts := testserver.Start(t)
	c, err := mkclient.New(&mkclient.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	startFakeKubelet(t, c, "node1")
	startFakeKubelet(t, c, "node2")
	startControllerManager(t, ts.URL)
	sopts := scheduler.DefaultOptions()
	sopts.APIServer, sopts.LeaderElect = ts.URL, false
	startScheduler(t, sopts)

	d, err := c.Deployments("default").Create(ctx, seedDeployment(t))
	if err != nil {
		t.Fatal(err)
	}
	const sel = "name=hw-pod"

	// 3/3 ready, spread over both nodes, every pod Running.
	waitFor(t, "hw-deployment 3/3 over two nodes", func() (bool, string) {
		got, err := c.Deployments("default").Get(ctx, d.Name)
		if err != nil {
			return false, err.Error()
		}
		pods, byNode := podsOf(t, c, sel)
		running := 0
		for _, p := range pods {
			if p.Status.Phase == api.PodRunning {
				running++
			}
		}
		st := got.Status
		return st.ReadyReplicas == 3 && st.AvailableReplicas == 3 && st.UpdatedReplicas == 3 &&
				len(pods) == 3 && running == 3 && byNode["node1"] >= 1 && byNode["node2"] >= 1,
			fmt.Sprintf("status %+v, pods %d (running %d) by node %v", st, len(pods), running, byNode)
	})

	// A deleted pod is replaced.
	pods, _ := podsOf(t, c, sel)
	victim := pods[0].Name
	if err := c.Pods("default").Delete(ctx, victim, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the deleted pod replaced", func() (bool, string) {
		pods, _ := podsOf(t, c, sel)
		names := []string{}
		running := 0
		for _, p := range pods {
			names = append(names, p.Name)
			if p.Status.Phase == api.PodRunning && p.Name != victim {
				running++
			}
		}
		sort.Strings(names)
		return running == 3, strings.Join(names, ",")
	})

	// A new image rolls out: a second ReplicaSet takes all 3, the first none.
	// (The controller writes the status meanwhile: read, change, write
	// until no conflict, as kubectl edit would.)
	for attempt := 0; ; attempt++ {
		cur, err := c.Deployments("default").Get(ctx, d.Name)
		if err != nil {
			t.Fatal(err)
		}
		cur.Spec.Template.Spec.Containers[1].Image = "minik8s/tools:v2"
		_, err = c.Deployments("default").Update(ctx, cur)
		if err == nil {
			break
		}
		if !mkclient.IsConflict(err) || attempt == 20 {
			t.Fatal(err)
		}
	}
	waitFor(t, "the rollout to minik8s/tools:v2", func() (bool, string) {
		rss, _, err := c.ReplicaSets("default").List(ctx, mkclient.ListOptions{LabelSelector: sel})
		if err != nil {
			return false, err.Error()
		}
		var desc []string
		done := len(rss) == 2
		for _, rs := range rss {
			img := rs.Spec.Template.Spec.Containers[1].Image
			desc = append(desc, fmt.Sprintf("%s %s %d/%d", rs.Name, img, rs.Status.ReadyReplicas, *rs.Spec.Replicas))
			if img == "minik8s/tools:v2" {
				done = done && *rs.Spec.Replicas == 3 && rs.Status.ReadyReplicas == 3
			} else {
				done = done && *rs.Spec.Replicas == 0 && rs.Status.Replicas == 0
			}
		}
		return done, strings.Join(desc, "; ")
	})
	pods, _ = podsOf(t, c, sel)
	for _, p := range pods {
		if img := p.Spec.Containers[1].Image; img != "minik8s/tools:v2" {
			t.Errorf("pod %s still runs %s after the rollout", p.Name, img)
		}
	}

	// Deleting the Deployment removes its ReplicaSets and pods.
	if err := c.Deployments("default").Delete(ctx, d.Name, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the deployment's replica sets and pods gone", func() (bool, string) {
		rss, _, err := c.ReplicaSets("default").List(ctx, mkclient.ListOptions{LabelSelector: sel})
		if err != nil {
			return false, err.Error()
		}
		all, _, err := c.Pods("default").List(ctx, mkclient.ListOptions{LabelSelector: sel})
		if err != nil {
			return false, err.Error()
		}
		return len(rss) == 0 && len(all) == 0, fmt.Sprintf("%d replica sets, %d pods", len(rss), len(all))
	})
}
