package endpointutil

import (
	"minik8s/pkg/api"
	"minik8s/pkg/client/cache"
	"minik8s/pkg/labels"
)

// ServiceKeysForPod lists the keys (namespace/name) of the services in
// the pod's namespace whose selector matches lbls. Services without a
// selector have their endpoints written by hand and match nothing.
func ServiceKeysForPod(services *cache.Store, namespace string, lbls map[string]string) []string {
	var out []string
	for _, o := range services.Select(namespace, nil) {
		svc, ok := o.(*api.Service)
		if !ok || len(svc.Spec.Selector) == 0 {
			continue
		}
		if labels.SelectorFromSet(svc.Spec.Selector).Matches(lbls) {
			out = append(out, svc.Namespace+"/"+svc.Name)
		}
	}
	return out
}

// ServiceKeysOnPodUpdate lists the services an update of a pod concerns:
// none when neither its labels nor its endpoint changed, those selecting
// the new labels when only the endpoint changed, and those selecting the
// old or the new labels when the labels changed.
func ServiceKeysOnPodUpdate(services *cache.Store, old, cur *api.Pod) []string {
	labelsChanged, endpointChanged := PodChanged(old, cur)
	if !labelsChanged && !endpointChanged {
		return nil
	}
	keys := ServiceKeysForPod(services, cur.Namespace, cur.Labels)
	if labelsChanged {
		seen := map[string]bool{}
		for _, k := range keys {
			seen[k] = true
		}
		for _, k := range ServiceKeysForPod(services, old.Namespace, old.Labels) {
			if !seen[k] {
				keys = append(keys, k)
			}
		}
	}
	return keys
}

// PodsForService lists the pods the service's selector matches (nil for
// a service without a selector).
func PodsForService(pods *cache.Store, svc *api.Service) []*api.Pod {
	if len(svc.Spec.Selector) == 0 {
		return nil
	}
	var out []*api.Pod
	for _, o := range pods.Select(svc.Namespace, labels.SelectorFromSet(svc.Spec.Selector)) {
		if p, ok := o.(*api.Pod); ok {
			out = append(out, p)
		}
	}
	return out
}
