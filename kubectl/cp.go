package kubectl

// `kubectl cp`: files and directories to and from a container, as
// kubectl's cp does it: `tar cf - SRC` run through exec and unpacked here
// (entries that would land outside the destination are skipped), or a tar
// made here and unpacked by `tar -xmf - -C DIR` in the container.

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"minik8s/pkg/client"
	"minik8s/pkg/remotecommand"
)

// cpSpec is one side of a copy: a local path, or [namespace/]pod:path.
type cpSpec struct {
	namespace, pod, file string
}

var errFileSpec = errors.New("filespec must match the canonical format: [[namespace/]pod:]file/path")

// parseCpSpec splits a cp argument as kubectl's extractFileSpec: the first
// colon ends the pod part ("ns/pod" or "pod"); none means a local path.
func parseCpSpec(arg string) (cpSpec, error) {
	i := strings.Index(arg, ":")
	switch {
	case i == 0:
		return cpSpec{}, errFileSpec
	case i < 0:
		return cpSpec{file: arg}, nil
	}
	pod, file := arg[:i], strings.ReplaceAll(arg[i+1:], `\`, "/")
	switch pieces := strings.Split(pod, "/"); len(pieces) {
	case 1:
		return cpSpec{pod: pieces[0], file: file}, nil
	case 2:
		return cpSpec{namespace: pieces[0], pod: pieces[1], file: file}, nil
	default:
		return cpSpec{}, errFileSpec
	}
}

// stripPathShortcuts removes leading "../" (and a leading "/") from a path,
// as kubectl does before comparing tar entries with the source.
func stripPathShortcuts(p string) string {
	for strings.HasPrefix(p, "../") {
		p = strings.TrimPrefix(p, "../")
	}
	if p == "." || p == ".." {
		p = ""
	}
	return strings.TrimPrefix(p, "/")
}

// untarTarget is where a tar entry from the pod lands under dest, or ""
// if it must be skipped (outside dest); an entry not under prefix means
// the archive was tampered with.
func untarTarget(dest, prefix, name string) (string, error) {
	if !strings.HasPrefix(name, prefix) {
		return "", errors.New("tar contents corrupted")
	}
	target := filepath.Join(dest, strings.ReplaceAll(name[len(prefix):], `\`, "/"))
	rel, err := filepath.Rel(dest, target)
	if err != nil || !(rel == "." || rel == stripPathShortcuts(rel)) {
		return "", nil
	}
	return target, nil
}

func newCpCommand(o *options) *cobra.Command {
	var container string
	var noPreserve bool
	cmd := &cobra.Command{
		Use:   "cp <file-spec-src> <file-spec-dest>",
		Short: "Copy files and directories to and from containers",
		Example: "  kubectl cp /tmp/foo_dir some-pod:/tmp/bar_dir\n" +
			"  kubectl cp some-namespace/some-pod:/tmp/foo /tmp/bar\n" +
			"  kubectl cp /tmp/foo some-pod:/tmp/bar -c specific-container",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return errors.New("source and destination are required")
			}
			src, err := parseCpSpec(args[0])
			if err != nil {
				return err
			}
			dst, err := parseCpSpec(args[1])
			if err != nil {
				return err
			}
			if src.pod != "" && dst.pod != "" {
				return errors.New("one of src or dest must be a local file specification")
			}
			if src.file == "" || dst.file == "" {
				return errors.New("filepath can not be empty")
			}
			if src.pod == "" && dst.pod == "" {
				return errors.New("one of src or dest must be a remote file specification")
			}
			c, ns, err := o.clientNS()
			if err != nil {
				return err
			}
			ctx := cmd.Context() // set by Execute (Background when none was given)
			x := &cpExec{o: o, c: c, ns: ns, container: container}
			if src.pod != "" {
				return x.fromPod(ctx, src, dst.file)
			}
			return x.toPod(ctx, src.file, dst, noPreserve)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&container, "container", "c", "", "Container name. If omitted, use the kubectl.kubernetes.io/default-container annotation for selecting the container to be attached or the first container in the pod will be chosen")
	f.BoolVar(&noPreserve, "no-preserve", false, "The copied file/directory's ownership and permissions will not be preserved in the container")
	return cmd
}

// cpExec runs the tar commands of a copy in a pod's container.
type cpExec struct {
	o         *options
	c         *client.Client
	ns        string
	container string
}

// exec runs command in the pod with the given streams (nil: not asked).
func (x *cpExec) exec(ctx context.Context, ns, podName string, command []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if ns == "" {
		ns = x.ns
	}
	pod, err := x.c.Pods(ns).Get(ctx, podName)
	if err != nil {
		return err
	}
	name, notice, err := execContainer(pod, x.container)
	if err != nil {
		return err
	}
	if notice != "" && stderr != nil {
		fmt.Fprintln(stderr, notice)
	}
	eopts := remotecommand.Options{Command: command, Container: name, Stdin: stdin != nil, Stdout: stdout != nil, Stderr: stderr != nil}
	sopts := remotecommand.StreamOptions{Stdin: stdin, Stdout: stdout, Stderr: stderr, Header: x.c.UpgradeHeader(), TLSClientConfig: x.c.TLSClientConfig()}
	return remotecommand.Stream(ctx, execURL(x.c.CurrentServer(), ns, pod.Name, eopts), sopts)
}

// fromPod copies src (in the pod) to the local path dest: the container's
// `tar cf - SRC` (its stderr goes to our stdout, as kubectl prints it)
// unpacked under dest.
func (x *cpExec) fromPod(ctx context.Context, src cpSpec, dest string) error {
	pr, pw := io.Pipe()
	execErr := make(chan error, 1)
	go func() {
		err := x.exec(ctx, src.namespace, src.pod, []string{"tar", "cf", "-", src.file}, nil, pw, x.o.out)
		pw.CloseWithError(err)
		execErr <- err
	}()
	prefix := stripPathShortcuts(path.Clean(strings.TrimLeft(src.file, `/\`)))
	err := x.untar(pr, dest, prefix, src)
	_, _ = io.Copy(io.Discard, pr) // the archive's padding, until the exec ends
	pr.Close()
	if eerr := <-execErr; eerr != nil {
		return execError(x.o.err, eerr)
	}
	return err
}

// untar unpacks the archive from the pod under dest, skipping entries that
// would land outside it and symlinks (with kubectl's warnings).
func (x *cpExec) untar(r io.Reader, dest, prefix string, src cpSpec) error {
	tr := tar.NewReader(r)
	warned := false
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		target, err := untarTarget(dest, prefix, h.Name)
		if err != nil {
			return err
		}
		if target == "" {
			fmt.Fprintf(x.o.err, "warning: file %q is outside target destination, skipping\n", filepath.Join(dest, h.Name[len(prefix):]))
			continue
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		mode := h.FileInfo().Mode()
		switch {
		case h.FileInfo().IsDir():
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		case mode&os.ModeSymlink != 0:
			if !warned {
				ns := src.namespace
				if ns == "" {
					ns = x.ns
				}
				fmt.Fprintf(x.o.err, "warning: skipping symlink: %q -> %q (consider using \"kubectl exec -n %q %q -- tar cf - %q | tar xf -\")\n", target, h.Linkname, ns, src.pod, src.file)
				warned = true
				continue
			}
			fmt.Fprintf(x.o.err, "warning: skipping symlink: %q -> %q\n", target, h.Linkname)
		default:
			if err := writeFileFrom(target, tr); err != nil {
				return err
			}
		}
	}
}

func writeFileFrom(name string, r io.Reader) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// toPod copies the local src to dest in the pod: into dest if dest is a
// directory there (`test -d`), else as dest; the container unpacks with
// `tar -xmf - [-C DIR]`.
func (x *cpExec) toPod(ctx context.Context, src string, dest cpSpec, noPreserve bool) error {
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("%s doesn't exist in local filesystem", src)
	}
	destFile := dest.file
	if x.exec(ctx, dest.namespace, dest.pod, []string{"test", "-d", destFile}, nil, &bytes.Buffer{}, &bytes.Buffer{}) == nil {
		destFile = path.Join(destFile, filepath.Base(src))
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(makeTar(src, destFile, pw)) }()
	command := []string{"tar", "-xmf", "-"}
	if noPreserve {
		command = []string{"tar", "--no-same-permissions", "--no-same-owner", "-xmf", "-"}
	}
	if dir := path.Dir(destFile); dir != "" {
		command = append(command, "-C", dir)
	}
	err := x.exec(ctx, dest.namespace, dest.pod, command, pr, x.o.out, x.o.err)
	pr.Close()
	return execError(x.o.err, err)
}

// makeTar writes src (a file or a directory tree) as a tar whose entries
// are named under path.Base(dest).
func makeTar(src, dest string, w io.Writer) error {
	tw := tar.NewWriter(w)
	src = filepath.Clean(src)
	if err := tarTree(tw, src, path.Base(path.Clean(dest))); err != nil {
		return err
	}
	return tw.Close()
}

func tarTree(tw *tar.Writer, file, name string) error {
	st, err := os.Lstat(file)
	if err != nil {
		return err
	}
	link := ""
	if st.Mode()&os.ModeSymlink != 0 {
		if link, err = os.Readlink(file); err != nil {
			return err
		}
	}
	if st.IsDir() {
		entries, err := os.ReadDir(file)
		if err != nil {
			return err
		}
		if len(entries) == 0 {
			return writeTarHeader(tw, st, name, "")
		}
		for _, e := range entries {
			if err := tarTree(tw, filepath.Join(file, e.Name()), path.Join(name, e.Name())); err != nil {
				return err
			}
		}
		return nil
	}
	if err := writeTarHeader(tw, st, name, link); err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return nil
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(tw, f)
	return err
}

func writeTarHeader(tw *tar.Writer, st os.FileInfo, name, link string) error {
	h, err := tar.FileInfoHeader(st, link)
	if err != nil {
		return err
	}
	h.Name = name
	return tw.WriteHeader(h)
}
