package compat

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The editing commands (patch, replace, apply --dry-run/--prune, diff,
// edit) through the real kubectl v1.32 and ours: each step runs in a
// namespace of its own per kubectl, prepared the same way, so that both
// see the same objects; exit codes, stdout and stderr must be the same.

// exitCode is the process exit code a kubectl error stands for.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var coded interface{ ExitCode() int }
	if errors.As(err, &coded) && coded.ExitCode() > 0 {
		return coded.ExitCode()
	}
	return 1
}

// editStep is one command line; "$NS" in it is the step's namespace.
type editStep struct {
	args []string
	// out, if set, replaces stdout comparison: both must match this regexp.
	out string
}

// editTwin runs setup then steps, once with the real kubectl in one
// fresh namespace and once with ours in another, comparing each step.
var twinCount int

func (c *cluster) editTwin(t *testing.T, setup []string, steps ...editStep) {
	t.Helper()
	twinCount++
	type result struct {
		out, errs string
		code      int
	}
	run := func(real bool) []result {
		ns := fmt.Sprintf("real%d", twinCount)
		if !real {
			ns = fmt.Sprintf("ours%d", twinCount)
		}
		c.ok(t, "", "create", "namespace", ns)
		for _, f := range setup {
			c.ok(t, "", "apply", "-n", ns, "-f", f)
		}
		var rs []result
		for _, s := range steps {
			args := append([]string{"-n", ns}, s.args...)
			var r result
			var err error
			if real {
				r.out, r.errs, err = c.kubectl(t, "", args...)
			} else {
				r.out, r.errs, err = c.ours(t, args...)
			}
			r.code = exitCode(err)
			r.out = maskVolatile(strings.ReplaceAll(r.out, ns, "$NS"))
			r.errs = maskVolatile(strings.ReplaceAll(r.errs, ns, "$NS"))
			rs = append(rs, r)
		}
		return rs
	}
	real, ours := run(true), run(false)
	for i, s := range steps {
		r, o := real[i], ours[i]
		if r.code != o.code || r.errs != o.errs || (s.out == "" && r.out != o.out) {
			t.Fatalf("kubectl %s differs\nreal (exit %d):\n%s%s\nours (exit %d):\n%s%s", strings.Join(s.args, " "), r.code, r.out, r.errs, o.code, o.out, o.errs)
		}
		if s.out != "" {
			mustMatch(t, "real kubectl "+strings.Join(s.args, " "), s.out, r.out)
			mustMatch(t, "our kubectl "+strings.Join(s.args, " "), s.out, o.out)
		}
	}
}

// volatile are the parts of outputs that differ from run to run: diff's
// temp directories and file times, uids, timestamps, resourceVersions.
var volatile = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`/tmp/(LIVE|MERGED)-\d+`), "$1"},
	{regexp.MustCompile(`\t\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ [+-]\d{4}`), "\tTIME"},
	{regexp.MustCompile(`uid: [0-9a-f-]{36}`), "uid: UID"},
	{regexp.MustCompile(`/tmp/kubectl-edit-\d+\.`), "/tmp/kubectl-edit-N."},
	{regexp.MustCompile(`(creationTimestamp|resourceVersion): "[^"]*"`), `$1: X`},
}

func maskVolatile(s string) string {
	for _, v := range volatile {
		s = v.re.ReplaceAllString(s, v.with)
	}
	return s
}

func writeFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func step(args ...string) editStep { return editStep{args: args} }

const editDeployYAML = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello
  labels: {app: hello}
spec:
  replicas: 1
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
      - name: side
        image: minik8s/tools:latest
