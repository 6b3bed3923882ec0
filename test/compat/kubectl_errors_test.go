package compat

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadInvocationsMatchRealKubectl runs bad command lines through the
// real kubectl v1.32 and ours: both fail with a message on stderr, and
// where kubectl has the command stdout and stderr are the same.
func TestBadInvocationsMatchRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	cases := []struct {
		args []string
		same bool // the real kubectl prints the same stderr
	}{
		{[]string{"version", "foo"}, true},
		{[]string{"apply"}, true},
		{[]string{"apply", "foo.yaml"}, true},
		{[]string{"create"}, true},
		{[]string{"create", "foo"}, true},
		{[]string{"create", "namespace"}, true},
		{[]string{"create", "namespace", "a", "b"}, true},
		{[]string{"create", "deployment", "--image=nginx"}, true},
		{[]string{"create", "deployment", "web", "--image=x", "--port=abc"}, true},
		{[]string{"create", "service", "clusterip"}, true},
		{[]string{"create", "service", "nodeport"}, true},
		{[]string{"create", "service", "clusterip", "x"}, true},
		{[]string{"create", "service", "clusterip", "x", "--tcp=abc"}, true},
		{[]string{"create", "service", "foo", "x"}, true},
		{[]string{"config", "foo"}, true},
		{[]string{"config", "view", "x"}, true},
		{[]string{"config", "use-context", "nope"}, true},
		{[]string{"config", "get-contexts", "nope"}, true},
		{[]string{"api-resources", "x"}, true},
		{[]string{"get", "pods", "--bogus"}, true},
		{[]string{"describe", "pods", "--bogus"}, true},
		{[]string{"logs"}, true},
		{[]string{"logs", "a", "b", "c"}, true},
		{[]string{"get", "pods", "nope"}, true},
		{[]string{"create", "namespace", "default"}, true},
		{[]string{"get", "pods", "--request-timeout=abc"}, true},
		{[]string{"get"}, true},
		{[]string{"describe"}, true},
		{[]string{"delete"}, true},
		{[]string{"scale", "--replicas=1"}, true},
		{[]string{"label"}, true},
		{[]string{"label", "pods", "x"}, true},
		{[]string{"wait", "pods/x"}, true},
		{[]string{"exec"}, true},
		{[]string{"exec", "x"}, true},
		{[]string{"get", "pods/x", "y"}, true},
		// kubectl logs these through klog or suggests commands: same failure, other words
		{[]string{"create", "deployment", "web"}, false},
		{[]string{"frobnicate"}, false},
		{[]string{"config"}, false},
		{[]string{"create", "service"}, false},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			rOut, rErr, rerr := c.kubectl(t, "", tc.args...)
			oOut, oErr, oerr := c.ours(t, tc.args...)
			if rerr == nil || oerr == nil {
				t.Fatalf("want both to fail: real %v, ours %v", rerr, oerr)
			}
			if strings.TrimSpace(rErr) == "" || strings.TrimSpace(oErr) == "" {
				t.Fatalf("want a message on stderr from both: real %q, ours %q", rErr, oErr)
			}
			if !tc.same && oOut != "" {
				t.Fatalf("our stdout %q, want none", oOut)
			}
			if tc.same {
				if oErr != rErr {
					t.Fatalf("stderr differs\n real %q\n ours %q", rErr, oErr)
				}
				if rOut != oOut {
					t.Fatalf("stdout differs\n real %q\n ours %q", rOut, oOut)
				}
			}
		})
	}
}

