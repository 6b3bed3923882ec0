// Package compat checks that real Kubernetes clients work against minik8s:
// the real kubectl (v1.32, on PATH) and the official Python client
// (Debian's python3-kubernetes), each pointed at an apiserver started on
// 127.0.0.1 with the kubeconfig our own `kubectl config view --raw` prints.
package compat

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"minik8s/apiserver"
	"minik8s/apiserver/testserver"
	"minik8s/kubectl"
	"minik8s/test/testutil"
)

// cluster is a running apiserver plus a kubeconfig file pointing at it.
type cluster struct {
	ts         *testserver.TestServer
	kubeconfig string
}

func startCluster(t *testing.T) *cluster {
	t.Helper()
	return startClusterWith(t, nil)
}

// startClusterWith is startCluster with apiserver options changed by configure.
func startClusterWith(t *testing.T, configure func(*apiserver.Options)) *cluster {
	t.Helper()
	ts := testserver.StartWithOptions(t, configure)
	cmd := kubectl.NewCommand()
	var out, errb bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	cmd.SetArgs([]string{"--server", ts.URL, "config", "view", "--raw"})
	if err := cmd.Execute(); err != nil {
		t.Fatalf("our kubectl config view --raw: %v: %s", err, errb.String())
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return &cluster{ts: ts, kubeconfig: path}
}

// need finds a program or, in CI, fails: CI must prove compatibility.
func need(t *testing.T, prog string) string {
	t.Helper()
	p, err := exec.LookPath(prog)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required in CI: %v", prog, err)
		}
		t.Skipf("%s not installed: %v", prog, err)
	}
	return p
}

// kubectl runs the real kubectl against the cluster; it returns stdout, stderr and the error.
func (c *cluster) kubectl(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, need(t, "kubectl"), append([]string{"--kubeconfig", c.kubeconfig}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir()) // no cache or config of the user's
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

// ok runs kubectl and fails the test if it fails.
func (c *cluster) ok(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, errs, err := c.kubectl(t, stdin, args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out, errs)
	}
	return out
}

func mustMatch(t *testing.T, what, re, s string) {
	t.Helper()
	if !regexp.MustCompile(re).MatchString(s) {
		t.Fatalf("%s: %q does not match %s", what, s, re)
	}
}

const podYAML = `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  containers:
  - name: main
    image: minik8s/testserver:latest
    ports:
    - containerPort: 8080
`

const deployYAML = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello
spec:
  replicas: %REPLICAS%
  selector:
    matchLabels: {app: hello}
  template:
    metadata:
      labels: {app: hello}
    spec:
      containers:
      - name: hello
        image: minik8s/testserver:latest
        ports:
        - containerPort: 8080
`

const serviceYAML = `apiVersion: v1
kind: Service
metadata:
  name: hello
spec:
  type: NodePort
  selector: {app: hello}
  ports:
  - name: http
    port: 80
    targetPort: 8080
    nodePort: 30080
  - name: admin
    port: 81
    targetPort: 8081
