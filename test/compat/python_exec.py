#!/usr/bin/python3
"""Runs commands in a pod with the official Kubernetes Python client's
exec (Debian's python3-kubernetes, kubernetes.stream.stream).

Usage: python_exec.py KUBECONFIG NAMESPACE POD
The pod's fake runtime answers: echo ARGS, head -n N (N lines of stdin),
sh -c "exit N" and sh -c "echo X >&2".
Exits non-zero with a message on the first failed check.
"""
import sys
import time

from kubernetes import client, config
from kubernetes.stream import stream


def check(cond, msg):
    if not cond:
        print("FAIL: " + msg, file=sys.stderr)
        sys.exit(1)
    print("ok: " + msg)


def main():
    kubeconfig, ns, pod = sys.argv[1], sys.argv[2], sys.argv[3]
    config.load_kube_config(config_file=kubeconfig)
    v1 = client.CoreV1Api()

    # The simple form: the output of a command, stdout and stderr together.
    out = stream(v1.connect_get_namespaced_pod_exec, pod, ns,
                 command=["echo", "hello", "world"],
                 stderr=True, stdin=False, stdout=True, tty=False)
    check(out == "hello world\n", "simple exec returns the output (got %r)" % out)

    out = stream(v1.connect_get_namespaced_pod_exec, pod, ns,
                 command=["sh", "-c", "echo oops >&2"],
                 stderr=True, stdin=False, stdout=True, tty=False)
    check(out == "oops\n", "simple exec returns stderr (got %r)" % out)

    # The interactive form: stdin as str (a text message) and as bytes (a
    # binary message), stdout read back, then the exit code.
    resp = stream(v1.connect_get_namespaced_pod_exec, pod, ns,
                  command=["head", "-n", "2"],
                  stderr=True, stdin=True, stdout=True, tty=False,
                  _preload_content=False)
    resp.write_stdin("line one\n")
    resp.write_stdin(b"line two\n")
    got = ""
    deadline = time.time() + 15
    while resp.is_open() and time.time() < deadline and got.count("\n") < 2:
        resp.update(timeout=1)
        if resp.peek_stdout():
            got += resp.read_stdout()
    check(got == "line one\nline two\n", "stdin reaches the command and its output comes back (got %r)" % got)
    resp.run_forever(timeout=15)
    check(not resp.is_open(), "the stream closes when the command ends")
    check(resp.returncode == 0, "exit code 0 (got %r)" % resp.returncode)

    resp = stream(v1.connect_get_namespaced_pod_exec, pod, ns,
                  command=["sh", "-c", "exit 3"],
                  stderr=True, stdin=False, stdout=True, tty=False,
                  _preload_content=False)
    resp.run_forever(timeout=15)
    check(resp.returncode == 3, "exit code 3 (got %r)" % resp.returncode)

    print("python exec: all checks passed")


if __name__ == "__main__":
    main()
