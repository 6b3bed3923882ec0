package kubectl

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"minik8s/apiserver/testserver"
)

// run executes kubectl in-process against server and returns its output.
func run(t *testing.T, server, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return runCtx(ctx, server, stdin, args...)
}

func runCtx(ctx context.Context, server, stdin string, args ...string) (string, string, error) {
	o := &options{getenv: func(string) string { return "" }}
	cmd := newCommand(o)
	var out, errb bytes.Buffer
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	if server != "" {
		args = append([]string{"--server", server}, args...)
	}
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	return out.String(), errb.String(), err
}

// mustRun fails the test unless kubectl succeeds.
func mustRun(t *testing.T, server string, args ...string) string {
	t.Helper()
	out, errOut, err := run(t, server, "", args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\nstderr: %s", strings.Join(args, " "), err, errOut)
	}
	return out
}

// wantFail checks that kubectl fails with exactly stderrLine on stderr.
func wantFail(t *testing.T, server, stdin, stderrLine string, args ...string) {
	t.Helper()
	out, errOut, err := run(t, server, stdin, args...)
	if err == nil {
		t.Fatalf("kubectl %s succeeded, want failure; stdout %q", strings.Join(args, " "), out)
	}
	if strings.TrimSpace(errOut) != stderrLine {
		t.Fatalf("kubectl %s stderr\n got %q\nwant %q", strings.Join(args, " "), errOut, stderrLine)
	}
}

const podYAML = `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    app: web
spec:
  containers:
  - name: nginx
    image: nginx:1.25
    ports:
    - containerPort: 80
`

const svcYAML = `apiVersion: v1
kind: Service
metadata:
  name: web-svc
spec:
  selector:
    app: web
  ports:
  - port: 80
    targetPort: 80
`

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// header checks the first line's columns.
func header(t *testing.T, out string, cols ...string) {
	t.Helper()
	first, _, _ := strings.Cut(out, "\n")
	if got := strings.Fields(first); strings.Join(got, " ") != strings.Join(cols, " ") {
		t.Fatalf("header %q, want %v\n%s", first, cols, out)
	}
}