`

const nodeJSON = `{"apiVersion":"v1","kind":"Node","metadata":{"name":"node1","labels":{"kubernetes.io/hostname":"node1"}},
"status":{"conditions":[{"type":"Ready","status":"True","reason":"KubeletReady","message":"kubelet is posting ready status"}],
"addresses":[{"type":"InternalIP","address":"192.168.77.11"}],
"capacity":{"cpu":"2","memory":"4Gi","pods":"110"},"allocatable":{"cpu":"2","memory":"4Gi","pods":"110"},
"nodeInfo":{"kubeletVersion":"v1.32.0-minik8s","osImage":"Debian GNU/Linux 12","kernelVersion":"6.1","containerRuntimeVersion":"containerd://1.6.20","operatingSystem":"linux","architecture":"amd64",
"machineID":"","systemUUID":"","bootID":"","kubeProxyVersion":""}}}`

func TestRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)

	t.Run("version and discovery", func(t *testing.T) {
		out := c.ok(t, "", "version", "-o", "json")
		mustMatch(t, "server version", `"serverVersion"`, out)
		out = c.ok(t, "", "api-resources", "--no-headers")
		for _, want := range []string{"pods", "services", "deployments", "horizontalpodautoscalers", "nodes"} {
			mustMatch(t, "api-resources", `(?m)^`+want+`\s`, out)
		}
	})

	t.Run("get namespaces", func(t *testing.T) {
		out := c.ok(t, "", "get", "namespaces")
		mustMatch(t, "header", `^NAME\s+STATUS\s+AGE\n`, out)
		mustMatch(t, "default", `(?m)^default\s+Active\s+\d+s\s*$`, out)
		mustMatch(t, "kube-system", `(?m)^kube-system\s+Active\s`, out)
	})

	t.Run("pods: create, get, describe, delete", func(t *testing.T) {
		out := c.ok(t, podYAML, "create", "-f", "-")
		mustMatch(t, "create", `^pod/web created\n$`, out)
		_, errs, err := c.kubectl(t, podYAML, "create", "-f", "-")
		if err == nil {
			t.Fatal("a second create must fail")
		}
		mustMatch(t, "AlreadyExists", `Error from server \(AlreadyExists\).*pods "web" already exists`, errs)

		out = c.ok(t, "", "get", "pods")
		mustMatch(t, "pods header", `^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n`, out)
		mustMatch(t, "pod row", `(?m)^web\s+0/1\s+Pending\s+0\s+\d+s\s*$`, out)
		out = c.ok(t, "", "get", "pods", "-o", "wide")
		mustMatch(t, "wide header", `^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES\n`, out)
		out = c.ok(t, "", "get", "pods", "-l", "app=web", "-o", "name")
		mustMatch(t, "-o name", `^pod/web\n$`, out)
		out = c.ok(t, "", "get", "pod", "web", "-o", "json")
		var pod struct {
			Kind     string
			Metadata struct{ UID, ResourceVersion string }
			Spec     struct {
				RestartPolicy string
				Containers    []struct{ ImagePullPolicy string }
			}
		}
		if err := json.Unmarshal([]byte(out), &pod); err != nil {
			t.Fatalf("get -o json: %v: %s", err, out)
		}
		if pod.Kind != "Pod" || pod.Metadata.UID == "" || pod.Metadata.ResourceVersion == "" || pod.Spec.RestartPolicy != "Always" {
			t.Fatalf("get -o json: server fields or defaults missing: %+v", pod)
		}
		out = c.ok(t, "", "get", "pods", "-A")
		mustMatch(t, "-A", `(?m)^NAMESPACE\s+NAME\s+READY.*\n(.*\n)*default\s+web\s+0/1\s+Pending`, out)

		out = c.ok(t, "", "describe", "pod", "web")
		mustMatch(t, "describe name", `(?m)^Name:\s+web$`, out)
		mustMatch(t, "describe status", `(?m)^Status:\s+Pending$`, out)
		mustMatch(t, "describe image", `(?m)^\s+Image:\s+minik8s/testserver:latest$`, out)

		out = c.ok(t, "", "delete", "pod", "web", "--wait=true", "--timeout=30s")
		mustMatch(t, "delete", `^pod "web" deleted\n$`, out)
		_, errs, err = c.kubectl(t, "", "get", "pod", "web")
		if err == nil {
			t.Fatal("get after delete must fail")
		}
		mustMatch(t, "NotFound", `Error from server \(NotFound\): pods "web" not found`, errs)
	})

	t.Run("deployments and services: apply, configure, unchanged", func(t *testing.T) {
		d3 := strings.ReplaceAll(deployYAML, "%REPLICAS%", "3")
		out := c.ok(t, d3+"---\n"+serviceYAML, "apply", "-f", "-")
		mustMatch(t, "apply create", `(?m)^deployment.apps/hello created$`, out)
		mustMatch(t, "apply create", `(?m)^service/hello created$`, out)

		out = c.ok(t, d3, "apply", "-f", "-")
		mustMatch(t, "apply unchanged", `^deployment.apps/hello unchanged\n$`, out)

		d5 := strings.ReplaceAll(deployYAML, "%REPLICAS%", "5")
		out = c.ok(t, d5, "apply", "-f", "-")
		mustMatch(t, "apply configured", `^deployment.apps/hello configured\n$`, out)
		out = c.ok(t, "", "get", "deployment", "hello", "-o", "jsonpath={.spec.replicas} {.metadata.generation}")
		if out != "5 2" {
			t.Fatalf("after apply: replicas generation = %q, want \"5 2\"", out)
		}

		out = c.ok(t, "", "get", "deployments")
		mustMatch(t, "deploy header", `^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\n`, out)
		mustMatch(t, "deploy row", `(?m)^hello\s+0/5\s+0\s+0\s+\d+s\s*$`, out)

		out = c.ok(t, "", "get", "svc", "hello")
		mustMatch(t, "svc header", `^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\n`, out)
		mustMatch(t, "svc row", `(?m)^hello\s+NodePort\s+10\.\d+\.\d+\.\d+\s+<none>\s+80:30080/TCP,81:3\d{4}/TCP\s+\d+s\s*$`, out)

		out = c.ok(t, "", "describe", "deployment", "hello")
		mustMatch(t, "describe deploy", `(?m)^Replicas:\s+5 desired`, out)
		out = c.ok(t, "", "describe", "service", "hello")
		mustMatch(t, "describe svc", `(?m)^Type:\s+NodePort$`, out)
		mustMatch(t, "describe svc nodeport", `(?m)^NodePort:\s+http\s+30080/TCP$`, out)

		out = c.ok(t, d5+"---\n"+serviceYAML, "delete", "-f", "-")
		mustMatch(t, "delete -f", `(?m)^deployment.apps "hello" deleted$`, out)
		mustMatch(t, "delete -f", `(?m)^service "hello" deleted$`, out)
	})

	t.Run("nodes: get and describe", func(t *testing.T) {
		c.ok(t, nodeJSON, "create", "-f", "-")
		out := c.ok(t, "", "get", "nodes")
		mustMatch(t, "nodes header", `^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\n`, out)
		mustMatch(t, "node row", `(?m)^node1\s+Ready\s+<none>\s+\d+s\s+v1\.32\.0-minik8s\s*$`, out)
		out = c.ok(t, "", "describe", "node", "node1")
		mustMatch(t, "describe node", `(?m)^Name:\s+node1$`, out)
		mustMatch(t, "describe node ready", `(?m)^\s+Ready\s+True\s`, out)
		c.ok(t, "", "delete", "node", "node1")
	})

	t.Run("strict validation names the field", func(t *testing.T) {
		bad := strings.Replace(podYAML, "    image:", "    imagePullPolcy: Always\n    image:", 1)
		_, errs, err := c.kubectl(t, bad, "apply", "-f", "-")
		if err == nil {
			t.Fatal("an unknown field must be rejected")
		}
		mustMatch(t, "unknown field", `imagePullPolcy`, errs)
		badPort := strings.Replace(podYAML, "containerPort: 8080", "containerPort: 70000", 1)
		_, errs, err = c.kubectl(t, badPort, "create", "-f", "-")
		if err == nil {
			t.Fatal("an invalid port must be rejected")
		}
		mustMatch(t, "invalid port", `spec\.containers\[0\]\.ports\[0\]\.containerPort`, errs)
	})

	t.Run("server dry run writes nothing", func(t *testing.T) {
		dry := strings.ReplaceAll(podYAML, "name: web", "name: dry")
		out := c.ok(t, dry, "apply", "--dry-run=server", "-f", "-")
		mustMatch(t, "dry apply", `^pod/dry created \(server dry run\)\n$`, out)
		if _, _, err := c.kubectl(t, "", "get", "pod", "dry"); err == nil {
			t.Fatal("a server dry-run apply created the pod")
		}
		c.ok(t, dry, "create", "-f", "-")
		out = c.ok(t, "", "delete", "pod", "dry", "--dry-run=server")
		mustMatch(t, "dry delete", `^pod "dry" deleted \(server dry run\)\n$`, out)
		c.ok(t, "", "get", "pod", "dry")
		c.ok(t, "", "delete", "pod", "dry")
	})

	t.Run("get -w streams changes", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, need(t, "kubectl"), "--kubeconfig", c.kubeconfig, "get", "pods", "-w")
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
		var out testutil.SyncBuffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
		time.Sleep(time.Second) // let the watch start
		w := strings.ReplaceAll(podYAML, "name: web", "name: watched")
		c.ok(t, w, "create", "-f", "-")
		c.ok(t, "", "label", "pod", "watched", "tier=front")
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) && strings.Count(out.String(), "watched") < 2 {
			time.Sleep(100 * time.Millisecond)
		}
		got := out.String()
		if n := strings.Count(got, "watched"); n < 2 {
			t.Fatalf("get -w printed %d rows for the pod, want at least 2 (added, modified):\n%s", n, got)
		}
		mustMatch(t, "get -w", `(?m)^watched\s+0/1\s+Pending\s+0\s+`, got)
		c.ok(t, "", "delete", "pod", "watched")
	})
}

func TestPythonClient(t *testing.T) {
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		py = need(t, "python3")
	}
	if err := exec.Command(py, "-c", "import kubernetes").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("python3-kubernetes is required in CI (make deps installs it): %v", err)
		}
		t.Skipf("python3-kubernetes not installed: %v", err)
	}
	c := startCluster(t)
	const ns = "pyclient"
	body := `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"` + ns + `"}}`
	if _, err := doJSON(c.ts.URL+"/api/v1/namespaces", body); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "python_client.py", c.kubeconfig, ns)
	out, err := cmd.CombinedOutput()
	t.Logf("python client output:\n%s", out)
	if err != nil {
		t.Fatalf("python client: %v", err)
	}
	if !strings.Contains(string(out), "python client: all checks passed") {
		t.Fatal("python client did not finish its checks")
	}
}
