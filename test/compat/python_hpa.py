#!/usr/bin/python3
"""Drives minik8s's HorizontalPodAutoscalers with the official Python
client (Debian's python3-kubernetes 22.6): autoscaling/v1 through
AutoscalingV1Api, autoscaling/v2 through the ApiClient (22.6 has no V2
API class).

Usage: python_hpa.py KUBECONFIG
"""
import json
import sys

from kubernetes import client, config


def check(cond, msg):
    if not cond:
        print("FAIL: " + msg, file=sys.stderr)
        sys.exit(1)
    print("ok: " + msg)


def main():
    config.load_kube_config(config_file=sys.argv[1])
    v1 = client.AutoscalingV1Api()

    hpa = client.V1HorizontalPodAutoscaler(
        metadata=client.V1ObjectMeta(name="py-hpa"),
        spec=client.V1HorizontalPodAutoscalerSpec(
            scale_target_ref=client.V1CrossVersionObjectReference(api_version="apps/v1", kind="Deployment", name="web"),
            min_replicas=2, max_replicas=5, target_cpu_utilization_percentage=60))
    created = v1.create_namespaced_horizontal_pod_autoscaler("default", hpa)
    check(created.spec.target_cpu_utilization_percentage == 60, "v1 create keeps the cpu target")
    check(created.metadata.uid, "v1 create sets a uid")

    got = v1.read_namespaced_horizontal_pod_autoscaler("memcpu", "default")
    check(got.spec.target_cpu_utilization_percentage == 40, "v1 read of a v2 object: cpu target")
    metrics = json.loads(got.metadata.annotations["autoscaling.alpha.kubernetes.io/metrics"])
    check(metrics[0]["resource"]["name"] == "memory", "v1 read carries the memory metric in its annotation")

    items = v1.list_namespaced_horizontal_pod_autoscaler("default").items
    check(sorted(i.metadata.name for i in items) == ["memcpu", "py-hpa"], "v1 list")

    api = client.ApiClient()
    resp = api.call_api("/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers", "GET",
                        response_type="object", _return_http_data_only=True, auth_settings=["BearerToken"])
    names = sorted(i["metadata"]["name"] for i in resp["items"])
    check(resp["apiVersion"] == "autoscaling/v2" and names == ["memcpu", "py-hpa"], "v2 list")
    py = [i for i in resp["items"] if i["metadata"]["name"] == "py-hpa"][0]
    check(py["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] == 60, "v2 view of the v1-created object")

    got.spec.max_replicas = 9
    replaced = v1.replace_namespaced_horizontal_pod_autoscaler("memcpu", "default", got)
    check(replaced.spec.max_replicas == 9, "v1 replace")
    resp = api.call_api("/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/memcpu", "GET",
                        response_type="object", _return_http_data_only=True, auth_settings=["BearerToken"])
    check(len(resp["spec"]["metrics"]) == 2 and resp["spec"]["maxReplicas"] == 9, "v1 replace keeps the v2 metrics")

    v1.delete_namespaced_horizontal_pod_autoscaler("py-hpa", "default")
    items = v1.list_namespaced_horizontal_pod_autoscaler("default").items
    check([i.metadata.name for i in items] == ["memcpu"], "v1 delete")
    print("python hpa: all checks passed")


if __name__ == "__main__":
    main()
