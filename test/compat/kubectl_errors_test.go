package compat

import (
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
	for _, args := range [][]string{
		{"config", "get-contexts"},
		{"config", "get-contexts", "-o", "name"},
		{"config", "get-contexts", "minik8s", "--no-headers"},
		{"config", "current-context"},
		{"config", "use-context", "minik8s"},
	} {
		same(args, args, noop)
	}
}
