package e2e

// Part "incluster" of TestKubectlOnLab (issue 13): the official Python
// client (Debian's python3-kubernetes, from the host, mounted read-only
// into a tools-image container) runs `config.load_incluster_config()` in a
// pod and lists the pods of its namespace through the kubernetes Service
// (10.96.0.1:443, HTTPS, the projected token and ca.crt). The pod of an
// account bound to a Role allowing it lists; the pod of an account without
// one gets 403. It needs the secured cluster (HTTPS, RBAC, token signing):
// on a plain-HTTP apiserver it skips.

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"minik8s/pkg/api"
)

func init() { registerKubectlE2E("incluster", testInClusterOnLab) }

// inClusterScript lists the pods of the pod's namespace, printing
// "LISTED name..." or "STATUS code" and the error body.
const inClusterScript = `
from kubernetes import client, config
from kubernetes.client.rest import ApiException
config.load_incluster_config()
ns = open("/var/run/secrets/kubernetes.io/serviceaccount/namespace").read()
try:
    pods = client.CoreV1Api().list_namespaced_pod(ns)
    print("LISTED", " ".join(sorted(p.metadata.name for p in pods.items)))
except ApiException as e:
    print("STATUS", e.status)
    print(e.body)
`

func testInClusterOnLab(ctx context.Context, t *testing.T, cl *cluster) {
	if !strings.HasPrefix(cl.url, "https://") {
		t.Skipf("the lab's apiserver is not HTTPS (%s): the in-cluster part needs the secured cluster (TLS, RBAC, ServiceAccount tokens)", cl.url)
	}
	const ns = "e2e-incluster"
	kc := func(args ...string) string {
		t.Helper()
		out, err := cl.kubectl(ctx, args...)
		if err != nil {
			t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	kc("create", "namespace", ns)
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if out, err := cl.kubectl(cctx, "delete", "namespace", ns, "--timeout=90s"); err != nil {
			t.Logf("deleting namespace %s: %v %s", ns, err, out)
		}
	})
	// hostPath volumes need the privileged Pod Security level.
	kc("label", "namespace", ns, "pod-security.kubernetes.io/enforce=privileged")
	kc("-n", ns, "create", "serviceaccount", "reader")
	kc("-n", ns, "create", "serviceaccount", "nobody")
	post := func(path, body string) {
		t.Helper()
		if _, err := cl.c.Do(ctx, http.MethodPost, path, []byte(body), map[string]string{"Content-Type": "application/json"}); err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
	}
	rbac := "/apis/rbac.authorization.k8s.io/v1/namespaces/" + ns
	post(rbac+"/roles", `{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"pod-reader"},
		"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get","list","watch"]}]}`)
	post(rbac+"/rolebindings", fmt.Sprintf(`{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"reader-reads-pods"},
		"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"pod-reader"},
		"subjects":[{"kind":"ServiceAccount","name":"reader","namespace":%q}]}`, ns))

	hostDir := func(name, path string) api.Volume {
		return api.Volume{Name: name, VolumeSource: api.VolumeSource{HostPath: &api.HostPathVolumeSource{Path: path}}}
	}
	clientPod := func(name, sa string) *api.Pod {
		return &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, Namespace: ns}, Spec: api.PodSpec{
			NodeName: cl.node(1).Name, ServiceAccountName: sa, RestartPolicy: api.RestartNever,
			Containers: []api.Container{{Name: "python", Image: "docker.io/minik8s/tools:latest",
				Command: []string{"/usr/bin/python3", "-c", inClusterScript},
				// The host's Python, its libraries and its loader; the
				// image's static busybox stays in /bin.
				VolumeMounts: []api.VolumeMount{{Name: "usr", MountPath: "/usr", ReadOnly: true},
					{Name: "lib", MountPath: "/lib", ReadOnly: true}, {Name: "lib64", MountPath: "/lib64", ReadOnly: true}},
			}},
			Volumes: []api.Volume{hostDir("usr", "/usr"), hostDir("lib", "/usr/lib"), hostDir("lib64", "/usr/lib64")},
		}}
	}
	finished := func(p *api.Pod) bool { return p.Status.Phase == api.PodSucceeded || p.Status.Phase == api.PodFailed }
	run := func(name, sa string) string {
		t.Helper()
		cmCreatePod(ctx, t, cl, clientPod(name, sa))
		p := cmWaitPod(ctx, t, cl, ns, name, 2*time.Minute, "finished", finished)
		logs := kc("-n", ns, "logs", name)
		if p.Status.Phase != api.PodSucceeded {
			t.Fatalf("pod %s %s:\n%s", name, p.Status.Phase, logs)
		}
		return logs
	}

	if got := run("allowed", "reader"); !strings.HasPrefix(got, "LISTED ") || !strings.Contains(got, "allowed") {
		t.Errorf("with the Role: %q, want the pods of %s listed", got, ns)
	}
	got := run("denied", "nobody")
	want := fmt.Sprintf(`pods is forbidden: User \"system:serviceaccount:%s:nobody\" cannot list resource \"pods\" in API group \"\" in the namespace \"%s\"`, ns, ns)
	if !strings.HasPrefix(got, "STATUS 403\n") || !strings.Contains(got, want) {
		t.Errorf("without a Role: %q, want 403 and %s", got, want)
	}
	// What the pod got, as Kubernetes gives it.
	p, err := cl.c.Pods(ns).Get(ctx, "denied")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Spec.Volumes) != 4 || !strings.HasPrefix(p.Spec.Volumes[3].Name, "kube-api-access-") || p.Spec.Volumes[3].Projected == nil {
		t.Errorf("volumes %+v, want the projected kube-api-access-* volume last", p.Spec.Volumes)
	}
}
