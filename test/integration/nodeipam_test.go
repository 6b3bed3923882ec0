package integration

// The node IPAM controller (controller/nodeipam, run by the
// controller-manager's Run) against a real apiserver.

import (
	"context"
	"testing"
	"time"

	"minik8s/apiserver/testserver"
	"minik8s/controller"
	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
)

// startControllerManager runs the controller-manager against url until the
// returned stop is called (also at cleanup); stop waits for it to exit.
func startControllerManager(t *testing.T, url string) (stop func()) {
	t.Helper()
	return startControllerManagerWith(t, url, nil)
}

// startControllerManagerWith is startControllerManager with its options
// changed by tweak first (e.g. a controller the test plays itself turned off).
func startControllerManagerWith(t *testing.T, url string, tweak func(*controller.Options)) (stop func()) {
	t.Helper()
	opts := controller.DefaultOptions()
	opts.APIServer = url
	if tweak != nil {
		tweak(&opts)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- controller.Run(ctx, opts) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("controller-manager: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("controller-manager did not stop within 10s")
		}
	}
	t.Cleanup(stop)
	return stop
}

func TestNodeIPAM(t *testing.T) {
	ts := testserver.Start(t)
	c, err := mkclient.New(&mkclient.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	nodes := c.Nodes()
	create := func(name, podCIDR string) {
		t.Helper()
		n := &api.Node{ObjectMeta: api.ObjectMeta{Name: name}, Spec: api.NodeSpec{PodCIDR: podCIDR}}
		if podCIDR != "" {
			n.Spec.PodCIDRs = []string{podCIDR}
		}
		if _, err := nodes.Create(ctx, n); err != nil {
			t.Fatalf("create node %s: %v", name, err)
		}
	}
	cidrs := func() map[string]string {
		list, _, err := nodes.List(ctx, mkclient.ListOptions{})
		if err != nil {
			t.Fatalf("list nodes: %v", err)
		}
		out := map[string]string{}
		for _, n := range list {
			out[n.Name] = n.Spec.PodCIDR
			if n.Spec.PodCIDR != "" && (len(n.Spec.PodCIDRs) != 1 || n.Spec.PodCIDRs[0] != n.Spec.PodCIDR) {
				t.Errorf("node %s: podCIDR %s but podCIDRs %v", n.Name, n.Spec.PodCIDR, n.Spec.PodCIDRs)
			}
		}
		return out
	}
	// waitFor waits until the nodes' CIDRs are exactly want.
	waitFor := func(what string, want map[string]string) {
		t.Helper()
		var got map[string]string
		for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			got = cidrs()
			if equalMaps(got, want) {
				return
			}
		}
		t.Fatalf("%s: node CIDRs = %v, want %v", what, got, want)
	}

	// Nodes created before the controller starts, one already holding a block.
	create("n1", "")
	create("n2", "10.244.0.0/24")
	stop := startControllerManager(t, ts.URL)
	create("n3", "")
	waitFor("first allocation", map[string]string{"n2": "10.244.0.0/24", "n1": "10.244.1.0/24", "n3": "10.244.2.0/24"})

	// Restart both the apiserver and the controller: nothing moves.
	stop()
	ts.Restart(t)
	startControllerManager(t, ts.URL)
	create("n4", "")
	waitFor("after restarts", map[string]string{"n2": "10.244.0.0/24", "n1": "10.244.1.0/24", "n3": "10.244.2.0/24", "n4": "10.244.3.0/24"})

	// A deleted node's block is the next one handed out.
	if err := nodes.Delete(ctx, "n1", nil); err != nil {
		t.Fatal(err)
	}
	waitFor("after deleting n1", map[string]string{"n2": "10.244.0.0/24", "n3": "10.244.2.0/24", "n4": "10.244.3.0/24"})
	create("n5", "")
	waitFor("n5 reuses n1's block", map[string]string{"n2": "10.244.0.0/24", "n5": "10.244.1.0/24", "n3": "10.244.2.0/24", "n4": "10.244.3.0/24"})

	// A younger node claiming a held block is moved; the older keeps it.
	time.Sleep(1100 * time.Millisecond) // creationTimestamp has one-second resolution
	create("n0", "10.244.2.0/24")
	waitFor("conflict resolved", map[string]string{"n2": "10.244.0.0/24", "n5": "10.244.1.0/24", "n3": "10.244.2.0/24", "n4": "10.244.3.0/24", "n0": "10.244.4.0/24"})
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
