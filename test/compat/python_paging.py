#!/usr/bin/python3
"""Lists pods page by page with the official Kubernetes Python client
(Debian's python3-kubernetes): limit and _continue, as list_namespaced_pod
and list_pod_for_all_namespaces page.

Usage: python_paging.py KUBECONFIG NAMESPACE COUNT
The namespace holds COUNT pods named p00, p01, ... (created by the test).
Exits non-zero with a message on the first failed check.
"""
import sys

from kubernetes import client, config
from kubernetes.client.rest import ApiException


def check(cond, msg):
    if not cond:
        print("FAIL: " + msg, file=sys.stderr)
        sys.exit(1)
    print("ok: " + msg)


def pages(list_fn, limit, **kw):
    """Every page of a list: (names, remainingItemCount, continue) each."""
    out, token = [], None
    while True:
        if token:
            resp = list_fn(limit=limit, _continue=token, **kw)
        else:
            resp = list_fn(limit=limit, **kw)
        out.append(([p.metadata.name for p in resp.items],
                    resp.metadata.remaining_item_count, resp.metadata._continue))
        token = resp.metadata._continue
        if not token:
            return out


def main():
    kubeconfig, ns, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    config.load_kube_config(config_file=kubeconfig)
    v1 = client.CoreV1Api()
    want = ["p%02d" % i for i in range(count)]

    got = pages(v1.list_namespaced_pod, 10, namespace=ns)
    sizes = [len(names) for names, _, _ in got]
    check(sizes == [10, 10, count - 20], "limit 10 gives pages of %s (got %s)" % ([10, 10, count - 20], sizes))
    names = [n for page, _, _ in got for n in page]
    check(names == want, "the pages hold every pod once, in order")
    remaining = [r for _, r, _ in got]
    check(remaining == [count - 10, count - 20, None],
          "remainingItemCount counts down (got %s)" % remaining)
    check(got[-1][2] is None, "the last page has no continue token")

    # A page boundary on the last item: no empty trailing page.
    got = pages(v1.list_namespaced_pod, count, namespace=ns)
    check([len(p) for p, _, _ in got] == [count], "limit = count gives one page")

    # Across namespaces, with a label selector.
    got = pages(v1.list_pod_for_all_namespaces, 4, label_selector="paged=yes")
    names = [n for page, _, _ in got for n in page]
    check(names == want and all(len(p) <= 4 for p, _, _ in got),
          "list_pod_for_all_namespaces pages with a selector (%d pages)" % len(got))

    # A token from a changed list still serves the rest of the snapshot.
    first = v1.list_namespaced_pod(ns, limit=10)
    v1.delete_namespaced_pod("p%02d" % (count - 1), ns, grace_period_seconds=0)
    rest = v1.list_namespaced_pod(ns, limit=100, _continue=first.metadata._continue)
    check([p.metadata.name for p in rest.items] == want[10:],
          "the continue token lists the snapshot it started from")

    # A bad token is 400 Bad Request.
    try:
        v1.list_namespaced_pod(ns, limit=10, _continue="not-a-token")
        check(False, "a bad continue token is refused")
    except ApiException as e:
        check(e.status == 400, "a bad continue token is 400 (got %s)" % e.status)

    print("python paging: all checks passed")


if __name__ == "__main__":
    main()
