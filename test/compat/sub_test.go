package compat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"minik8s/kubelet/runtime"
	"minik8s/kubelet/runtime/fake"
	"minik8s/pkg/api"
	mclient "minik8s/pkg/client"
	"minik8s/test/testutil"
)

// cpCommands answers the commands kubectl cp runs in a container with
// the host's tar, the container's filesystem being root: `test -d P`,
// `tar cf - P`, `tar -xmf - [-C DIR]`. A failed `tar cf` writes no
// archive, as busybox's tar (GNU tar still writes the end-of-archive
// blocks, and then the real kubectl may exit 0 before it reads the exit
// code).
func cpCommands(root string) func(string, runtime.ExecOptions) (int, error) {
	return func(_ string, o runtime.ExecOptions) (int, error) {
		c := o.Cmd
		var cmd *exec.Cmd
		switch {
		case len(c) == 3 && c[0] == "test" && c[1] == "-d":
			if st, err := os.Stat(filepath.Join(root, c[2])); err == nil && st.IsDir() {
				return 0, nil
			}
			return 1, nil
		case len(c) == 4 && c[0] == "tar" && c[1] == "cf" && c[2] == "-":
			cmd = exec.Command("tar", "cf", "-", "-C", root, strings.TrimLeft(c[3], "/"))
		case len(c) >= 3 && c[0] == "tar" && c[1] == "-xmf" && c[2] == "-":
			dir := root
			if len(c) == 5 && c[3] == "-C" {
				dir = filepath.Join(root, c[4])
			}
			cmd = exec.Command("tar", "-xmf", "-", "-C", dir)
		default:
			fmt.Fprintf(o.Stderr, "%s: not found\n", c[0])
			return 127, nil
		}
		cmd.Stdin, cmd.Stdout, cmd.Stderr = o.Stdin, o.Stdout, o.Stderr
		var archive bytes.Buffer
		if c[1] == "cf" {
			cmd.Stdout = &archive
		}
		err := cmd.Run()
		if err == nil && c[1] == "cf" {
			_, err = o.Stdout.Write(archive.Bytes())
		}
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), nil
		}
		return 0, err
	}
}

// both runs args through the real kubectl and ours (with name replaced by
// name-real and name-ours) and wants the same output and exit code, name
// mapped back; it returns the real kubectl's stdout.
func (c *cluster) both(t *testing.T, name string, args ...string) (string, int) {
	t.Helper()
	subst := func(tool string) []string {
		out := make([]string, len(args))
		for i, a := range args {
			out[i] = strings.ReplaceAll(a, name, name+"-"+tool)
		}
		return out
	}
	rOut, rErr, rerr := c.kubectl(t, "", subst("real")...)
	oOut, oErr, oerr := c.ours(t, subst("ours")...)
	back := func(s, tool string) string { return strings.ReplaceAll(s, name+"-"+tool, name) }
	if exitCode(rerr) != exitCode(oerr) || back(rOut, "real") != back(oOut, "ours") || back(rErr, "real") != back(oErr, "ours") {
		t.Fatalf("kubectl %s differs\nreal (%v):\n%s%s\nours (%v):\n%s%s", strings.Join(args, " "), rerr, rOut, rErr, oerr, oOut, oErr)
	}
	return back(rOut, "real"), exitCode(rerr)
}

