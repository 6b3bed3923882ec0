package kubelet

import (
	"fmt"

	"minik8s/pkg/api"
)

// EventRecorder records events about objects (the real one is
// pkg/client/record's). eventType is "Normal" or "Warning".
type EventRecorder interface {
	Eventf(object api.Object, eventType, reason, messageFmt string, args ...any)
}

// Event types.
const (
	eventNormal  = "Normal"
	eventWarning = "Warning"
)

// Event reasons, as Kubernetes' kubelet/events.
const (
	reasonCreated          = "Created"
	reasonStarted          = "Started"
	reasonFailed           = "Failed"
	reasonKilling          = "Killing"
	reasonBackOff          = "BackOff"
	reasonPulling          = "Pulling"
	reasonPulled           = "Pulled"
	reasonErrImageNeverPul = "ErrImageNeverPull"
	reasonFailedMount      = "FailedMount"
	reasonSandboxChanged   = "SandboxChanged"
	reasonFailedSandbox    = "FailedCreatePodSandBox"
	reasonOOMKilling       = "OOMKilling"
	reasonStarting         = "Starting"
	reasonNodeReady        = "NodeReady"
	reasonNodeNotReady     = "NodeNotReady"
)

type noopRecorder struct{}

func (noopRecorder) Eventf(api.Object, string, string, string, ...any) {}

// fieldPathObject is an object with the field path an event is about,
// when no WithFieldPath is set.
type fieldPathObject struct {
	api.Object
	FieldPath string
}

// recorder is the kubelet's recorder (a no-op without one).
func (k *Kubelet) recorder() EventRecorder {
	if k.Recorder == nil {
		return noopRecorder{}
	}
	return k.Recorder
}

// containerRef is what events about a pod's container are about: the pod,
// with involvedObject.fieldPath spec.containers{name}.
func (k *Kubelet) containerRef(pod *api.Pod, name string) api.Object {
	fp := fmt.Sprintf("spec.containers{%s}", name)
	for _, c := range pod.Spec.InitContainers {
		if c.Name == name {
			fp = fmt.Sprintf("spec.initContainers{%s}", name)
		}
	}
	if k.WithFieldPath != nil {
		return k.WithFieldPath(pod, fp)
	}
	return fieldPathObject{Object: pod, FieldPath: fp}
}

// nodeRef is what node events are about (Kubernetes uses the node's name
// as its UID in these references).
func (k *Kubelet) nodeRef() api.Object {
	return &api.Node{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Node"},
		ObjectMeta: api.ObjectMeta{Name: k.opts.NodeName, UID: k.opts.NodeName}}
}

// formatPod is how Kubernetes names a pod in messages: name_namespace(uid).
func formatPod(pod *api.Pod) string {
	return fmt.Sprintf("%s_%s(%s)", pod.Name, pod.Namespace, pod.UID)
}
