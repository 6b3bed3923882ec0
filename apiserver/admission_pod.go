package apiserver

import "minik8s/pkg/api"

// admitPodDefaults does what Kubernetes' ServiceAccount and Priority
// admission plugins do to a new pod, short of what minik8s does not serve
// (service account objects and tokens, PriorityClasses): a pod without a
// service account runs as "default" (a mirror pod keeps none), and a pod
// gets priority 0, the priority of a pod without a PriorityClass when no
// class is the global default.
func admitPodDefaults(pod *api.Pod) {
	if pod.Spec.ServiceAccountName == "" && pod.Annotations[configMirrorAnnotation] == "" {
		pod.Spec.ServiceAccountName = defaultServiceAccount
		pod.Spec.DeprecatedServiceAccount = defaultServiceAccount
	}
	if pod.Spec.Priority == nil {
		pod.Spec.Priority = new(int32)
	}
}

// keepAdmittedFields carries what admitPodDefaults set over an update that
// leaves it out, as PrepareForUpdate does for the default tolerations, so
// a client that PUTs back the pod it created (without the fields the
// server added) does not change them, which validation would forbid.
// (Kubernetes refuses such an update; minik8s's clients and earlier
// releases relied on it.)
func keepAdmittedFields(pod, old *api.Pod) {
	if pod.Spec.ServiceAccountName == "" {
		pod.Spec.ServiceAccountName = old.Spec.ServiceAccountName
		pod.Spec.DeprecatedServiceAccount = old.Spec.ServiceAccountName
	}
	if pod.Spec.Priority == nil {
		pod.Spec.Priority = old.Spec.Priority
	}
}

const (
	defaultServiceAccount = "default"
	// configMirrorAnnotation marks the API copy of a kubelet's static pod.
	configMirrorAnnotation = "kubernetes.io/config.mirror"
)
