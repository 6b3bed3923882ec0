#!/usr/bin/python3
"""Drives minik8s with the official Kubernetes Python client (Debian's
python3-kubernetes): list, create, read, watch and delete pods.

Usage: python_client.py KUBECONFIG NAMESPACE
Exits non-zero with a message on the first failed check.
"""
import sys
import threading

from kubernetes import client, config, watch


def check(cond, msg):
    if not cond:
        print("FAIL: " + msg, file=sys.stderr)
        sys.exit(1)
    print("ok: " + msg)


def pod(name):
    return client.V1Pod(
        metadata=client.V1ObjectMeta(name=name, labels={"app": "pyclient"}),
        spec=client.V1PodSpec(containers=[
            client.V1Container(name="main", image="minik8s/testserver:latest",
                               ports=[client.V1ContainerPort(container_port=8080)])]))


def main():
    kubeconfig, ns = sys.argv[1], sys.argv[2]
    config.load_kube_config(config_file=kubeconfig)
    v1 = client.CoreV1Api()

    # The namespace exists (created by the caller) and lists empty.
    pods = v1.list_namespaced_pod(ns)
    check(pods.items == [], "empty namespace lists no pods")
    start_rv = pods.metadata.resource_version
    check(start_rv, "list carries a resourceVersion")

    # Watch from the list's resourceVersion in a thread while we act.
    events = []
    done = threading.Event()

    def watcher():
        w = watch.Watch()
        for ev in w.stream(v1.list_namespaced_pod, ns, resource_version=start_rv,
                           timeout_seconds=20):
            events.append((ev["type"], ev["object"].metadata.name))
            if ev["type"] == "DELETED":
                w.stop()
        done.set()

    t = threading.Thread(target=watcher, daemon=True)
    t.start()

    created = v1.create_namespaced_pod(ns, pod("py-pod"))
    check(created.metadata.name == "py-pod", "create returns the pod")
    check(created.metadata.uid, "create sets a uid")
    check(created.spec.containers[0].image == "minik8s/testserver:latest", "create keeps the image")

    got = v1.read_namespaced_pod("py-pod", ns)
    check(got.metadata.uid == created.metadata.uid, "read returns the same pod")
    check(got.spec.containers[0].ports[0].container_port == 8080, "read keeps the container port")

    listed = v1.list_namespaced_pod(ns, label_selector="app=pyclient")
    check([p.metadata.name for p in listed.items] == ["py-pod"], "list by label selector finds the pod")
    none = v1.list_namespaced_pod(ns, label_selector="app=other")
    check(none.items == [], "list by another label finds nothing")

    all_ns = v1.list_pod_for_all_namespaces(field_selector="metadata.name=py-pod")
    check([p.metadata.namespace for p in all_ns.items] == [ns], "list across namespaces by field selector")

    try:
        v1.create_namespaced_pod(ns, pod("py-pod"))
        check(False, "a second create must fail")
    except client.exceptions.ApiException as e:
        check(e.status == 409, "a second create answers 409 AlreadyExists")

    v1.delete_namespaced_pod("py-pod", ns, grace_period_seconds=0)
    try:
        v1.read_namespaced_pod("py-pod", ns)
        gone = False
    except client.exceptions.ApiException as e:
        gone = e.status == 404
    check(gone, "read after delete answers 404")

    done.wait(25)
    check(done.is_set(), "watch ended after the DELETED event")
    types = [t for t, n in events if n == "py-pod"]
    check(types and types[0] == "ADDED" and types[-1] == "DELETED",
          "watch saw ADDED ... DELETED for the pod, got %r" % (events,))

    print("python client: all checks passed")


if __name__ == "__main__":
    main()
