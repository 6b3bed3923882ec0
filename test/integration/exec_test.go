package integration

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
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"minik8s/kubectl"
	"minik8s/kubelet/runtime"
	"minik8s/test/testutil"
)

// fakeShell runs a few commands the way a container would: echo, cat
// (stdin to stdout), sh -c "exit N" and sh -c "echo X >&2".
func fakeShell(_ string, o runtime.ExecOptions) (int, error) {
	switch {
	case o.Cmd[0] == "tty-check":
		fmt.Fprintf(o.Stdout, "tty=%v stderr=%v\n", o.TTY, o.Stderr != nil)
		return 0, nil
	case o.Cmd[0] == "echo":
		fmt.Fprintln(o.Stdout, strings.Join(o.Cmd[1:], " "))
		return 0, nil
	case len(o.Cmd) == 1 && o.Cmd[0] == "cat":
		if o.Stdin == nil {
			return 0, nil
		}
		_, err := io.Copy(o.Stdout, o.Stdin)
		return 0, err
	case len(o.Cmd) == 3 && o.Cmd[0] == "sh" && o.Cmd[1] == "-c":
		var n int
		if _, err := fmt.Sscanf(o.Cmd[2], "exit %d", &n); err == nil {
			return n, nil
		}
		if msg, ok := strings.CutSuffix(o.Cmd[2], " >&2"); ok {
			fmt.Fprintln(o.Stderr, strings.TrimPrefix(msg, "echo "))
			return 0, nil
		}
	}
	fmt.Fprintf(o.Stderr, "%s: not found\n", o.Cmd[0])
	return 127, nil
}

// ourKubectl runs our kubectl in-process; code is the process exit code it would have.
func ourKubectl(t *testing.T, server, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := kubectl.NewCommand()
	var out, errb bytes.Buffer
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	cmd.SetArgs(append([]string{"--server", server}, args...))
	err := cmd.ExecuteContext(ctx)
	var coded interface{ ExitCode() int }
	switch {
	case err == nil:
	case errors.As(err, &coded):
		code = coded.ExitCode()
	default:
		code = 1
	}
	return out.String(), errb.String(), code
}