// TestCreateAndContextsMatchRealKubectl: `create namespace|deployment|
// service` make the same objects and print the same line through both
// kubectls, and the config context commands print the same.
func TestCreateAndContextsMatchRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	same := func(real, ours []string, rename func(string) string) {
		t.Helper()
		rOut, rErr, rerr := c.kubectl(t, "", real...)
		oOut, oErr, oerr := c.ours(t, ours...)
		if (rerr == nil) != (oerr == nil) || rename(rOut) != oOut || rename(rErr) != oErr {
			t.Fatalf("kubectl %v\n real %v %q %q\n ours %v %q %q", ours, rerr, rOut, rErr, oerr, oOut, oErr)
		}
	}
	swap := func(s string) string { return strings.ReplaceAll(s, "real", "ours") }
	same([]string{"create", "namespace", "real"}, []string{"create", "namespace", "ours"}, swap)
	same([]string{"create", "namespace", "real"}, []string{"create", "namespace", "ours"}, swap) // AlreadyExists
	same([]string{"create", "deployment", "real", "--image=registry.local/a/nginx:1.25", "--image=busybox", "--replicas=2", "--port=80", "-n", "real"},
		[]string{"create", "deployment", "ours", "--image=registry.local/a/nginx:1.25", "--image=busybox", "--replicas=2", "--port=80", "-n", "ours"}, swap)
	same([]string{"create", "service", "nodeport", "real", "--tcp=80:8080", "--tcp=81:admin", "-n", "real"},
		[]string{"create", "service", "nodeport", "ours", "--tcp=80:8080", "--tcp=81:admin", "-n", "ours"}, swap)
	same([]string{"run", "real", "--image=nginx", "--port=80"}, []string{"run", "ours", "--image=nginx", "--port=80"}, swap)
	if r, o := c.ok(t, "", "get", "pod", "real", "-o", "jsonpath={.metadata.labels} {.spec}"), c.ok(t, "", "get", "pod", "ours", "-o", "jsonpath={.metadata.labels} {.spec}"); swap(r) != o {
		t.Fatalf("kubectl run pods differ\n real %s\n ours %s", r, o)
	}
	same([]string{"create", "service", "clusterip", "real", "--tcp=5432", "--clusterip=None"},
		[]string{"create", "service", "clusterip", "ours", "--tcp=5432", "--clusterip=None"}, swap)
	const spec = `-o=jsonpath={.metadata.labels} {.spec.replicas} {.spec.selector} {.spec.template.metadata.labels} {.spec.template.spec.containers[*].name} {.spec.template.spec.containers[*].image} {.spec.template.spec.containers[*].ports}`
	if r, o := c.ok(t, "", "get", "deployment", "real", "-n", "real", spec), c.ok(t, "", "get", "deployment", "ours", "-n", "ours", spec); swap(r) != o {
		t.Fatalf("deployments differ\n real %s\n ours %s", r, o)
	}
	const svcSpec = `-o=jsonpath={.metadata.labels} {.spec.type} {.spec.selector} {.spec.ports[*].name} {.spec.ports[*].port} {.spec.ports[*].targetPort} {.spec.ports[*].protocol}`
	if r, o := c.ok(t, "", "get", "service", "real", "-n", "real", svcSpec), c.ok(t, "", "get", "service", "ours", "-n", "ours", svcSpec); swap(r) != o {
		t.Fatalf("node port services differ\n real %s\n ours %s", r, o)
	}
	if r, o := c.ok(t, "", "get", "service", "real", svcSpec+" {.spec.clusterIP}"), c.ok(t, "", "get", "service", "ours", svcSpec+" {.spec.clusterIP}"); swap(r) != o {
		t.Fatalf("headless services differ\n real %s\n ours %s", r, o)
	}

	noop := func(s string) string { return s }
	// --dry-run=client prints the object kubectl would send.
	for _, args := range [][]string{
		{"create", "namespace", "x", "--dry-run=client", "-o", "yaml"},
		{"create", "deployment", "x", "--image=registry.local/a/nginx:1.25", "--replicas=2", "--port=80", "--dry-run=client", "-o", "yaml"},
		{"create", "deployment", "x", "--image=busybox", "-n", "real", "--dry-run=client", "-o", "json"},
		{"create", "deployment", "x", "--image=busybox", "--dry-run=client", "--", "sleep", "3600"},
		{"create", "service", "nodeport", "x", "--tcp=80:8080", "--node-port=30080", "--dry-run=client", "-o", "yaml"},
		{"create", "service", "clusterip", "x", "--tcp=5432", "--clusterip=None", "--dry-run=client", "-o", "name"},
		{"run", "x", "--image=nginx", "--dry-run=client", "-o", "yaml"},
		{"run", "x", "--image=nginx", "--port=80", "--env=A=B", "--env=C=D=E", "--labels=a=b,c=d", "--restart=Never", "--dry-run=client", "-o", "yaml", "--", "sleep", "10"},
		{"run", "x", "--image=busybox", "--command", "--restart=OnFailure", "-n", "real", "--dry-run=client", "-o", "json", "--", "sh", "-c", "sleep 10"},
		{"run", "x", "--image=nginx", "--restart=Foo"},
	} {
		same(args, args, noop)
	}
	for _, args := range [][]string{
		{"config", "get-contexts"},
		{"config", "get-contexts", "-o", "name"},
		{"config", "get-contexts", "minik8s", "--no-headers"},
		{"config", "current-context"},
		{"config", "use-context", "minik8s"},
	} {
		same(args, args, noop)
	}

	// A kubeconfig of several contexts, with key material.
	kc := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(kc, []byte(multiContextKubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"config", "get-contexts"},
		{"config", "current-context"},
		{"config", "view"},
		{"config", "view", "--minify"},
		{"config", "view", "--minify", "-o", "jsonpath={..namespace}"},
		{"config", "view", "--raw", "-o", "jsonpath={.users[0].user.token}"},
		{"config", "use-context", "lab"},
		{"config", "current-context"},
		{"config", "view", "--minify", "--raw"},
		{"config", "set-context", "--current", "--namespace=kube-system"},
		{"config", "view", "--minify", "-o", "jsonpath={..namespace}"},
		{"config", "use-context", "nope"},
	} {
		// Each kubectl edits its own copy.
		ours := filepath.Join(t.TempDir(), "config")
		data, err := os.ReadFile(kc)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(ours, data, 0o600); err != nil {
			t.Fatal(err)
		}
		same(append([]string{"--kubeconfig", kc}, args...), append([]string{"--kubeconfig", ours}, args...), noop)
		after, err := os.ReadFile(ours)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(kc, after, 0o600); err != nil { // go on from ours
			t.Fatal(err)
		}
	}
}

const multiContextKubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: lab
  cluster:
    server: http://127.0.0.1:6443
    certificate-authority-data: QUJD
- name: other
  cluster:
    server: http://127.0.0.1:1
contexts:
- name: lab
  context: {cluster: lab, user: admin}
- name: lab-dev
  context: {cluster: lab, user: admin, namespace: dev}
current-context: lab-dev
users:
- name: admin
  user: {token: abc, client-key-data: QUJD}
`

// TestExposeMatchesRealKubectl: kubectl expose makes the same service
// through both kubectls.
func TestExposeMatchesRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	c.ok(t, podYAML, "apply", "-f", "-")
	c.ok(t, strings.ReplaceAll(deployYAML, "%REPLICAS%", "0"), "apply", "-f", "-")
	c.ok(t, serviceYAML, "apply", "-f", "-")
	for _, args := range [][]string{
		{"expose", "deployment", "hello", "--dry-run=client", "-o", "yaml"},
		{"expose", "deployment/hello", "--port=80", "--target-port=8080", "--type=NodePort", "--name=web", "--dry-run=client", "-o", "yaml"},
		{"expose", "pod", "web", "--port=80,443", "--labels=x=y", "--dry-run=client", "-o", "json"},
		{"expose", "pod", "web", "--selector=app=web,tier=fe", "--protocol=UDP", "--target-port=dns", "--dry-run=client", "-o", "yaml"},
		{"expose", "service", "hello", "--name=copy", "--dry-run=client", "-o", "yaml"},
		{"expose", "service", "hello", "--name=copy", "--cluster-ip=None", "--session-affinity=ClientIP", "--dry-run=client", "-o", "yaml"},
		{"expose", "deployment", "nope"},
		{"expose"},
	} {
		rOut, rErr, rerr := c.kubectl(t, "", args...)
		oOut, oErr, oerr := c.ours(t, args...)
		if (rerr == nil) != (oerr == nil) || rOut != oOut || rErr != oErr {
			t.Fatalf("kubectl %s\nreal (%v):\n%s%s\nours (%v):\n%s%s", strings.Join(args, " "), rerr, rOut, rErr, oerr, oOut, oErr)
		}
	}
	if r, o := c.ok(t, "", "expose", "deployment", "hello", "--name=real"), c.ok(t, "", "expose", "deployment", "hello", "--name=ours"); r != "service/real exposed\n" || o != "service/ours exposed\n" {
		t.Fatalf("expose: real %q, ours %q", r, o)
	}
	const spec = `-o=jsonpath={.metadata.labels} {.spec.selector} {.spec.ports} {.spec.type}`
	if r, o := c.ok(t, "", "get", "svc", "real", spec), c.ok(t, "", "get", "svc", "ours", spec); r != o {
		t.Fatalf("exposed services differ\n real %s\n ours %s", r, o)
	}
}
