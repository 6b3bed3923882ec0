package integration

// The add-on manager in the controller-manager with --addons=dns,ingress:
// it creates the kube-dns Service and Deployment, the IngressClass and the
// ingress DaemonSet; deleted Reconcile objects come back, a changed image
// is put back, and an EnsureExists object keeps the user's change.

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"minik8s/apiserver/testserver"
	"minik8s/controller"
	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
)

func TestAddonManager(t *testing.T) {
	ts := testserver.Start(t)
	c, err := mkclient.New(&mkclient.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	startControllerManagerWith(t, ts.URL, func(o *controller.Options) { o.Addons = []string{"dns", "ingress"} })
	svcs := c.Services("kube-system")
	deps := c.Deployments("kube-system")
	classes := mkclient.Typed[*api.IngressClass](c, "")

	waitFor(t, "the add-on objects", func() (bool, string) {
		svc, err1 := svcs.Get(ctx, "kube-dns")
		_, err2 := deps.Get(ctx, "kube-dns")
		_, err3 := classes.Get(ctx, "minik8s")
		_, err4 := mkclient.Typed[*api.DaemonSet](c, "kube-system").Get(ctx, "minik8s-ingress")
		if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
			return false, fmt.Sprint(err1, err2, err3, err4)
		}
		return svc.Spec.ClusterIP == "10.96.0.10", svc.Spec.ClusterIP
	})
	first, _ := svcs.Get(ctx, "kube-dns")

	// Deleted: both come back (new objects), the Service at the same address.
	if err := svcs.Delete(ctx, "kube-dns", nil); err != nil {
		t.Fatal(err)
	}
	if err := deps.Delete(ctx, "kube-dns", nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "kube-dns re-created", func() (bool, string) {
		svc, err1 := svcs.Get(ctx, "kube-dns")
		d, err2 := deps.Get(ctx, "kube-dns")
		if err1 != nil || err2 != nil {
			return false, fmt.Sprint(err1, err2)
		}
		return svc.UID != first.UID && svc.Spec.ClusterIP == "10.96.0.10" && *d.Spec.Replicas == 2, fmt.Sprintf("svc %s %s", svc.UID, svc.Spec.ClusterIP)
	})

	// Changed: the image is put back.
	patch, _ := json.Marshal(map[string]any{"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
		"containers": []map[string]any{{"name": "dns", "image": "evil:1"}}}}}})
	if _, err := deps.Patch(ctx, "kube-dns", mkclient.StrategicMergePatchType, patch); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the image restored", func() (bool, string) {
		d, err := deps.Get(ctx, "kube-dns")
		if err != nil {
			return false, err.Error()
		}
		img := d.Spec.Template.Spec.Containers[0].Image
		return img == "docker.io/minik8s/minik8s:latest", img
	})

	// EnsureExists: a change to the IngressClass stays; deleted, it comes back.
	if _, err := classes.Patch(ctx, "minik8s", mkclient.MergePatchType,
		[]byte(`{"metadata":{"annotations":{"ingressclass.kubernetes.io/is-default-class":"false"}}}`)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if ic, err := classes.Get(ctx, "minik8s"); err != nil || ic.Annotations["ingressclass.kubernetes.io/is-default-class"] != "false" {
		t.Fatalf("EnsureExists object changed back: %v %v", ic, err)
	}
	if err := classes.Delete(ctx, "minik8s", nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the IngressClass re-created", func() (bool, string) {
		ic, err := classes.Get(ctx, "minik8s")
		if err != nil {
			return false, err.Error()
		}
		return ic.Annotations["ingressclass.kubernetes.io/is-default-class"] == "true", fmt.Sprint(ic.Annotations)
	})

	// No repair loop: the restored Deployment stays at one generation.
	d1, _ := deps.Get(ctx, "kube-dns")
	time.Sleep(2 * time.Second)
	if d2, _ := deps.Get(ctx, "kube-dns"); d2.ResourceVersion != d1.ResourceVersion && d2.Generation != d1.Generation {
		t.Errorf("the add-on manager keeps rewriting the Deployment: generation %d -> %d", d1.Generation, d2.Generation)
	}
}
