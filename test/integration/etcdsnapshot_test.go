package integration

// `minik8s etcd-snapshot save|restore` against a real apiserver and its
// embedded etcd: the restore brings back exactly the snapshot's objects,
// resourceVersions keep increasing, and a watch from a resourceVersion a
// client saw before the restore gets 410 Gone (it must re-list).

import (
	"context"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
	"minik8s/pkg/etcdsnapshot"
)

func snapshotNames[T api.Object](t *testing.T, r *mkclient.Resource[T]) string {
	t.Helper()
	items, _, err := r.List(context.Background(), mkclient.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, o := range items {
		out = append(out, o.GetObjectMeta().Name)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func TestEtcdSnapshotSaveRestore(t *testing.T) {
	ts := testserver.Start(t)
	ctx := context.Background()
	c, err := mkclient.New(&mkclient.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	const ns = "snap"
	if _, err := c.Namespaces().Create(ctx, &api.Namespace{ObjectMeta: api.ObjectMeta{Name: ns}}); err != nil {
		t.Fatal(err)
	}
	cms := mkclient.Typed[*api.ConfigMap](c, ns)
	one := int32(1)
	labels := map[string]string{"app": "web"}
	if _, err := c.Deployments(ns).Create(ctx, &api.Deployment{ObjectMeta: api.ObjectMeta{Name: "web"}, Spec: api.DeploymentSpec{
		Replicas: &one, Selector: &api.LabelSelector{MatchLabels: labels},
		Template: api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: labels}, Spec: api.PodSpec{
			Containers: []api.Container{{Name: "web", Image: "docker.io/minik8s/tools:latest"}}}},
	}}); err != nil {
		t.Fatal(err)
	}
	svc, err := c.Services(ns).Create(ctx, &api.Service{ObjectMeta: api.ObjectMeta{Name: "web"}, Spec: api.ServiceSpec{
		Selector: labels, Ports: []api.ServicePort{{Port: 80}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"keep", "changed"} {
		if _, err := cms.Create(ctx, &api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: name}, Data: map[string]string{"v": "1"}}); err != nil {
			t.Fatal(err)
		}
	}
	snapRev, err := ts.Revision(ctx)
	if err != nil {
		t.Fatal(err)
	}

	info, err := etcdsnapshot.Save(ctx, etcdsnapshot.SaveOptions{
		Source: etcdsnapshot.Source{DataDir: ts.DataDir}, Dir: filepath.Join(t.TempDir(), "snapshots"), Name: "on-demand", Node: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if info.Revision != snapRev {
		t.Errorf("snapshot revision = %d, want the store's %d", info.Revision, snapRev)
	}
	t.Logf("saved %s: %d bytes, revision %d, %d keys, in %s", info.Path, info.Size, info.Revision, info.Keys, info.Took)

	// Changes after the snapshot: all of them are undone by the restore.
	if err := c.Deployments(ns).Delete(ctx, "web", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Services(ns).Delete(ctx, "web", nil); err != nil {
		t.Fatal(err)
	}
	cm, err := cms.Get(ctx, "changed")
	if err != nil {
		t.Fatal(err)
	}
	cm.Data["v"] = "2"
	if _, err := cms.Update(ctx, cm); err != nil {
		t.Fatal(err)
	}
	later, err := cms.Create(ctx, &api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: "later"}})
	if err != nil {
		t.Fatal(err)
	}
	seenRV := later.ResourceVersion // the newest resourceVersion a client saw
	if got := snapshotNames(t, cms); got != "changed,keep,later" {
		t.Fatalf("configmaps before the restore = %s", got)
	}

	// Refused while the apiserver (its etcd) runs.
	opts := etcdsnapshot.RestoreOptions{Snapshot: info.Path, DataDir: ts.DataDir, BumpRevision: etcdsnapshot.DefaultBumpRevision, MarkCompacted: true}
	if _, err := etcdsnapshot.Restore(opts); err == nil || !strings.Contains(err.Error(), "stop the apiserver first") {
		t.Fatalf("restore while the apiserver runs: error = %v", err)
	}
	ts.Stop()
	res, err := etcdsnapshot.Restore(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("restored into %s in %s (old dir kept in %s)", res.DataDir, res.Took, res.Aside)
	if res.Aside == "" {
		t.Error("the previous data dir was not moved aside")
	}
	ts.Restart(t)

	// Exactly the snapshot's objects.
	if got := snapshotNames(t, cms); got != "changed,keep" {
		t.Errorf("configmaps after the restore = %s, want changed,keep", got)
	}
	if cm, err := cms.Get(ctx, "changed"); err != nil || cm.Data["v"] != "1" {
		t.Errorf("configmap changed after the restore = %v (%v), want the snapshot's v=1", cm, err)
	}
	if got := snapshotNames(t, c.Deployments(ns)); got != "web" {
		t.Errorf("deployments after the restore = %q, want web", got)
	}
	got, err := c.Services(ns).Get(ctx, "web")
	if err != nil || got.Spec.ClusterIP != svc.Spec.ClusterIP {
		t.Errorf("service after the restore = %v (%v), want clusterIP %s", got, err, svc.Spec.ClusterIP)
	}

	// resourceVersions keep increasing past everything clients saw.
	seen, _ := strconv.ParseInt(seenRV, 10, 64)
	fresh, err := cms.Create(ctx, &api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: "fresh"}})
	if err != nil {
		t.Fatal(err)
	}
	if rv, _ := strconv.ParseInt(fresh.ResourceVersion, 10, 64); rv <= seen || rv <= snapRev+etcdsnapshot.DefaultBumpRevision {
		t.Errorf("first write after the restore at resourceVersion %d, want > %d (seen before) and > %d (bumped)", rv, seen, snapRev+etcdsnapshot.DefaultBumpRevision)
	}

	// A watch from a resourceVersion seen before the restore: 410 Gone.
	for _, rv := range []string{seenRV, strconv.FormatInt(snapRev, 10)} {
		w, err := cms.Watch(ctx, mkclient.ListOptions{ResourceVersion: rv})
		if err != nil {
			if !mkclient.IsGone(err) {
				t.Errorf("watch from %s: error = %v, want 410 Gone", rv, err)
			}
			continue
		}
		select {
		case ev := <-w.ResultChan():
			if !mkclient.IsGone(ev.Err()) {
				t.Errorf("watch from %s: first event %s (%v), want an ERROR 410 Gone", rv, ev.Type, ev.Err())
			}
		case <-time.After(10 * time.Second):
			t.Errorf("watch from %s: no event in 10s, want an ERROR 410 Gone", rv)
		}
		w.Stop()
	}
}