func TestExecThroughAPIServer(t *testing.T) {
	h := newKubeletHarness(t)
	var mu sync.Mutex
	var lastID string // the container the last exec ran in
	h.rt.ExecFunc = func(id string, o runtime.ExecOptions) (int, error) {
		mu.Lock()
		lastID = id
		mu.Unlock()
		return fakeShell(id, o)
	}
	ranIn := func() string {
		mu.Lock()
		defer mu.Unlock()
		return lastID
	}
	h.start()
	h.createPod(twoContainerPod("web"))
	p := h.waitPod("web", "Running", running)
	_, cs := h.runtimeOf(p.UID)
	ids := map[string]string{}
	for _, c := range cs {
		ids[c.Name] = c.ID
	}
	url := h.ts.URL

	t.Run("our kubectl", func(t *testing.T) {
		out, errs, code := ourKubectl(t, url, "", "exec", "web", "-c", "server", "--", "echo", "hello", "world")
		if out != "hello world\n" || errs != "" || code != 0 {
			t.Fatalf("echo: out %q, err %q, code %d", out, errs, code)
		}
		if last := ranIn(); last != ids["server"] {
			t.Fatalf("ran in %s, want the server container %s", last, ids["server"])
		}
		out, errs, code = ourKubectl(t, url, "", "exec", "web", "-c", "writer", "--", "sh", "-c", "exit 3")
		if out != "" || errs != "command terminated with exit code 3\n" || code != 3 {
			t.Fatalf("exit 3: out %q, err %q, code %d", out, errs, code)
		}
		out, errs, code = ourKubectl(t, url, "", "exec", "pod/web", "-c", "writer", "--", "sh", "-c", "echo oops >&2")
		if out != "" || errs != "oops\n" || code != 0 {
			t.Fatalf("stderr: out %q, err %q, code %d", out, errs, code)
		}
		in := strings.Repeat("some input line\n", 5000)
		out, errs, code = ourKubectl(t, url, in, "exec", "-i", "web", "-c", "writer", "--", "cat")
		if out != in || errs != "" || code != 0 {
			t.Fatalf("stdin: %d bytes back of %d, err %q, code %d", len(out), len(in), errs, code)
		}
		// Without -i stdin is not forwarded (cat sees no stdin and ends).
		out, _, code = ourKubectl(t, url, "ignored", "exec", "web", "-c", "writer", "--", "cat")
		if out != "" || code != 0 {
			t.Fatalf("cat without -i: out %q code %d", out, code)
		}
		// -t without a terminal falls back to plain streams, as kubectl does.
		out, errs, code = ourKubectl(t, url, "typed\n", "exec", "-it", "web", "-c", "writer", "--", "cat")
		if out != "typed\n" || !strings.Contains(errs, "Unable to use a TTY") || code != 0 {
			t.Fatalf("-it: out %q err %q code %d", out, errs, code)
		}
		// No -c: the first container, with kubectl's notice.
		out, errs, code = ourKubectl(t, url, "", "exec", "web", "--", "echo", "hi")
		if out != "hi\n" || errs != "Defaulted container \"writer\" out of: writer, server\n" || code != 0 {
			t.Fatalf("default container: out %q err %q code %d", out, errs, code)
		}
		if last := ranIn(); last != ids["writer"] {
			t.Fatalf("ran in %s, want the writer container", last)
		}
		_, errs, code = ourKubectl(t, url, "", "exec", "nope", "--", "ls")
		if errs != "Error from server (NotFound): pods \"nope\" not found\n" || code != 1 {
			t.Fatalf("missing pod: err %q code %d", errs, code)
		}
		_, errs, code = ourKubectl(t, url, "", "exec", "web", "-c", "nope", "--", "ls")
		if !strings.Contains(errs, "container nope is not valid for pod web") || code != 1 {
			t.Fatalf("bad container: err %q code %d", errs, code)
		}
		_, errs, code = ourKubectl(t, url, "", "exec", "web", "ls")
		if !strings.Contains(errs, "Use exec [POD] -- [COMMAND] instead") || code != 1 {
			t.Fatalf("no dash: err %q code %d", errs, code)
		}
	})

	t.Run("our kubectl with a terminal", func(t *testing.T) {
		master, slave := openPTY(t)
		before := termios(t, slave)
		var screen testutil.SyncBuffer
		readDone := make(chan struct{})
		go func() { defer close(readDone); _, _ = io.Copy(&screen, master) }()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		cmd := kubectl.NewCommand()
		var errb bytes.Buffer
		cmd.SetIn(slave)
		cmd.SetOut(slave)
		cmd.SetErr(&errb)
		cmd.SetArgs([]string{"--server", url, "exec", "-it", "web", "-c", "writer", "--", "tty-check"})
		if err := cmd.ExecuteContext(ctx); err != nil {
			t.Fatalf("exec -it: %v, %s", err, errb.String())
		}
		after := termios(t, slave)
		if after.Lflag != before.Lflag || after.Iflag != before.Iflag || after.Oflag != before.Oflag {
			t.Errorf("terminal not restored: %+v, was %+v", after, before)
		}
		waitUntil(t, 5*time.Second, "the remote output on the terminal", func() (bool, string) {
			return strings.Contains(screen.String(), "tty=true stderr=false"), screen.String()
		})
		// Closing both ends ends the screen reader and kubectl's stdin reader.
		slave.Close()
		master.Close()
		select {
		case <-readDone:
		case <-time.After(5 * time.Second):
			t.Fatal("the terminal reader did not end")
		}
	})

	t.Run("apiserver errors", func(t *testing.T) {
		execURL := url + "/api/v1/namespaces/default/pods/%s/exec?command=ls&stdout=true%s"
		st := status(t, mustDo(t, 404, "GET", fmt.Sprintf(execURL, "nope", ""), "", ""))
		if st.Reason != "NotFound" {
			t.Fatalf("missing pod: %+v", st)
		}
		st = status(t, mustDo(t, 400, "POST", fmt.Sprintf(execURL, "web", ""), "", ""))
		if !strings.Contains(st.Message, "a container name must be specified for pod web, choose one of: [writer server]") {
			t.Fatalf("no container: %s", st.Message)
		}
		// Not a WebSocket upgrade (e.g. SPDY): the kubelet refuses, the apiserver relays.
		st = status(t, mustDo(t, 400, "POST", fmt.Sprintf(execURL, "web", "&container=writer"), "", ""))
		if !strings.Contains(st.Message, "WebSocket") {
			t.Fatalf("plain POST: %s", st.Message)
		}
		unbound := twoContainerPod("unbound")
		unbound.Spec.NodeName = ""
		h.createPod(unbound)
		st = status(t, mustDo(t, 400, "GET", fmt.Sprintf(execURL, "unbound", "&container=writer"), "", ""))
		if !strings.Contains(st.Message, "does not have a host assigned") {
			t.Fatalf("unbound: %s", st.Message)
		}
		mustDo(t, 405, "PUT", fmt.Sprintf(execURL, "web", "&container=writer"), "", "")
	})

	t.Run("real kubectl", func(t *testing.T) {
		real := needRealKubectl(t)
		kubeconfig := writeKubeconfig(t, url)
		run := func(stdin string, args ...string) (string, string, int) {
			t.Helper()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, real, append([]string{"--kubeconfig", kubeconfig}, args...)...)
			cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
			cmd.Stdin = strings.NewReader(stdin)
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			err := cmd.Run()
			var ee *exec.ExitError
			switch {
			case err == nil:
				return out.String(), errb.String(), 0
			case errors.As(err, &ee):
				return out.String(), errb.String(), ee.ExitCode()
			default:
				t.Fatalf("kubectl %v: %v", args, err)
				return "", "", -1
			}
		}
		out, errs, code := run("", "exec", "web", "-c", "writer", "--", "echo", "hi")
		if out != "hi\n" || code != 0 {
			t.Fatalf("echo hi: out %q, err %q, code %d", out, errs, code)
		}
		out, errs, code = run("", "exec", "web", "-c", "writer", "--", "sh", "-c", "exit 3")
		if out != "" || !strings.Contains(errs, "command terminated with exit code 3") || code != 3 {
			t.Fatalf("exit 3: out %q, err %q, code %d", out, errs, code)
		}
		in := strings.Repeat("from the real kubectl\n", 3000)
		out, errs, code = run(in, "exec", "-i", "web", "-c", "writer", "--", "cat")
		if out != in || code != 0 {
			t.Fatalf("stdin: %d bytes back of %d, err %q, code %d", len(out), len(in), errs, code)
		}
		out, errs, code = run("", "exec", "web", "-c", "writer", "--", "sh", "-c", "echo oops >&2")
		if out != "" || errs != "oops\n" || code != 0 {
			t.Fatalf("stderr: out %q, err %q, code %d", out, errs, code)
		}
		// -it on a terminal: a TTY exec (stderr merged), resizes sent.
		master, slave := openPTY(t)
		var screen testutil.SyncBuffer
		readDone := make(chan struct{})
		go func() { defer close(readDone); _, _ = io.Copy(&screen, master) }()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, real, "--kubeconfig", kubeconfig, "exec", "-it", "web", "-c", "writer", "--", "tty-check")
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
		cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
		if err := cmd.Run(); err != nil {
			t.Fatalf("kubectl exec -it: %v: %q", err, screen.String())
		}
		waitUntil(t, 5*time.Second, "the remote output on the terminal", func() (bool, string) {
			return strings.Contains(screen.String(), "tty=true stderr=false"), screen.String()
		})
		slave.Close()
		master.Close()
		<-readDone
		out, errs, code = run("", "exec", "web", "--", "echo", "defaulted")
		if out != "defaulted\n" || !strings.Contains(errs, `Defaulted container "writer" out of: writer, server`) || code != 0 {
			t.Fatalf("default container: out %q, err %q, code %d", out, errs, code)
		}
	})
}

