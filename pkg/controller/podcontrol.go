package controller

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/client/record"
)

// Event reasons, as Kubernetes words them.
const (
	FailedCreatePodReason     = "FailedCreate"
	SuccessfulCreatePodReason = "SuccessfulCreate"
	FailedDeletePodReason     = "FailedDelete"
	SuccessfulDeletePodReason = "SuccessfulDelete"
)

// PodControl creates, deletes and patches the pods of a controller, and
// records the events on the controller object.
type PodControl interface {
	// CreatePod creates a pod from template in namespace, controlled by
	// ref; owner is the object the events are recorded on.
	CreatePod(ctx context.Context, namespace string, template *api.PodTemplateSpec, owner api.Object, ref api.OwnerReference) (*api.Pod, error)
	// DeletePod deletes the pod namespace/name of owner. A pod already
	// gone is an error that client.IsNotFound reports.
	DeletePod(ctx context.Context, namespace, name string, owner api.Object) error
	// PatchPod applies a strategic merge patch to the pod.
	PatchPod(ctx context.Context, namespace, name string, patch []byte) error
}

// RealPodControl is the PodControl that talks to the apiserver.
type RealPodControl struct {
	Client   *client.Client
	Recorder record.EventRecorder
}

var _ PodControl = RealPodControl{}

// PodFromTemplate is the pod a controller creates from its template:
// the template's labels, annotations, finalizers and spec, named
// "<owner>-<random>" through generateName, controlled by ref.
func PodFromTemplate(template *api.PodTemplateSpec, ref api.OwnerReference) *api.Pod {
	p := &api.Pod{
		TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{
			GenerateName:    ref.Name + "-",
			Labels:          maps.Clone(template.Labels),
			Annotations:     maps.Clone(template.Annotations),
			Finalizers:      slices.Clone(template.Finalizers),
			OwnerReferences: []api.OwnerReference{ref},
		},
	}
	// A deep copy of the spec, so the pod shares nothing with the cache.
	p.Spec = deepCopySpec(template.Spec)
	return p
}

// CreatePod implements PodControl.
func (r RealPodControl) CreatePod(ctx context.Context, namespace string, template *api.PodTemplateSpec, owner api.Object, ref api.OwnerReference) (*api.Pod, error) {
	pod := PodFromTemplate(template, ref)
	if len(pod.Labels) == 0 {
		return nil, fmt.Errorf("unable to create pods, no labels")
	}
	created, err := r.Client.Pods(namespace).Create(ctx, pod)
	if err != nil {
		r.Recorder.Eventf(owner, record.EventTypeWarning, FailedCreatePodReason, "Error creating: %v", err)
		return nil, err
	}
	r.Recorder.Eventf(owner, record.EventTypeNormal, SuccessfulCreatePodReason, "Created pod: %v", created.Name)
	return created, nil
}

// DeletePod implements PodControl.
func (r RealPodControl) DeletePod(ctx context.Context, namespace, name string, owner api.Object) error {
	if err := r.Client.Pods(namespace).Delete(ctx, name, nil); err != nil {
		if client.IsNotFound(err) {
			return err
		}
		r.Recorder.Eventf(owner, record.EventTypeWarning, FailedDeletePodReason, "Error deleting: %v", err)
		return fmt.Errorf("unable to delete pods: %w", err)
	}
	r.Recorder.Eventf(owner, record.EventTypeNormal, SuccessfulDeletePodReason, "Deleted pod: %v", name)
	return nil
}

// PatchPod implements PodControl.
func (r RealPodControl) PatchPod(ctx context.Context, namespace, name string, patch []byte) error {
	_, err := r.Client.Pods(namespace).Patch(ctx, name, client.StrategicMergePatchType, patch)
	return err
}
