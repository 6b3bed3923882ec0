package integration

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"minik8s/apiserver"
	"minik8s/apiserver/testserver"
	"minik8s/controller/rootcacertpublisher"
	"minik8s/controller/serviceaccount"
	"minik8s/pkg/api"
	mclient "minik8s/pkg/client"
	"minik8s/pkg/client/cache"
)

// runner is a controller's Run.
type saRunner interface{ Run(context.Context) error }

// startSAControllers runs the ServiceAccount controller and the root CA
// publisher (publishing ca) against server until the test ends.
func startSAControllers(t *testing.T, server string, ca []byte) *mclient.Client {
	t.Helper()
	c, err := mclient.New(&mclient.Config{Server: server, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	factory := cache.NewSharedInformerFactory(c, time.Minute)
	ctls := []saRunner{
		serviceaccount.New(c, factory, serviceaccount.Config{Resync: time.Minute}),
		rootcacertpublisher.New(c, factory, rootcacertpublisher.Config{RootCA: ca, Resync: time.Minute}),
	}
	ctx, cancel := context.WithCancel(context.Background())
	factory.Start(ctx)
	done := make(chan error, len(ctls))
	for _, ctl := range ctls {
		go func() { done <- ctl.Run(ctx) }()
	}
	t.Cleanup(func() {
		cancel()
		for range ctls {
			if err := <-done; err != nil {
				t.Errorf("controller: %v", err)
			}
		}
		factory.Shutdown()
	})
	return c
}

// withTokenSigner makes the apiserver a ServiceAccount token issuer (a
// fresh RSA key), which turns the ServiceAccount admission on.
func withTokenSigner(t *testing.T) func(*apiserver.Options) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "sa.key")
	b := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return func(o *apiserver.Options) { o.ServiceAccountSigningKeyFile = path }
}

// TestServiceAccountControllers: every namespace gets the `default`
// ServiceAccount and the kube-root-ca.crt ConfigMap, both put back when
// deleted, the ConfigMap also when changed.
func TestServiceAccountControllers(t *testing.T) {
	ts := testserver.Start(t)
	ca := []byte("-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n")
	c := startSAControllers(t, ts.URL, ca)
	ctx := context.Background()
	if _, err := c.Namespaces().Create(ctx, &api.Namespace{ObjectMeta: api.ObjectMeta{Name: "team-a"}}); err != nil {
		t.Fatal(err)
	}
	sas := mclient.Typed[*api.ServiceAccount](c, "team-a")
	cms := mclient.Typed[*api.ConfigMap](c, "team-a")
	hasSA := func() bool { _, err := sas.Get(ctx, "default"); return err == nil }
	caOK := func() bool {
		cm, err := cms.Get(ctx, "kube-root-ca.crt")
		return err == nil && cm.Data["ca.crt"] == string(ca) && len(cm.Data) == 1 &&
			cm.Annotations["kubernetes.io/description"] == rootcacertpublisher.Description
	}
	for _, ns := range []string{"default", "kube-system", "team-a"} {
		eventually(t, "default ServiceAccount in "+ns, func() bool {
			_, err := mclient.Typed[*api.ServiceAccount](c, ns).Get(ctx, "default")
			return err == nil
		})
	}
	eventually(t, "kube-root-ca.crt in team-a", caOK)

	if err := sas.Delete(ctx, "default", nil); err != nil {
		t.Fatal(err)
	}
	eventually(t, "default ServiceAccount recreated", hasSA)

	cm, err := cms.Get(ctx, "kube-root-ca.crt")
	if err != nil {
		t.Fatal(err)
	}
	cm.Data = map[string]string{"ca.crt": "tampered", "extra": "x"}
	if _, err := cms.Update(ctx, cm); err != nil {
		t.Fatal(err)
	}
	eventually(t, "kube-root-ca.crt restored after a change", caOK)
	if err := cms.Delete(ctx, "kube-root-ca.crt", nil); err != nil {
		t.Fatal(err)
	}
	eventually(t, "kube-root-ca.crt recreated", caOK)
}

