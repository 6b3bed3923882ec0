#!/usr/bin/python3
"""Drives minik8s's ConfigMaps and Secrets with the official Kubernetes
Python client: create, read, list, update (replace and patch), stringData,
immutable, delete.

Usage: python_configmap.py KUBECONFIG NAMESPACE
Exits non-zero with a message on the first failed check.
"""
import base64
import sys

from kubernetes import client, config
from kubernetes.client.rest import ApiException


def check(cond, msg):
    if not cond:
        print("FAIL: " + msg, file=sys.stderr)
        sys.exit(1)
    print("ok: " + msg)


def b64(s):
    return base64.b64encode(s.encode()).decode()


def main():
    kubeconfig, ns = sys.argv[1], sys.argv[2]
    config.load_kube_config(config_file=kubeconfig)
    v1 = client.CoreV1Api()

    cm = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="py-cm", labels={"app": "py"}),
                            data={"a.conf": "x=1\n", "b": "two"}, binary_data={"bin": b64("\x00\x01")})
    created = v1.create_namespaced_config_map(ns, cm)
    check(created.metadata.uid and created.data == {"a.conf": "x=1\n", "b": "two"}, "create configmap")
    check(created.binary_data == {"bin": b64("\x00\x01")}, "binaryData round-trips as base64")
    got = v1.read_namespaced_config_map("py-cm", ns)
    check(got.data["b"] == "two", "read configmap")
    check([i.metadata.name for i in v1.list_namespaced_config_map(ns, label_selector="app=py").items] == ["py-cm"],
          "list configmaps by label")
    got.data["b"] = "three"
    replaced = v1.replace_namespaced_config_map("py-cm", ns, got)
    check(replaced.data["b"] == "three", "replace configmap")
    patched = v1.patch_namespaced_config_map("py-cm", ns, {"data": {"c": "new"}, "immutable": True})
    check(patched.data == {"a.conf": "x=1\n", "b": "three", "c": "new"} and patched.immutable, "patch configmap")
    try:
        v1.patch_namespaced_config_map("py-cm", ns, {"data": {"c": "changed"}})
        check(False, "an immutable configmap refuses a data change")
    except ApiException as e:
        check(e.status == 422 and "field is immutable when `immutable` is set" in e.body,
              "an immutable configmap refuses a data change (422)")
    try:
        v1.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="bad"), data={"a b": "x"}))
        check(False, "an invalid key is refused")
    except ApiException as e:
        check(e.status == 422 and "a valid config key must consist of alphanumeric characters" in e.body,
              "an invalid key is refused (422)")
    v1.delete_namespaced_config_map("py-cm", ns)
    try:
        v1.read_namespaced_config_map("py-cm", ns)
        check(False, "deleted configmap is gone")
    except ApiException as e:
        check(e.status == 404, "deleted configmap is gone (404)")

    sec = client.V1Secret(metadata=client.V1ObjectMeta(name="py-secret"), data={"user": b64("admin")},
                          string_data={"password": "s3cret"})
    created = v1.create_namespaced_secret(ns, sec)
    check(created.type == "Opaque", "secret type defaults to Opaque")
    check(created.string_data is None, "stringData is not returned")
    check(created.data == {"user": b64("admin"), "password": b64("s3cret")}, "stringData is merged into data")
    got = v1.read_namespaced_secret("py-secret", ns)
    got.string_data = {"user": "root"}
    replaced = v1.replace_namespaced_secret("py-secret", ns, got)
    check(base64.b64decode(replaced.data["user"]) == b"root", "stringData on update wins over data")
    patched = v1.patch_namespaced_secret("py-secret", ns, {"metadata": {"labels": {"x": "y"}}})
    check(patched.metadata.labels == {"x": "y"} and len(patched.data) == 2, "patch secret")
    try:
        v1.create_namespaced_secret(ns, client.V1Secret(metadata=client.V1ObjectMeta(name="tls"), type="kubernetes.io/tls",
                                                        data={"tls.crt": b64("c")}))
        check(False, "a tls secret without tls.key is refused")
    except ApiException as e:
        check(e.status == 422 and "data[tls.key]: Required value" in e.body, "a tls secret without tls.key is refused (422)")
    check([s.metadata.name for s in v1.list_namespaced_secret(ns).items] == ["py-secret"], "list secrets")
    v1.delete_namespaced_secret("py-secret", ns)
    check(v1.list_namespaced_secret(ns).items == [], "deleted secret is gone")
    print("python configmap client: all checks passed")


if __name__ == "__main__":
    main()
