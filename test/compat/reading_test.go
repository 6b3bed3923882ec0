package compat

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"minik8s/kubectl"
	"minik8s/kubelet/runtime/fake"
	"minik8s/pkg/api"
	mclient "minik8s/pkg/client"
)

// TestReadingCommandsMatchRealKubectl: api-versions, cluster-info (with
// and without a cluster service), get --raw, the Go template formats and
// version -o json|yaml print the same through the real kubectl v1.32 and
// ours, errors included.
func TestReadingCommandsMatchRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	c.ok(t, podYAML, "create", "-f", "-")
	c.ok(t, strings.ReplaceAll(deployYAML, "%REPLICAS%", "2"), "create", "-f", "-")

	c.sameOutput(t, "api-versions")
	c.sameOutput(t, "api-versions", "extra")
	c.sameOutput(t, "cluster-info")
	c.ok(t, `apiVersion: v1
kind: Service
metadata:
  name: kube-dns
  namespace: kube-system
  labels: {k8s-app: kube-dns, kubernetes.io/cluster-service: "true", kubernetes.io/name: CoreDNS}
spec:
  selector: {k8s-app: kube-dns}
  ports: [{name: dns, port: 53, protocol: UDP}, {name: dns-tcp, port: 53, protocol: TCP}]
`, "create", "-f", "-")
	out := c.sameOutput(t, "cluster-info")
	mustMatch(t, "CoreDNS line", `(?m)^CoreDNS is running at http://127\.0\.0\.1:\d+/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy$`, out)

	for _, args := range [][]string{
		{"get", "--raw", "/api/v1/namespaces/default/pods/web"},
		{"get", "--raw", "/version"},
		{"get", "--raw", "/api/v1/namespaces/default/pods/nope"},
		{"get", "--raw", "/nothing/here"},
		{"get", "--raw", "/api", "pods"},
		{"get", "--raw", "/api", "-l", "a=b"},
		{"get", "--raw", "/api", "-w"},
	} {
		c.sameOutput(t, args...)
	}

	tmpl := filepath.Join(t.TempDir(), "t.tmpl")
	if err := os.WriteFile(tmpl, []byte(`{{range .items}}{{.metadata.name}} {{len .spec.containers}}{{"\n"}}{{end}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"get", "pods", "-o", `go-template={{range .items}}{{.metadata.name}}{{"\n"}}{{end}}`},
		{"get", "pod", "web", "-o", `go-template={{.metadata.name}} {{.spec.containers}} {{.metadata.labels.app}}`},
		{"get", "deploy", "hello", "-o", `template={{.spec.replicas}} {{index .metadata "name"}}`},
		{"get", "pod", "web", "--template", `{{.metadata.name}}`},
		{"get", "pod", "web", "-o", "go-template", "--template", `{{.kind}}`},
		{"get", "pods", "-o", "go-template-file=" + tmpl},
		{"get", "pods", "-o", "templatefile=" + tmpl},
		{"get", "pods", "-o", "go-template-file=" + tmpl + ".missing"},
		{"get", "pods", "-o", "go-template"},
		{"get", "pods", "-o", "go-template={{.foo"},
		{"get", "pod", "web", "-o", "go-template={{.foo.bar}}"},
		{"get", "pod", "web", "-o", "go-template={{.foo.bar}}", "--allow-missing-template-keys=false"},
		{"get", "pod", "web", "-o", `go-template={{base64decode "aGk="}} {{exists . "metadata" "name"}} {{exists . "nope"}}`},
		{"get", "pod", "web", "-o", `go-template={{base64decode "!!"}}`},
		{"get", "pod", "web", "-o", "go-template=x", "--template", "y"},
		{"get", "pods", "-o", "nope"},
	} {
		c.sameOutput(t, args...)
	}

	// version: the same document shape (ours has no kustomize), the
	// same server version, and the same errors.
	for _, format := range []string{"json", "yaml"} {
		real := c.ok(t, "", "version", "-o", format)
		ours, _, err := c.ours(t, "version", "-o", format)
		if err != nil {
			t.Fatal(err)
		}
		rv, ov := versionDoc(t, format, real), versionDoc(t, format, ours)
		if !reflect.DeepEqual(keysOf(rv["clientVersion"]), keysOf(ov["clientVersion"])) || !reflect.DeepEqual(rv["serverVersion"], ov["serverVersion"]) {
			t.Errorf("version -o %s differs:\nreal %v\nours %v", format, rv, ov)
		}
	}
	ours, _, _ := c.ours(t, "version", "--client", "-o", "json")
	if v := versionDoc(t, "json", ours); v["serverVersion"] != nil || v["clientVersion"] == nil {
		t.Errorf("version --client: %s", ours)
	}
	c.sameOutput(t, "version", "-o", "wide")
}

func versionDoc(t *testing.T, format, s string) map[string]any {
	t.Helper()
	if format == "yaml" {
		return yamlDoc(t, s)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("version JSON %q: %v", s, err)
	}
	return m
}

func yamlDoc(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("YAML %q: %v", s, err)
	}
	return m
}

func keysOf(v any) []string {
	m, _ := v.(map[string]any)
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestContextFlagsMatchRealKubectl: --context, --cluster, --user pick
// from a kubeconfig with two contexts, and config view --minify follows
// --context, as the real kubectl does.
func TestContextFlagsMatchRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	c.ok(t, podYAML, "create", "-f", "-")
	kc := filepath.Join(t.TempDir(), "two")
	if err := os.WriteFile(kc, []byte(fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: good
  cluster: {server: %q}
- name: bad
  cluster: {server: "http://127.0.0.1:1"}
contexts:
- name: a
  context: {cluster: bad, user: admin, namespace: kube-system}
- name: b
  context: {cluster: good, user: admin}
current-context: a
users:
- name: admin
  user: {}
`, c.ts.URL)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--context", "b", "get", "pods", "-o", "name"},
		{"--cluster", "good", "get", "pods", "-o", "name"},
		{"--cluster", "good", "--context", "b", "get", "pods", "-o", "name"},
		{"--context", "nope", "get", "pods"},
		{"--cluster", "nope", "get", "pods"},
		{"--context", "b", "--user", "nope", "get", "pods"},
		{"--context", "b", "config", "view", "--minify"},
		{"config", "view", "--minify"},
		{"--context", "b", "config", "current-context"},
	} {
		c.sameOutput(t, append([]string{"--kubeconfig", kc}, args...)...)
	}
}