// needRealKubectl finds the real kubectl or, in CI, fails.
func needRealKubectl(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("kubectl")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("kubectl is required in CI: %v", err)
		}
		t.Skipf("kubectl not installed: %v", err)
	}
	return p
}

// writeKubeconfig writes what our `kubectl config view --raw` prints for server.
func writeKubeconfig(t *testing.T, server string) string {
	t.Helper()
	out, errs, code := ourKubectl(t, server, "", "config", "view", "--raw")
	if code != 0 {
		t.Fatalf("config view --raw: %s", errs)
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// openPTY opens a pseudo-terminal pair (100x30); both ends close with the
// test. The files stay non-blocking, so closing one ends pending reads.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	var n int
	err = withFd(master, func(fd int) (err error) {
		if err = unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil { // unlockpt
			return err
		}
		n, err = unix.IoctlGetInt(fd, unix.TIOCGPTN) // ptsname
		return err
	})
	if err != nil {
		t.Fatalf("pty: %v", err)
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { slave.Close() })
	if err := withFd(slave, func(fd int) error {
		return unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, &unix.Winsize{Row: 30, Col: 100})
	}); err != nil {
		t.Fatal(err)
	}
	return master, slave
}

func withFd(f *os.File, fn func(fd int) error) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = fn(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

func termios(t *testing.T, f *os.File) *unix.Termios {
	t.Helper()
	var tio *unix.Termios
	if err := withFd(f, func(fd int) (err error) { tio, err = unix.IoctlGetTermios(fd, unix.TCGETS); return err }); err != nil {
		t.Fatal(err)
	}
	return tio
}
