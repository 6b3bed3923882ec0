package compat

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCreateConfigMapSecretMatchesRealKubectl: `create configmap` and
// `create secret generic` with every source flag print the same objects
// and errors through the real kubectl v1.32 and ours; `get` and
// `describe` of what they created print the same.
func TestCreateConfigMapSecretMatchesRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	conf := write("files/app.conf", "port=8080\nmode=dev\n")
	write("files/other.txt", "hello")
	bin := write("bin.dat", "\x00\xff\x01")
	env := write("app.env", "# comment\n\nA=1\nB=two=2\n  C=spaced\n")
	badEnv := write("bad.env", "1X=y\n")
	files := filepath.Join(dir, "files")

	for _, args := range [][]string{
		{"create", "configmap", "c1", "--from-literal=a=1", "--from-literal=b=x=y", "--dry-run=client", "-o", "yaml"},
		{"create", "configmap", "c1", "--from-file=" + conf, "--from-file=k2=" + conf, "--from-file=" + bin, "--dry-run=client", "-o", "yaml"},
		{"create", "configmap", "c1", "--from-file=" + files, "--dry-run=client", "-o", "json"},
		{"create", "configmap", "c1", "--from-env-file=" + env, "--dry-run=client", "-o", "yaml"},
		{"create", "configmap", "c1", "--from-literal=a=1", "--append-hash", "--dry-run=client", "-o", "yaml"},
		{"create", "cm", "c1", "--from-literal=a=1", "-n", "other", "--dry-run=client", "-o", "name"},
		{"create", "configmap", "c1", "--dry-run=client"},
		{"create", "configmap", "c1", "--from-literal=a=1", "--from-literal=a=2"},
		{"create", "configmap", "c1", "--from-literal=a b=1"},
		{"create", "configmap", "c1", "--from-literal=novalue"},
		{"create", "configmap", "c1", "--from-env-file=" + env, "--from-literal=a=1"},
		{"create", "configmap", "c1", "--from-env-file=" + badEnv},
		{"create", "configmap", "c1", "--from-env-file=" + files},
		{"create", "configmap", "c1", "--from-file=k=" + files},
		{"create", "configmap", "c1", "--from-file=" + filepath.Join(dir, "missing")},
		{"create", "configmap"},
		{"create", "secret", "generic", "s1", "--from-literal=user=admin", "--from-file=" + conf, "--dry-run=client", "-o", "yaml"},
		{"create", "secret", "generic", "s1", "--from-env-file=" + env, "--type=example.com/x", "--dry-run=client", "-o", "json"},
		{"create", "secret", "generic", "s1", "--from-literal=a=1", "--append-hash", "--dry-run=client", "-o", "yaml"},
		{"create", "secret", "generic", "s1", "--from-literal=a=1", "--from-literal=a=2"},
		{"create", "secret", "generic", "s1", "--from-literal=..=1"},
		{"create", "secret", "generic", "s1", "--from-env-file=" + files},
	} {
		c.sameOutput(t, args...)
	}

	// Created for real (by ours and by the real kubectl): same answers,
	// same objects, same get and describe.
	for _, who := range []string{"real", "ours"} {
		args := [][]string{
			{"create", "configmap", "cm-" + who, "--from-literal=a=1", "--from-file=" + conf, "--from-file=" + bin},
			{"create", "secret", "generic", "sec-" + who, "--from-literal=password=s3cret"},
			{"create", "secret", "generic", "tls-" + who, "--type=kubernetes.io/tls", "--from-file=tls.crt=" + conf, "--from-file=tls.key=" + conf},
		}
		for _, a := range args {
			var out string
			if who == "real" {
				out = c.ok(t, "", a...)
			} else {
				o, oErr, err := c.ours(t, a...)
				if err != nil {
					t.Fatalf("ours %v: %v %s", a, err, oErr)
				}
				out = o
			}
			kind := map[string]string{"configmap": "configmap", "secret": "secret"}[a[1]]
			if !strings.HasPrefix(out, kind+"/") || !strings.HasSuffix(out, "-"+who+" created\n") {
				t.Fatalf("%s %v printed %q", who, a, out)
			}
		}
	}
	for _, args := range [][]string{
		{"get", "configmap", "cm-real", "-o", "jsonpath={.data} {.binaryData}"},
		{"get", "secret", "tls-real", "-o", "jsonpath={.type} {.data}"},
	} {
		r := c.ok(t, "", args...)
		oargs := append([]string{}, args...)
		oargs[2] = strings.Replace(oargs[2], "real", "ours", 1)
		if o := c.ok(t, "", oargs...); o != r {
			t.Fatalf("objects differ: real %s, ours %s", r, o)
		}
	}
	// Error from the server: the same message and exit status.
	c.sameOutput(t, "create", "configmap", "cm-real", "--from-literal=a=1")
	c.sameOutput(t, "create", "secret", "generic", "sec-real", "--from-literal=a=1")
	c.sameOutput(t, "create", "secret", "generic", "bad", "--type=kubernetes.io/tls", "--from-literal=tls.crt=x")

	// One key in data and one in binaryData: kubectl's describe order is
	// then deterministic.
	c.ok(t, "", "create", "configmap", "desc", "--from-file="+conf, "--from-file="+bin)
	for _, args := range [][]string{
		{"get", "configmaps"},
		{"get", "cm", "cm-real", "cm-ours"},
		{"get", "secrets"},
		{"get", "secret", "sec-real", "-o", "wide"},
		{"describe", "configmap", "desc"},
		{"describe", "secret", "sec-real"},
	} {
		c.sameTable(t, args...)
	}
	// kubectl 1.32 describes the keys in map order: with several keys only
	// ours is stable (sorted).
	if out, _, err := c.ours(t, "describe", "secret", "tls-ours"); err != nil || !strings.Contains(out, "Data\n====\ntls.crt:  19 bytes\ntls.key:  19 bytes\n") {
		t.Fatalf("describe secret tls-ours: %v\n%s", err, out)
	}
}

// TestPythonClientConfigMapSecret: the official Python client creates,
// reads, lists, updates, patches and deletes ConfigMaps and Secrets.
func TestPythonClientConfigMapSecret(t *testing.T) {
	py := python(t)
	c := startCluster(t)
	const ns = "pycm"
	if _, err := doJSON(c.ts.URL+"/api/v1/namespaces", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"`+ns+`"}}`); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, py, "python_configmap.py", c.kubeconfig, ns).CombinedOutput()
	t.Logf("python client output:\n%s", out)
	if err != nil {
		t.Fatalf("python client: %v", err)
	}
	if !strings.Contains(string(out), "python configmap client: all checks passed") {
		t.Fatal("python client did not finish its checks")
	}
}
