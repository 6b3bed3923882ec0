package garbagecollector

import (
	"context"
	"testing"
	"time"

	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/client/cache"
)

// TestSyncUsesLatestObject is the race behind a flaky orphan deletion: the
// owner was deleted with propagationPolicy=Orphan, the collector removed
// its reference from the dependent and the owner went, but the graph
// still held the dependent's older version naming the now-absent owner.
// Deciding on that version would delete the orphan; the collector must
// read the dependent first (as Kubernetes' attemptToDeleteItem does).
func TestSyncUsesLatestObject(t *testing.T) {
	ts := testserver.Start(t)
	c, err := client.New(&client.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	zero := int32(0)
	lbls := map[string]string{"app": "stale"}
	rs, err := c.ReplicaSets("default").Create(ctx, &api.ReplicaSet{
		ObjectMeta: api.ObjectMeta{Name: "orphan", Namespace: "default", Labels: lbls},
		Spec: api.ReplicaSetSpec{Replicas: &zero, Selector: &api.LabelSelector{MatchLabels: lbls},
			Template: api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: lbls},
				Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Image: "busybox"}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	// The collector is not started: its graph holds only what we put in.
	gc := New(c, cache.NewSharedInformerFactory(c, time.Minute), Config{})
	stale := nodeOf(c.ReplicaSets("").Info(), rs)
	stale.owners = []api.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: "gone", UID: "uid-of-gone"}}
	gc.graph.upsert(stale)

	if err := gc.sync(ctx, rs.UID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReplicaSets("default").Get(ctx, "orphan"); err != nil {
		t.Fatalf("the orphaned replicaset was collected on a stale view: %v", err)
	}

	// The live object still naming the absent owner is collected.
	rs.OwnerReferences = stale.owners
	if _, err := c.ReplicaSets("default").Update(ctx, rs); err != nil {
		t.Fatal(err)
	}
	if err := gc.sync(ctx, rs.UID); err != nil {
		t.Fatal(err)
	}
	got, err := c.ReplicaSets("default").Get(ctx, "orphan")
	if !client.IsNotFound(err) && (err != nil || got.DeletionTimestamp == nil) {
		t.Fatalf("a dependent of an absent owner stayed: %v %+v", err, got)
	}
}