// klogHeader matches the time and pid of a klog line.
var klogHeader = regexp.MustCompile(`(?m)^I\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ ([a-z_]+\.go):\d+\]`)

// TestVerboseRequestLogging: -v=6 logs one klog line per request, as the
// real kubectl does (times and pids masked).
func TestVerboseRequestLogging(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	c.ok(t, podYAML, "create", "-f", "-")
	_, rErr, _ := c.kubectl(t, "", "get", "--raw", "/version", "-v=6")
	_, oErr, _ := c.ours(t, "get", "--raw", "/version", "-v=6")
	mask := func(s string) string {
		s = klogHeader.ReplaceAllString(s, "I<date> <time> <pid> $1:<line>]")
		return regexp.MustCompile(`in \d+ milliseconds`).ReplaceAllString(s, "in <n> milliseconds")
	}
	if mask(rErr) != mask(oErr) {
		t.Fatalf("-v=6 differs:\nreal:\n%s\nours:\n%s", rErr, oErr)
	}
	_, oErr, _ = c.ours(t, "get", "pod", "web", "-v=8")
	for _, want := range []string{`round_trippers.go:470\] GET http://`, `round_trippers.go:476\] Request Headers:`,
		`round_trippers.go:480\]     Accept: `, `round_trippers.go:581\] Response Status: 200 OK in \d+ milliseconds`,
		`round_trippers.go:587\]     Content-Type: application/json`, `helper.go:105\] "Response Body" body="\{`} {
		mustMatch(t, "-v=8", want, oErr)
	}
}

// logsWorld is a cluster with a fake kubelet and a running pod whose
// containers have CRI-format log files.
type logsWorld struct {
	*cluster
	rt *fake.Runtime
	mc *mclient.Client
}

