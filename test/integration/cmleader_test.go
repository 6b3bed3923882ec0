package integration

// Two controller-managers with leader election against one apiserver: only
// the holder of kube-system/kube-controller-manager runs controllers (one
// ReplicaSet controller creates the pods, one node controller records
// RegisteredNode); when the leader is cut off from the apiserver (as if
// killed: it cannot release the lease) the other takes over once the lease
// expires.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"minik8s/apiserver/testserver"
	"minik8s/controller"
	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
)

// cuttableProxy forwards to target until cut; then every request fails
// and open connections (watches) are closed.
type cuttableProxy struct {
	srv *httptest.Server
	cut atomic.Bool
}

func newCuttableProxy(t *testing.T, target string) *cuttableProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &cuttableProxy{}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.FlushInterval = -1 // stream watches
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.cut.Load() {
			http.Error(w, "cut off", http.StatusServiceUnavailable)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { p.srv.CloseClientConnections(); p.srv.Close() })
	return p
}

func (p *cuttableProxy) cutOff() {
	p.cut.Store(true)
	p.srv.CloseClientConnections()
}

func TestControllerManagerLeaderElection(t *testing.T) {
	ts := testserver.Start(t)
	c, err := mkclient.New(&mkclient.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	elect := func(id string) func(*controller.Options) {
		return func(o *controller.Options) {
			o.Identity = id
			o.LeaseDuration, o.RenewDeadline, o.RetryPeriod = 3*time.Second, 2*time.Second, 200*time.Millisecond
			o.RequestTimeout = 2 * time.Second
		}
	}
	holder := func() string {
		l, err := mkclient.Typed[*api.Lease](c, "kube-system").Get(ctx, "kube-controller-manager")
		if err != nil || l.Spec.HolderIdentity == nil {
			return ""
		}
		return *l.Spec.HolderIdentity
	}

	// cm-a (through a proxy that can cut it off) leads; cm-b waits.
	proxy := newCuttableProxy(t, ts.URL)
	stopA := startControllerManagerWith(t, proxy.srv.URL, elect("cm-a"))
	waitFor(t, "cm-a leading", func() (bool, string) { h := holder(); return h == "cm-a", h })
	startControllerManagerWith(t, ts.URL, elect("cm-b"))

	createFakeNode(t, c, "n1", "8", "8Gi")
	registered := func() (int, string) {
		n := 0
		var who []string
		for _, e := range eventsWith(t, c, "default", "RegisteredNode", "n1") {
			n += int(e.Count)
			who = append(who, e.Message)
		}
		return n, fmt.Sprint(who)
	}
	waitFor(t, "one RegisteredNode event for n1", func() (bool, string) { n, s := registered(); return n == 1, s })

	// One ReplicaSet controller: exactly 3 pods, never more.
	three := int32(3)
	lbl := map[string]string{"app": "once"}
	rs := &api.ReplicaSet{ObjectMeta: api.ObjectMeta{Name: "once"}, Spec: api.ReplicaSetSpec{
		Replicas: &three, Selector: &api.LabelSelector{MatchLabels: lbl},
		Template: api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: lbl},
			Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Image: "busybox"}}}}}}
	if _, err := c.ReplicaSets("default").Create(ctx, rs); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "3 pods of the replica set", func() (bool, string) {
		pods, _ := podsOf(t, c, "app=once")
		return len(pods) == 3, fmt.Sprint(len(pods))
	})
	time.Sleep(time.Second)
	if pods, _ := podsOf(t, c, "app=once"); len(pods) != 3 {
		t.Fatalf("%d pods with two controller-managers, want 3", len(pods))
	}
	if n, s := registered(); n != 1 || holder() != "cm-a" {
		t.Fatalf("while cm-a leads: %d RegisteredNode events (%s), holder %q", n, s, holder())
	}

	// cm-a is cut off (it cannot release the lease): cm-b takes over
	// when the lease expires, and its controllers act.
	cut := time.Now()
	proxy.cutOff()
	waitFor(t, "cm-b leading", func() (bool, string) { h := holder(); return h == "cm-b", h })
	if took := time.Since(cut); took < 2*time.Second {
		t.Errorf("cm-b took over %v after cm-a was cut off, before the 3s lease could expire", took)
	}
	waitFor(t, "cm-b's RegisteredNode event", func() (bool, string) { n, s := registered(); return n == 2, s })
	if err := c.Pods("default").Delete(ctx, mustFirstPod(t, c, "app=once"), nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "cm-b's replica set controller replacing a deleted pod", func() (bool, string) {
		pods, _ := podsOf(t, c, "app=once")
		return len(pods) == 3, fmt.Sprint(len(pods))
	})
	stopA()
}

func mustFirstPod(t *testing.T, c *mkclient.Client, sel string) string {
	t.Helper()
	pods, _ := podsOf(t, c, sel)
	if len(pods) == 0 {
		t.Fatal("no pods")
	}
	return pods[0].Name
}