`

// TestPatchMatchesRealKubectl: kubectl patch of every type, its dry runs,
// -o name, the scale subresource, and its errors.
func TestPatchMatchesRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	dir := t.TempDir()
	pod := writeFile(t, dir, "pod.yaml", podYAML)
	deploy := writeFile(t, dir, "deploy.yaml", editDeployYAML)
	jsonpath := "jsonpath={.spec.containers[*].image} {.metadata.labels} {.spec.containers[0].ports}"

	t.Run("strategic", func(t *testing.T) {
		p := `{"spec":{"containers":[{"name":"main","image":"minik8s/testserver:v2"}]}}`
		c.editTwin(t, []string{pod},
			step("patch", "pod", "web", "-p", p),
			step("patch", "pod/web", "-p", p),
			step("get", "pod", "web", "-o", jsonpath),
		)
	})
	t.Run("strategic lists by merge key and $patch delete", func(t *testing.T) {
		c.editTwin(t, []string{deploy},
			step("patch", "deployment", "hello", "-p", `{"spec":{"template":{"spec":{"containers":[{"name":"hello","ports":[{"containerPort":9090}]}]}}}}`),
			step("get", "deployment", "hello", "-o", "jsonpath={.spec.template.spec.containers[*].name} {.spec.template.spec.containers[0].ports}"),
			step("patch", "deployment", "hello", "-p", `{"spec":{"template":{"spec":{"containers":[{"name":"side","$patch":"delete"}]}}}}`),
			step("get", "deployment", "hello", "-o", "jsonpath={.spec.template.spec.containers[*].name}"),
		)
	})
	t.Run("merge", func(t *testing.T) {
		c.editTwin(t, []string{pod},
			step("patch", "pod", "web", "--type", "merge", "-p", `{"metadata":{"labels":{"tier":"front","app":null}}}`),
			step("patch", "pod", "web", "--type=merge", "-p", `metadata: {labels: {tier: front}}`),
			step("get", "pod", "web", "-o", jsonpath),
		)
	})
	t.Run("json", func(t *testing.T) {
		c.editTwin(t, []string{pod},
			step("patch", "pod", "web", "--type", "json", "-p", `[{"op":"test","path":"/metadata/name","value":"web"},{"op":"add","path":"/metadata/labels/x","value":"y"}]`),
			step("patch", "pod", "web", "--type", "json", "-p", `[{"op":"test","path":"/metadata/name","value":"nope"}]`),
			step("patch", "pod", "web", "--type", "json", "-p", `[{"op":"remove","path":"/metadata/labels/nope"}]`),
			step("patch", "pod", "web", "--type", "json", "-p", `{"op":"add"}`),
			step("get", "pod", "web", "-o", jsonpath),
		)
	})
	t.Run("dry runs and output", func(t *testing.T) {
		p := `{"metadata":{"labels":{"tier":"front"}}}`
		c.editTwin(t, []string{pod},
			step("patch", "pod", "web", "-p", p, "--dry-run=server"),
			step("patch", "pod", "web", "-p", p, "--dry-run=client"),
			step("patch", "pod", "web", "-p", p, "--dry-run=client", "--type=json"),
			step("get", "pod", "web", "-o", jsonpath),
			step("patch", "pod", "web", "-p", p, "-o", "name"),
			step("patch", "-f", pod, "-p", p),
			step("patch", "pod", "web", "-p", p, "-o", "jsonpath={.metadata.labels.tier}"),
			step("get", "pod", "web", "-o", jsonpath),
		)
	})
	t.Run("scale subresource", func(t *testing.T) {
		c.editTwin(t, []string{deploy},
			step("patch", "deployment", "hello", "--subresource=scale", "-p", `{"spec":{"replicas":3}}`),
			step("get", "deployment", "hello", "-o", "jsonpath={.spec.replicas}"),
			step("patch", "deployment", "hello", "--subresource=nope", "-p", `{}`),
		)
	})
	t.Run("errors", func(t *testing.T) {
		c.editTwin(t, []string{pod},
			step("patch", "pod", "web"),
			step("patch", "pod", "web", "-p", "{}", "--patch-file", pod),
			step("patch", "pod", "web", "-p", "{bad"),
			step("patch", "pod", "web", "--type", "bogus", "-p", "{}"),
			step("patch", "pod", "nope", "-p", "{}"),
			step("patch", "frobs", "x", "-p", "{}"),
			step("patch", "pod", "-p", "{}"),
			step("patch", "-p", "{}"),
			step("patch", "pod", "web", "-p", `{"spec":{"containers":"x"}}`),
			step("patch", "pod", "web", "--type=merge", "-p", `"x"`),
			step("patch", "pod", "web", "-p", "{}", "--dry-run=maybe"),
			step("patch", "pod", "web", "-p", "{}", "-o", "wide"),
		)
	})
}

// TestReplaceMatchesRealKubectl: kubectl replace -f, --force, and errors.
func TestReplaceMatchesRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	dir := t.TempDir()
	pod := writeFile(t, dir, "pod.yaml", podYAML)
	pod2 := writeFile(t, dir, "pod2.yaml", strings.Replace(podYAML, "testserver:latest", "testserver:v2", 1))
	other := writeFile(t, dir, "other.yaml", strings.Replace(podYAML, "name: web", "name: other", 1))
	deploy := writeFile(t, dir, "deploy.yaml", editDeployYAML)
	deploy2 := writeFile(t, dir, "deploy2.yaml", strings.Replace(editDeployYAML, "replicas: 1", "replicas: 2", 1))
	c.editTwin(t, []string{pod, deploy},
		step("replace", "-f", deploy2),
		step("get", "deployment", "hello", "-o", "jsonpath={.spec.replicas}"),
		step("replace", "-f", deploy, "--dry-run=server"),
		step("replace", "-f", deploy, "--dry-run=client"),
		step("get", "deployment", "hello", "-o", "jsonpath={.spec.replicas}"),
		step("replace", "-f", deploy, "-o", "name"),
		step("replace", "-f", other),
		step("replace", "--force", "--grace-period=0", "-f", pod2),
		step("get", "pod", "web", "-o", "jsonpath={.spec.containers[0].image}"),
		step("apply", "-f", pod2),
		step("replace", "--force", "-f", other),
		step("replace"),
		step("replace", "--grace-period=1", "-f", pod),
		step("replace", "x", "-f", deploy2),
	)
}

// TestApplyDryRunAndPruneMatchRealKubectl: apply --dry-run=client|server
// and apply --prune -l.
func TestApplyDryRunAndPruneMatchRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	dir := t.TempDir()
	pod := writeFile(t, dir, "pod.yaml", podYAML)
	pod2 := writeFile(t, dir, "pod2.yaml", strings.Replace(podYAML, "testserver:latest", "testserver:v2", 1))
	deploy := writeFile(t, dir, "deploy.yaml", editDeployYAML)
	podB := strings.NewReplacer("name: web", "name: b", "{app: web}", "{app: web, set: one}").Replace(podYAML)
	podC := strings.NewReplacer("name: web", "name: c", "{app: web}", "{app: web, set: one}").Replace(podYAML)
	both := writeFile(t, dir, "both.yaml", podB+"---\n"+podC)
	onlyB := writeFile(t, dir, "b.yaml", podB)

	t.Run("dry runs", func(t *testing.T) {
		c.editTwin(t, []string{pod},
			step("apply", "-f", deploy, "--dry-run=server"),
			step("apply", "-f", deploy, "--dry-run=client"),
			step("get", "deployments"),
			step("apply", "-f", pod, "--dry-run=server"),
			step("apply", "-f", pod2, "--dry-run=server"),
			step("apply", "-f", pod2, "--dry-run=client"),
			step("get", "pod", "web", "-o", "jsonpath={.spec.containers[0].image}"),
			step("apply", "-f", pod2, "-o", "name"),
			step("apply", "-f", pod2, "--dry-run=server", "-o", "jsonpath={.spec.containers[0].image}"),
			step("apply", "-f", deploy, "--dry-run=client", "-o", "yaml"),
			step("apply", "-f", pod, "-n", "nowhere"),
			step("apply", "-f", pod, "-n", "nowhere", "--dry-run=server"),
		)
	})
	t.Run("prune", func(t *testing.T) {
		pods := "--prune-allowlist=core/v1/Pod"
		c.editTwin(t, []string{both, pod},
			step("apply", "-f", onlyB, "--prune"),
			step("apply", "-f", onlyB, "--prune", "-l", "set=one", pods, "--dry-run=server"),
			step("apply", "-f", onlyB, "--prune", "-l", "set=one", pods, "--dry-run=client"),
			step("get", "pods", "-o", "name"),
			step("apply", "-f", both, "--prune", "-l", "set=two", pods),
			step("apply", "-f", onlyB, "--prune", "-l", "set=one", pods),
			step("get", "pods", "-o", "name"),
			step("apply", "-f", onlyB, "--prune", "--all", "-l", "set=one"),
			step("apply", "-f", onlyB, "--prune-allowlist=core/v1/Pod"),
		)
	})
}

// TestDiffMatchesRealKubectl: kubectl diff -f, exit 0 without differences,
// 1 with (and the same unified diff), 2 on errors; KUBECTL_EXTERNAL_DIFF.
func TestDiffMatchesRealKubectl(t *testing.T) {
	need(t, "kubectl")
	need(t, "diff")
	c := startCluster(t)
	dir := t.TempDir()
	pod := writeFile(t, dir, "pod.yaml", podYAML)
	pod2 := writeFile(t, dir, "pod2.yaml", strings.Replace(podYAML, "testserver:latest", "testserver:v2", 1))
	deploy := writeFile(t, dir, "deploy.yaml", editDeployYAML)
	deploy2 := writeFile(t, dir, "deploy2.yaml", strings.Replace(editDeployYAML, "replicas: 1", "replicas: 2", 1))
	c.editTwin(t, []string{pod, deploy},
		step("diff", "-f", pod),
		step("diff", "-f", deploy),
		step("diff", "-f", pod2),
		step("diff", "-f", deploy2, "-f", pod2),
		step("diff", "-f", strings.Replace(pod, "pod.yaml", "", 1)),
		step("get", "pod", "web", "-o", "jsonpath={.spec.containers[0].image}"),
		step("diff"),
		step("diff", "-f", "nope.yaml"),
		step("diff", "x", "-f", pod),
	)
	t.Run("KUBECTL_EXTERNAL_DIFF", func(t *testing.T) {
		t.Setenv("KUBECTL_EXTERNAL_DIFF", "diff -q")
		c.editTwin(t, []string{pod},
			step("diff", "-f", pod),
			step("diff", "-f", pod2),
		)
	})
}

// editScripts are KUBE_EDITOR scripts; each keeps its count of opens per
// namespace next to itself and copies what it was given to open<N>-<ns>.
var editScripts = map[string]string{
	// leaves the file as it is
	"same.sh": ``,
	// adds a label
	"label.sh": `sed -i 's/^    app: web$/    app: web\n    edited: "yes"/' "$1"`,
	// breaks the YAML, then fixes it and adds a label
	"break.sh": `if [ $n = 1 ]; then sed -i 's/^spec:$/spec: [/' "$1"; else sed -i 's/^spec: \[$/spec:/; s/^    app: web$/    app: web\n    fixed: "yes"/' "$1"; fi`,
	// sets an image the server rejects, then a good one
	"invalid.sh": `if [ $n = 1 ]; then sed -i 's/^  - image: .*$/  - image: ""/' "$1"; else sed -i 's/^  - image: ""$/  - image: fixed:v9/' "$1"; fi`,
	// breaks the YAML, then saves it unchanged
	"giveup.sh": `if [ $n = 1 ]; then sed -i 's/^spec:$/spec: [/' "$1"; fi`,
	// adds a label to each object of a List
	"labelall.sh": `sed -i 's/^      app: web$/      app: web\n      edited: "yes"/' "$1"`,
	// empties the file
	"empty.sh": `: > "$1"`,
}

func writeEditScripts(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range editScripts {
		script := "#!/bin/sh\nd=$(dirname \"$0\")\nns=$(sed -n 's/^  namespace: //p' \"$1\" | head -1)\n" +
			"n=$(cat \"$d/count-$ns\" 2>/dev/null || echo 0); n=$((n+1)); echo $n > \"$d/count-$ns\"\n" +
			"cp \"$1\" \"$d/open$n-$ns\"\n" + body + "\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// headerOf is the comment lines at the top of a file the editor got.
func headerOf(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(l, "#") {
			break
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// TestEditMatchesRealKubectl: kubectl edit with KUBE_EDITOR scripts: no
// change, a change, a broken file then fixed (re-opened with the error in
// the header), an invalid object then fixed, giving up, an empty file, a
// missing object and a missing editor.
func TestEditMatchesRealKubectl(t *testing.T) {
	need(t, "kubectl")
	need(t, "sed")
	c := startCluster(t)
	dir := t.TempDir()
	pod := writeFile(t, dir, "pod.yaml", podYAML)
	pod2 := writeFile(t, dir, "pod2.yaml", strings.ReplaceAll(podYAML, "web", "web2"))
	scripts := writeEditScripts(t)
	for _, tc := range []struct {
		script string
		args   []string
		opens  int // the header of the last open is compared too
	}{
		{"same.sh", []string{"edit", "pod", "web"}, 1},
		{"label.sh", []string{"edit", "pod/web"}, 1},
		{"label.sh", []string{"edit", "pod/web", "--output-patch"}, 1},
		{"label.sh", []string{"edit", "pod/web", "-o", "name"}, 0},
		{"break.sh", []string{"edit", "pod/web"}, 2},
		{"invalid.sh", []string{"edit", "pod/web"}, 2},
		{"giveup.sh", []string{"edit", "pod/web"}, 2},
		{"empty.sh", []string{"edit", "pod/web"}, 1},
		{"label.sh", []string{"edit", "pod/nope"}, 0},
		{"/nonexistent/editor", []string{"edit", "pod/web"}, 0},
		{"label.sh", []string{"edit"}, 0},
	} {
		t.Run(tc.script+" "+strings.Join(tc.args, " "), func(t *testing.T) {
			editor := tc.script
			if !strings.HasPrefix(editor, "/") {
				editor = filepath.Join(scripts, editor)
			}
			t.Setenv("KUBE_EDITOR", editor)
			n := twinCount + 1
			c.editTwin(t, []string{pod, pod2}, step(tc.args...), step("get", "pods", "-o", "jsonpath={.items[*].metadata.labels} {.items[*].spec.containers[0].image}"))
			if tc.opens > 0 {
				real := headerOf(t, filepath.Join(scripts, fmt.Sprintf("open%d-real%d", tc.opens, n)))
				ours := headerOf(t, filepath.Join(scripts, fmt.Sprintf("open%d-ours%d", tc.opens, n)))
				if real != ours {
					t.Fatalf("the header of open %d differs\nreal:\n%s\nours:\n%s", tc.opens, real, ours)
				}
			}
		})
	}
	// Several objects are edited as a v1 List. (The real kubectl v1.32
	// validates a List against /openapi/v3, which minik8s does not serve
	// yet: it rejects the file, so only ours is checked.)
	t.Run("a List", func(t *testing.T) {
		t.Setenv("KUBE_EDITOR", filepath.Join(scripts, "labelall.sh"))
		c.ok(t, "", "create", "namespace", "list")
		c.ok(t, "", "apply", "-n", "list", "-f", pod, "-f", pod2)
		for _, tc := range []struct {
			args      []string
			out, errs string
		}{
			{[]string{"edit", "pods"}, "pod/web edited\npod/web2 skipped\n", ""},
			{[]string{"edit", "pod", "web", "web2"}, "", "Edit cancelled, no changes made.\n"},
		} {
			out, errs, err := c.ours(t, append([]string{"-n", "list"}, tc.args...)...)
			if err != nil || out != tc.out || errs != tc.errs {
				t.Fatalf("%v: %v %q %q, want %q %q", tc.args, err, out, errs, tc.out, tc.errs)
			}
		}
		mustMatch(t, "labels", `^\{"app":"web","edited":"yes"\} \{"app":"web2"\}$`,
			c.ok(t, "", "-n", "list", "get", "pods", "-o", "jsonpath={.items[*].metadata.labels}"))
	})
}