func (w *logsWorld) writeLog(t *testing.T, pod *api.Pod, container, content string) {
	t.Helper()
	cs, err := w.rt.ListContainers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, ct := range cs {
		cfg, _ := w.rt.ContainerConfig(ct.ID)
		if ct.PodUID == pod.UID && cfg.Name == container {
			if err := os.MkdirAll(filepath.Dir(cfg.LogPath), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(cfg.LogPath, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no container %s of pod %s", container, pod.Name)
}

// TestLogsMatchRealKubectl: kubectl logs with each option, through the
// apiserver's pods/log to a (fake-runtime) kubelet reading CRI log
// files, prints the same through the real kubectl and ours; the option
// errors (kubectl's and the apiserver's) read the same too.
func TestLogsMatchRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	mc, rt := startFakeKubelet(t, c)
	w := &logsWorld{cluster: c, rt: rt, mc: mc}
	ctx := context.Background()
	pod := &api.Pod{
		TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Name: "two", Labels: map[string]string{"app": "logs"},
			Annotations: map[string]string{}},
		Spec: api.PodSpec{NodeName: "node1", Containers: []api.Container{
			{Name: "main", Image: "docker.io/minik8s/tools:latest", Command: []string{"sleep", "3600"}},
			{Name: "side", Image: "docker.io/minik8s/tools:latest", Command: []string{"sleep", "3600"}}}},
	}
	if _, err := mc.Pods("default").Create(ctx, pod); err != nil {
		t.Fatal(err)
	}
	two := waitPod(t, mc, "two", "running", func(p *api.Pod) bool { return p.Status.Phase == api.PodRunning })
	one := createRunningPod(t, mc, "one")
	base := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	cri := func(lines ...string) string {
		var b strings.Builder
		for i, l := range lines {
			fmt.Fprintf(&b, "%s stdout F %s\n", base.Add(time.Duration(i)*10*time.Minute).Format(time.RFC3339Nano), l)
		}
		return b.String()
	}
	w.writeLog(t, two, "main", cri("m1", "m2", "m3", "m4", "m5", "m6", "m7"))
	w.writeLog(t, two, "side", cri("s1", "s2"))
	w.writeLog(t, one, "main", cri("o1", "o2", "o3"))
	sinceTime := base.Add(25 * time.Minute).Format(time.RFC3339)

	for _, args := range [][]string{
		{"logs", "one"},
		{"logs", "pod/one"},
		{"logs", "two"},
		{"logs", "two", "side"},
		{"logs", "two", "-c", "side"},
		{"logs", "two", "-c", "nope"},
		{"logs", "one", "--prefix"},
		{"logs", "two", "--tail", "2"},
		{"logs", "two", "--tail", "0"},
		{"logs", "two", "--timestamps", "--tail", "3"},
		{"logs", "two", "--limit-bytes", "7"},
		{"logs", "two", "--since-time", sinceTime},
		{"logs", "two", "--since", "30m"},
		{"logs", "two", "--since", "2h"},
		{"logs", "-l", "app=logs"},
		{"logs", "-l", "app=nothing"},
		// errors
		{"logs"},
		{"logs", "one", "-l", "app=logs"},
		{"logs", "two", "side", "-c", "main"},
		{"logs", "two", "-c", "main", "--all-containers"},
		{"logs", "one", "--since", "1m", "--since-time", sinceTime},
		{"logs", "one", "--since-time", "yesterday"},
		{"logs", "one", "--tail", "-2"},
		{"logs", "one", "--limit-bytes", "-1"},
		{"logs", "nope"},
		{"logs", "-l", "app=logs", "-f", "--all-containers", "--max-log-requests", "1"},
	} {
		c.sameOutput(t, args...)
	}

	// --all-containers: kubectl reads a pod's containers in map order, so
	// only the set of lines is the same.
	for _, args := range [][]string{
		{"logs", "two", "--all-containers"},
		{"logs", "two", "--all-containers", "--prefix"},
		{"logs", "-l", "app=logs", "--all-containers", "--prefix", "--tail", "1"},
	} {
		rOut, rErr, rerr := c.kubectl(t, "", args...)
		oOut, oErr, oerr := c.ours(t, args...)
		if rerr != nil || oerr != nil || sortedLines(rOut) != sortedLines(oOut) || rErr != oErr {
			t.Errorf("kubectl %v differs\nreal (%v):\n%s%s\nours (%v):\n%s%s", args, rerr, rOut, rErr, oerr, oOut, oErr)
		}
	}

	// The annotation picks the default container (no note); a stale one is reported.
	if _, err := mc.Pods("default").Patch(ctx, "two", mclient.MergePatchType,
		[]byte(`{"metadata":{"annotations":{"kubectl.kubernetes.io/default-container":"side"}}}`)); err != nil {
		t.Fatal(err)
	}
	c.sameOutput(t, "logs", "two")
	if _, err := mc.Pods("default").Patch(ctx, "two", mclient.MergePatchType,
		[]byte(`{"metadata":{"annotations":{"kubectl.kubernetes.io/default-container":"gone"}}}`)); err != nil {
		t.Fatal(err)
	}
	c.sameOutput(t, "logs", "two")

	// The apiserver validates PodLogOptions as Kubernetes does.
	for _, q := range []string{"sinceSeconds=5&sinceTime=" + sinceTime, "tailLines=-1", "limitBytes=0", "sinceSeconds=0"} {
		rOut, rErr, rerr := c.kubectl(t, "", "get", "--raw", "/api/v1/namespaces/default/pods/one/log?container=main&"+q)
		oOut, oErr, oerr := c.ours(t, "get", "--raw", "/api/v1/namespaces/default/pods/one/log?container=main&"+q)
		if rerr == nil || oerr == nil || rOut != oOut || rErr != oErr {
			t.Errorf("%s: real %v %q %q, ours %v %q %q", q, rerr, rOut, rErr, oerr, oOut, oErr)
		}
		mustMatch(t, q, `PodLogOptions "one" is invalid`, oErr)
	}
}

func sortedLines(s string) string {
	lines := strings.Split(s, "\n")
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// watchBoth runs `get -w` through the real kubectl and ours at once,
// calls change while they watch, and returns both outputs.
func (c *cluster) watchBoth(t *testing.T, change func(), args ...string) (real, ours string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rc := exec.CommandContext(ctx, need(t, "kubectl"), append([]string{"--kubeconfig", c.kubeconfig}, args...)...)
	rc.Env = append(os.Environ(), "HOME="+t.TempDir())
	var rOut, oOut, oErr bytes.Buffer
	rc.Stdout = &rOut
	if err := rc.Start(); err != nil {
		t.Fatal(err)
	}
	cmd := kubectl.NewCommand()
	cmd.SetOut(&oOut)
	cmd.SetErr(&oErr)
	cmd.SetArgs(append([]string{"--kubeconfig", c.kubeconfig}, args...))
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	time.Sleep(2 * time.Second)
	change()
	<-ctx.Done()
	_ = rc.Wait()
	<-done
	return rOut.String(), oOut.String()
}

// TestWatchMatchesRealKubectl: get -w rows keep the first table's column
// widths, and --output-watch-events adds the EVENT column or prints
// {"type","object"} lines, as the real kubectl does.
func TestWatchMatchesRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	c.ok(t, podYAML, "create", "-f", "-")
	c.sameOutput(t, "get", "pods", "--output-watch-events")
	mc, err := mclient.New(&mclient.Config{Server: c.ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	change := func() {
		n++
		ctx := context.Background()
		if _, err := mc.Pods("default").Patch(ctx, "web", mclient.MergePatchType, []byte(fmt.Sprintf(`{"metadata":{"labels":{"n":"%d"}}}`, n))); err != nil {
			t.Error(err)
		}
		long := &api.Pod{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"}, ObjectMeta: api.ObjectMeta{Name: fmt.Sprintf("a-much-longer-pod-name-%d", n)},
			Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Image: "busybox"}}}}
		if _, err := mc.Pods("default").Create(ctx, long); err != nil {
			t.Error(err)
		}
		if _, err := mc.Pods("default").Patch(ctx, "web", mclient.MergePatchType, []byte(`{"metadata":{"labels":{"n":null}}}`)); err != nil {
			t.Error(err)
		}
		time.Sleep(time.Second)
	}
	mask := func(s string) string { return ageCell.ReplaceAllString(s, "  <age>$1") }
	for _, args := range [][]string{
		{"get", "pods", "-w"},
		{"get", "pods", "-w", "--output-watch-events"},
		{"get", "pods", "-w", "--output-watch-events", "-o", `jsonpath={.type} {.object.metadata.name}{"\n"}`},
	} {
		real, ours := c.watchBoth(t, change, args...)
		if mask(real) != mask(ours) || !strings.Contains(real, "a-much-longer-pod-name") {
			t.Errorf("kubectl %v differs\nreal:\n%s\nours:\n%s", args, real, ours)
		}
	}
	// -o json events are single lines {"type":..,"object":..}.
	real, ours := c.watchBoth(t, change, "get", "pods", "-w", "--output-watch-events", "-o", "json")
	shape := regexp.MustCompile(`(?m)^\{"type":"(ADDED|MODIFIED)","object":\{"apiVersion":"v1","kind":"Pod","metadata":\{.*\}\}\}$`)
	if rl, ol := strings.Count(real, "\n"), strings.Count(ours, "\n"); rl != ol || len(shape.FindAllString(ours, -1)) != ol || rl < 5 {
		t.Errorf("-o json events differ:\nreal:\n%s\nours:\n%s", real, ours)
	}
}