func TestKubectlAgainstServer(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	ts := testserver.Start(t)
	s := ts.URL
	dir := t.TempDir()
	podFile := writeFile(t, dir, "pod.yaml", podYAML)
	writeFile(t, dir, "svc.yaml", svcYAML)

	t.Run("get all lists every kind of the all category", func(t *testing.T) {
		mustRun(t, s, "apply", "-f", dir)
		out := mustRun(t, s, "get", "all")
		for _, want := range []string{"pod/web ", "service/web-svc "} {
			if !strings.Contains(out, want) {
				t.Fatalf("get all lacks %q:\n%s", want, out)
			}
		}
		mustRun(t, s, "delete", "-f", dir)
	})

	t.Run("apply keeps what the file says, empty objects included", func(t *testing.T) {
		const vol = `apiVersion: v1
kind: Pod
metadata: {name: vol}
spec:
  containers:
  - name: c
    image: minik8s/tools:latest
    volumeMounts: [{name: scratch, mountPath: /scratch}]
  volumes:
  - name: scratch
    emptyDir: {}
`
		for i, want := range []string{"pod/vol created\n", "pod/vol unchanged\n"} {
			out, errOut, err := run(t, s, vol, "apply", "-f", "-")
			if err != nil || out != want {
				t.Fatalf("apply #%d: %q %q %v, want %q", i+1, out, errOut, err, want)
			}
		}
		js := mustRun(t, s, "get", "pod", "vol", "-o", "json")
		if !strings.Contains(js, `\"emptyDir\":{}`) {
			t.Fatalf("last-applied lacks the emptyDir the file has:\n%s", js)
		}
		mustRun(t, s, "delete", "pod", "vol")
	})

	t.Run("apply created, unchanged, configured", func(t *testing.T) {
		out := mustRun(t, s, "apply", "-f", dir)
		if out != "pod/web created\nservice/web-svc created\n" {
			t.Fatalf("first apply: %q", out)
		}
		if out := mustRun(t, s, "apply", "-f", dir); out != "pod/web unchanged\nservice/web-svc unchanged\n" {
			t.Fatalf("second apply: %q", out)
		}
		changed := strings.Replace(podYAML, "app: web\n", "app: web\n    tier: front\n", 1)
		out, errOut, err := run(t, s, changed, "apply", "-f", "-")
		if err != nil || out != "pod/web configured\n" {
			t.Fatalf("apply of a change: %q %q %v", out, errOut, err)
		}
		js := mustRun(t, s, "get", "pod", "web", "-o", "json")
		for _, want := range []string{`"tier": "front"`, `"kubectl.kubernetes.io/last-applied-configuration"`, `"kind": "Pod"`} {
			if !strings.Contains(js, want) {
				t.Fatalf("get -o json lacks %s:\n%s", want, js)
			}
		}
		// Removing the label from the file removes it from the object.
		out, _, err = run(t, s, podYAML, "apply", "-f", "-")
		if err != nil || out != "pod/web configured\n" {
			t.Fatalf("apply removing a label: %q %v", out, err)
		}
		if js := mustRun(t, s, "get", "pod", "web", "-o", "json"); strings.Contains(js, `"tier": "front"`) {
			t.Fatalf("label not removed:\n%s", js)
		}
	})

	t.Run("create errors", func(t *testing.T) {
		wantFail(t, s, "", `Error from server (AlreadyExists): pods "web" already exists`, "create", "-f", podFile)
		bad := writeFile(t, dir, "bad.yml", strings.Replace(podYAML, "image:", "imagePullPolcy: Always\n    image:", 1))
		_, errOut, err := run(t, s, "", "create", "-f", bad)
		if err == nil || !strings.Contains(errOut, "bad.yml") || !strings.Contains(errOut, "imagePullPolcy") {
			t.Fatalf("decode error %q %v: want file and field named", errOut, err)
		}
		os.Remove(bad)
	})

	t.Run("get tables", func(t *testing.T) {
		out := mustRun(t, s, "get", "pods")
		header(t, out, "NAME", "READY", "STATUS", "RESTARTS", "AGE")
		if !regexp.MustCompile(`(?m)^web\s+0/1\s+Pending\s+0\s+\S+$`).MatchString(out) {
			t.Fatalf("pod row:\n%s", out)
		}
		out = mustRun(t, s, "get", "po", "-o", "wide")
		header(t, out, "NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED", "NODE", "READINESS", "GATES")
		out = mustRun(t, s, "get", "pods", "-A", "--no-headers")
		if !regexp.MustCompile(`^default\s+web\s+0/1\s+Pending`).MatchString(out) {
			t.Fatalf("-A --no-headers:\n%s", out)
		}
		out = mustRun(t, s, "get", "svc", "web-svc")
		header(t, out, "NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE")
		if !regexp.MustCompile(`(?m)^web-svc\s+ClusterIP\s+10\.\d+\.\d+\.\d+\s+<none>\s+80/TCP\s+`).MatchString(out) {
			t.Fatalf("service row:\n%s", out)
		}
		out = mustRun(t, s, "get", "pods,svc")
		if !strings.Contains(out, "pod/web") || !strings.Contains(out, "service/web-svc") || !strings.Contains(out, "\n\nNAME") {
			t.Fatalf("two kinds:\n%s", out)
		}
		out = mustRun(t, s, "get", "pods", "--show-labels")
		if !strings.Contains(out, "LABELS") || !strings.Contains(out, "app=web") {
			t.Fatalf("--show-labels:\n%s", out)
		}
		out = mustRun(t, s, "get", "ns")
		header(t, out, "NAME", "STATUS", "AGE")
		if !strings.Contains(out, "default") {
			t.Fatalf("namespaces:\n%s", out)
		}
	})

	t.Run("get output formats and selectors", func(t *testing.T) {
		if out := mustRun(t, s, "get", "pods", "-o", "name"); out != "pod/web\n" {
			t.Fatalf("-o name: %q", out)
		}
		if out := mustRun(t, s, "get", "pods", "-l", "app=web", "-o", "name"); out != "pod/web\n" {
			t.Fatalf("-l match: %q", out)
		}
		out, errOut, err := run(t, s, "", "get", "pods", "-l", "app=none")
		if err != nil || out != "" || errOut != "No resources found in default namespace.\n" {
			t.Fatalf("empty list: %q %q %v", out, errOut, err)
		}
		y := mustRun(t, s, "get", "pod/web", "-o", "yaml")
		if !strings.HasPrefix(y, "apiVersion: v1\nkind: Pod\n") || !strings.Contains(y, "name: web") {
			t.Fatalf("-o yaml single:\n%s", y)
		}
		y = mustRun(t, s, "get", "pods", "-o", "yaml")
		if !strings.Contains(y, "kind: List") || !strings.Contains(y, "- apiVersion: v1") {
			t.Fatalf("-o yaml list:\n%s", y)
		}
		wantFail(t, s, "", `Error from server (NotFound): pods "nope" not found`, "get", "pod", "nope")
		wantFail(t, s, "", `error: the server doesn't have a resource type "foo"`, "get", "foo")
		wantFail(t, s, "", `Error from server (NotFound): namespaces "nope" not found`, "get", "ns", "nope")
	})

	t.Run("describe and label", func(t *testing.T) {
		out := mustRun(t, s, "describe", "pod", "web")
		for _, want := range []string{"Name:", "web", "Namespace:", "default", "nginx:1.25"} {
			if !strings.Contains(out, want) {
				t.Fatalf("describe lacks %q:\n%s", want, out)
			}
		}
		if out := mustRun(t, s, "describe", "svc", "web-svc"); !strings.Contains(out, "Selector:") {
			t.Fatalf("describe svc:\n%s", out)
		}
		if out := mustRun(t, s, "label", "pod", "web", "env=prod"); out != "pod/web labeled\n" {
			t.Fatalf("label: %q", out)
		}
		wantFail(t, s, "", "error: 'env' already has a value (prod), and --overwrite is false", "label", "pod/web", "env=dev")
		if out := mustRun(t, s, "get", "pods", "-l", "env=prod", "-o", "name"); out != "pod/web\n" {
			t.Fatalf("after label: %q", out)
		}
	})

	t.Run("watch", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		pr, pw := newPipe()
		var wg sync.WaitGroup
		wg.Add(1)
		var werr error
		go func() {
			defer wg.Done()
			o := &options{getenv: func(string) string { return "" }}
			cmd := newCommand(o)
			cmd.SetOut(pw)
			cmd.SetErr(pw)
			cmd.SetArgs([]string{"--server", s, "get", "pods", "-w"})
			werr = cmd.ExecuteContext(ctx)
		}()
		pr.waitFor(t, "web")
		other := strings.ReplaceAll(podYAML, "name: web\n", "name: web2\n")
		if out, errOut, err := run(t, s, other, "create", "-f", "-"); err != nil {
			t.Fatalf("create web2: %s %v", errOut, err)
		} else if out != "pod/web2 created\n" {
			t.Fatalf("create web2: %q", out)
		}
		defer mustRun(t, s, "delete", "pod", "web2")
		pr.waitFor(t, "web2")
		cancel()
		wg.Wait()
		if werr != nil {
			t.Fatalf("watch: %v", werr)
		}
		if !regexp.MustCompile(`(?m)^web2\s+0/1\s+Pending`).MatchString(pr.String()) {
			t.Fatalf("watch output:\n%s", pr.String())
		}
	})

	t.Run("delete", func(t *testing.T) {
		if out := mustRun(t, s, "delete", "pod", "web"); out != "pod \"web\" deleted\n" {
			t.Fatalf("delete: %q", out)
		}
		wantFail(t, s, "", `Error from server (NotFound): pods "web" not found`, "delete", "pod", "web")
		if out, errOut, err := run(t, s, "", "delete", "pod", "web", "--ignore-not-found"); err != nil || out != "" {
			t.Fatalf("--ignore-not-found: %q %q %v", out, errOut, err)
		}
		// pod.yaml's pod is already gone: its error is reported, the
		// service is still deleted, and the command fails.
		out, errOut, err := run(t, s, "", "delete", "-f", dir)
		if err == nil || out != "service \"web-svc\" deleted\n" || errOut != "Error from server (NotFound): pods \"web\" not found\n" {
			t.Fatalf("delete -f: %q %q %v", out, errOut, err)
		}
		mustRun(t, s, "apply", "-f", podFile)
		if out := mustRun(t, s, "delete", "pods", "-l", "app=web"); out != "pod \"web\" deleted\n" {
			t.Fatalf("delete -l: %q", out)
		}
		out, errOut, err = run(t, s, "", "get", "pods")
		if err != nil || out != "" || errOut != "No resources found in default namespace.\n" {
			t.Fatalf("after delete: %q %q %v", out, errOut, err)
		}
	})

	t.Run("config view and misc", func(t *testing.T) {
		out := mustRun(t, s, "config", "view", "--raw")
		for _, want := range []string{"apiVersion: v1", "kind: Config", "server: " + s, "current-context: minik8s", "name: admin"} {
			if !strings.Contains(out, want) {
				t.Fatalf("config view lacks %q:\n%s", want, out)
			}
		}
		kc := writeFile(t, dir, "kubeconfig", out)
		if out, errOut, err := run(t, "", "", "--kubeconfig", kc, "get", "ns", "default", "-o", "name"); err != nil || out != "namespace/default\n" {
			t.Fatalf("--kubeconfig: %q %q %v", out, errOut, err)
		}
		os.Remove(kc)
		if out := mustRun(t, s, "api-resources"); !strings.Contains(out, "deployments") || !strings.Contains(out, "hpa") {
			t.Fatalf("api-resources:\n%s", out)
		}
		if out := mustRun(t, s, "version"); !strings.Contains(out, "Server Version:") {
			t.Fatalf("version: %q", out)
		}
		wantFail(t, s, "", `Error: unknown command "frobnicate" for "kubectl"`, "frobnicate")
	})

	t.Run("deployment scale and wait", func(t *testing.T) {
		dep := `apiVersion: apps/v1
kind: Deployment
metadata:
  name: d1
spec:
  replicas: 1
  selector:
    matchLabels: {app: d1}
  template:
    metadata:
      labels: {app: d1}
    spec:
      containers:
      - name: c
        image: busybox
`
		if out, errOut, err := run(t, s, dep, "apply", "-f", "-"); err != nil || out != "deployment.apps/d1 created\n" {
			t.Fatalf("apply deployment: %q %q %v", out, errOut, err)
		}
		if out := mustRun(t, s, "scale", "deployment", "d1", "--replicas=3"); out != "deployment.apps/d1 scaled\n" {
			t.Fatalf("scale: %q", out)
		}
		if out := mustRun(t, s, "wait", "--for=jsonpath={.spec.replicas}=3", "deploy/d1", "--timeout=5s"); out != "deployment.apps/d1 condition met\n" {
			t.Fatalf("wait jsonpath: %q", out)
		}
		// The same JSONPath engine as -o jsonpath: indexes and filters work.
		if out := mustRun(t, s, "wait", `--for=jsonpath={.spec.template.spec.containers[?(@.name=="c")].image}=busybox`, "deploy/d1", "--timeout=5s"); out != "deployment.apps/d1 condition met\n" {
			t.Fatalf("wait jsonpath with a filter: %q", out)
		}
		wantFail(t, s, "", "error: timed out waiting for the condition on deployments/d1", "wait", "--for=jsonpath={.spec.replicas}=4", "deployment/d1", "--timeout=300ms")
		out := mustRun(t, s, "get", "deploy")
		header(t, out, "NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE")
		wantFail(t, s, "", "error: timed out waiting for the condition on deployments/d1", "wait", "--for=condition=Available", "deployment/d1", "--timeout=300ms")
		if out := mustRun(t, s, "delete", "deployment.apps/d1"); out != "deployment.apps \"d1\" deleted\n" {
			t.Fatalf("delete deployment: %q", out)
		}
		if out := mustRun(t, s, "wait", "--for=delete", "deployment/d1", "--timeout=5s"); out != "deployment.apps/d1 condition met\n" {
			t.Fatalf("wait delete: %q", out)
		}
	})
}

func TestConnectionRefused(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	wantFail(t, "http://127.0.0.1:1", "", "The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?", "get", "pods")
}

// pipe is a thread-safe buffer the watch writes into.
type pipe struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func newPipe() (*pipe, *pipe) { p := &pipe{}; return p, p }

func (p *pipe) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.buf.Write(b)
}

func (p *pipe) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.buf.String()
}

func (p *pipe) waitFor(t *testing.T, word string) {
	t.Helper()
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(word) + `\s`)
	deadline := time.Now().Add(10 * time.Second)
	for !re.MatchString(p.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("watch output never showed %q:\n%s", word, p.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