// TestServiceAccountAdmission: with a token signer, a pod runs as
// `default`, gets Kubernetes' kube-api-access-XXXXX projected volume
// mounted read-only in every container, and a pod naming a missing
// account is forbidden with Kubernetes' message.
func TestServiceAccountAdmission(t *testing.T) {
	ts := testserver.StartWithOptions(t, withTokenSigner(t))
	c := startSAControllers(t, ts.URL, []byte("ca"))
	ctx := context.Background()
	eventually(t, "default ServiceAccount", func() bool {
		_, err := mclient.Typed[*api.ServiceAccount](c, "default").Get(ctx, "default")
		return err == nil
	})
	pods := ts.URL + "/api/v1/namespaces/default/pods"

	pod := decodeInto[api.Pod](t, mustDo(t, http.StatusCreated, "POST", pods, "application/json",
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p1"},"spec":{"initContainers":[{"name":"i","image":"busybox"}],"containers":[{"name":"c","image":"busybox"}]}}`))
	if pod.Spec.ServiceAccountName != "default" || len(pod.Spec.Volumes) != 1 {
		t.Fatalf("pod: serviceAccountName %q volumes %+v", pod.Spec.ServiceAccountName, pod.Spec.Volumes)
	}
	v := pod.Spec.Volumes[0]
	if !strings.HasPrefix(v.Name, "kube-api-access-") || len(v.Name) != len("kube-api-access-")+5 || v.Projected == nil ||
		len(v.Projected.Sources) != 3 || *v.Projected.Sources[0].ServiceAccountToken.ExpirationSeconds != 3607 ||
		v.Projected.Sources[1].ConfigMap.Name != "kube-root-ca.crt" || *v.Projected.DefaultMode != 420 {
		t.Errorf("volume %+v", v)
	}
	for _, ctr := range append(pod.Spec.InitContainers, pod.Spec.Containers...) {
		if len(ctr.VolumeMounts) != 1 || ctr.VolumeMounts[0] != (api.VolumeMount{Name: v.Name, ReadOnly: true, MountPath: "/var/run/secrets/kubernetes.io/serviceaccount"}) {
			t.Errorf("container %s mounts %+v", ctr.Name, ctr.VolumeMounts)
		}
	}

	off := decodeInto[api.Pod](t, mustDo(t, http.StatusCreated, "POST", pods, "application/json",
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p2"},"spec":{"automountServiceAccountToken":false,"containers":[{"name":"c","image":"busybox"}]}}`))
	if len(off.Spec.Volumes) != 0 || len(off.Spec.Containers[0].VolumeMounts) != 0 {
		t.Errorf("automountServiceAccountToken false still mounts: %+v", off.Spec)
	}

	code, b := do(t, "POST", pods, "application/json",
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p3"},"spec":{"serviceAccountName":"robot","containers":[{"name":"c","image":"busybox"}]}}`)
	if st := status(t, b); code != http.StatusForbidden || st.Reason != "Forbidden" ||
		st.Message != `pods "p3" is forbidden: error looking up service account default/robot: serviceaccount "robot" not found` {
		t.Errorf("missing account: %d %s", code, b)
	}
	code, b = do(t, "POST", pods, "application/json",
		`{"apiVersion":"v1","kind":"Pod","metadata":{"generateName":"web-"},"spec":{"serviceAccountName":"robot","containers":[{"name":"c","image":"busybox"}]}}`)
	if st := status(t, b); code != http.StatusForbidden || !strings.HasPrefix(st.Message, `pods "web-" is forbidden: error looking up service account default/robot`) {
		t.Errorf("missing account, generated name: %d %s", code, b)
	}

	// An account that opts out.
	mustDo(t, http.StatusCreated, "POST", ts.URL+"/api/v1/namespaces/default/serviceaccounts", "application/json",
		`{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"robot"},"automountServiceAccountToken":false}`)
	robot := decodeInto[api.Pod](t, mustDo(t, http.StatusCreated, "POST", pods, "application/json",
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p4"},"spec":{"serviceAccountName":"robot","containers":[{"name":"c","image":"busybox"}]}}`))
	if len(robot.Spec.Volumes) != 0 {
		t.Errorf("account automountServiceAccountToken false still mounts: %+v", robot.Spec.Volumes)
	}
}

// TestServiceAccountAdmissionOff: without a token signer nothing is
// looked up or mounted (a namespace's pods need no account yet).
func TestServiceAccountAdmissionOff(t *testing.T) {
	ts := testserver.Start(t)
	pod := decodeInto[api.Pod](t, mustDo(t, http.StatusCreated, "POST", ts.URL+"/api/v1/namespaces/default/pods", "application/json",
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}`))
	if pod.Spec.ServiceAccountName != "default" || len(pod.Spec.Volumes) != 0 {
		t.Errorf("pod %+v", pod.Spec)
	}
}

// TestServiceAccountAdmissionWaitsForDefault: a pod created right after
// its namespace (as `kubectl create ns x && kubectl run … -n x` does) is
// admitted once the controller has made the default account, as
// Kubernetes' admission looks the default account up again for a while;
// with no controller it is refused after that while, with Kubernetes'
// message.
func TestServiceAccountAdmissionWaitsForDefault(t *testing.T) {
	ts := testserver.StartWithOptions(t, withTokenSigner(t))
	podJSON := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}`

	// No ServiceAccount controller yet: refused, after the retries.
	mustDo(t, http.StatusCreated, "POST", ts.URL+"/api/v1/namespaces", "application/json",
		`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"lonely"}}`)
	start := time.Now()
	code, b := do(t, "POST", ts.URL+"/api/v1/namespaces/lonely/pods", "application/json", podJSON)
	if st := status(t, b); code != http.StatusForbidden ||
		st.Message != `pods "p" is forbidden: error looking up service account lonely/default: serviceaccount "default" not found` {
		t.Errorf("no default account: %d %s", code, b)
	}
	if took := time.Since(start); took < 900*time.Millisecond || took > 10*time.Second {
		t.Errorf("refused after %v; want the default account looked up for about 1–2 s", took)
	}

	// With the controller: back to back creates succeed, every time.
	startSAControllers(t, ts.URL, []byte("ca"))
	for i := range 5 {
		ns := fmt.Sprintf("fresh-%d", i)
		mustDo(t, http.StatusCreated, "POST", ts.URL+"/api/v1/namespaces", "application/json",
			`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"`+ns+`"}}`)
		pod := decodeInto[api.Pod](t, mustDo(t, http.StatusCreated, "POST", ts.URL+"/api/v1/namespaces/"+ns+"/pods", "application/json", podJSON))
		if pod.Spec.ServiceAccountName != "default" || len(pod.Spec.Volumes) != 1 {
			t.Errorf("%s: pod %+v", ns, pod.Spec)
		}
	}
}