// TestCpMatchesRealKubectl: kubectl cp of a directory tree into a pod and
// back, with the real kubectl and ours, lands the same files with the
// same output; a missing source fails the same way.
func TestCpMatchesRealKubectl(t *testing.T) {
	need(t, "kubectl")
	need(t, "tar")
	c := startCluster(t)
	mc, rt := startFakeKubelet(t, c)
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "tmp"), 0o755); err != nil {
		t.Fatal(err)
	}
	rt.SetExecFunc(cpCommands(root))
	createRunningPod(t, mc, "web")

	local := t.TempDir()
	src := filepath.Join(local, "src")
	for name, body := range map[string]string{"a.txt": "alpha\n", "sub/b.txt": "beta\n", "sub/deep/c.txt": "gamma\n"} {
		p := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := testutil.FileTree(t, src)

	// local -> pod (a new path), pod -> local.
	c.both(t, "copy", "cp", src, "web:/tmp/copy")
	for _, tool := range []string{"real", "ours"} {
		if got := testutil.FileTree(t, filepath.Join(root, "tmp", "copy-"+tool)); got != want {
			t.Fatalf("%s: pod tree\n%s\nwant\n%s", tool, got, want)
		}
	}
	c.both(t, "copy", "cp", "web:/tmp/copy", filepath.Join(local, "copy"))
	for _, tool := range []string{"real", "ours"} {
		if got := testutil.FileTree(t, filepath.Join(local, "copy-"+tool)); got != want {
			t.Fatalf("%s: local tree\n%s\nwant\n%s", tool, got, want)
		}
	}
	// Into an existing directory: the source keeps its name.
	c.both(t, "copy", "cp", filepath.Join(src, "a.txt"), "web:/tmp/copy/")
	for _, tool := range []string{"real", "ours"} {
		if b, err := os.ReadFile(filepath.Join(root, "tmp", "copy-"+tool, "a.txt")); err != nil || string(b) != "alpha\n" {
			t.Fatalf("%s: file into dir: %q %v", tool, b, err)
		}
	}
	// Missing sources: the pod's tar fails, or the local stat does.
	if _, code := c.both(t, "nope", "cp", "web:/tmp/nope", filepath.Join(local, "nope")); code == 0 {
		t.Fatal("cp of a missing pod path exited 0")
	}
	if _, code := c.both(t, "nope", "cp", filepath.Join(local, "nope"), "web:/tmp/x"); code == 0 {
		t.Fatal("cp of a missing local path exited 0")
	}
	// Bad specs.
	c.both(t, "x", "cp", "a:b", "c:d")
	c.both(t, "x", "cp", "/a", "/b")
}

// bindPending binds every unscheduled pod of the namespace to node1 (the
// compat cluster has no scheduler) until the test ends.
func bindPending(t *testing.T, mc *mclient.Client) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() {
		for ctx.Err() == nil {
			pods, _, err := mc.List(ctx, podsInfo(), "default", mclient.ListOptions{})
			if err == nil {
				for _, o := range pods {
					if p := o.(*api.Pod); p.Spec.NodeName == "" && p.DeletionTimestamp == nil {
						_ = mc.Bind(ctx, "default", p.Name, "node1")
					}
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
}

func podsInfo() *api.ResourceInfo {
	info, _ := api.ForResource("", "v1", "pods")
	return info
}

// TestRunAttachMatchesRealKubectl: `kubectl run --rm -i --restart=Never`
// attaches, forwards stdin (EOF closes the container's stdin), prints the
// container's output, deletes the pod and exits with its exit code, with
// the real kubectl and ours alike.
func TestRunAttachMatchesRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	mc, rt := startFakeKubelet(t, c)
	bindPending(t, mc)
	// The container reads its stdin to the end, then prints.
	catThen := func(code int32) fake.Behavior {
		return fake.Behavior{Process: func(in io.Reader, out io.Writer) int32 {
			n, _ := io.Copy(io.Discard, in)
			fmt.Fprintf(out, "hi after %d bytes\n", n)
			return code
		}}
	}
	for _, tool := range []string{"real", "ours"} {
		rt.SetBehavior("hello-"+tool, catThen(0))
		rt.SetBehavior("fails-"+tool, catThen(3))
	}
	out, _ := c.both(t, "hello", "run", "hello", "--image=busybox", "--restart=Never", "--rm", "-i", "--", "sh", "-c", "cat; echo hi")
	if out != "hi after 0 bytes\npod \"hello\" deleted\n" {
		t.Fatalf("run --rm -i printed %q", out)
	}
	if _, code := c.both(t, "fails", "run", "fails", "--image=busybox", "--restart=Never", "--rm", "-i", "-q", "--", "false"); code != 3 {
		t.Fatalf("exit code %d, want 3", code)
	}
	// Flag checks.
	c.both(t, "x", "run", "x", "--image=busybox", "--rm")
	c.both(t, "x", "run", "x", "--image=busybox", "-t")
}
