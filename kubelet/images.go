package kubelet

import (
	"context"
	"fmt"
	"time"

	"minik8s/kubelet/runtime"
	"minik8s/pkg/api"
)

// pullImage makes a container's image present as its pull policy says,
// recording Kubernetes' image events (Pulled "already present", Pulling,
// Pulled "Successfully pulled", Failed). On failure it returns the
// waiting reason (ErrImagePull, ErrImageNeverPull).
func (k *Kubelet) pullImage(ctx context.Context, pod *api.Pod, spec *api.Container) (string, error) {
	ref := k.containerRef(pod, spec.Name)
	rec := k.recorder()
	policy := pullPolicy(spec)
	if policy != runtime.PullAlways {
		if _, err := k.rt.EnsureImage(ctx, spec.Image, runtime.PullNever); err == nil {
			rec.Eventf(ref, eventNormal, reasonPulled, "Container image %q already present on machine", spec.Image)
			return "", nil
		}
		if policy == runtime.PullNever {
			msg := fmt.Sprintf("Container image %q is not present with pull policy of Never", spec.Image)
			rec.Eventf(ref, eventWarning, reasonErrImageNeverPul, "%s", msg)
			return "ErrImageNeverPull", fmt.Errorf("%s", msg)
		}
	}
	rec.Eventf(ref, eventNormal, reasonPulling, "Pulling image %q", spec.Image)
	start := time.Now()
	_, err := k.rt.EnsureImage(ctx, spec.Image, policy)
	if err == nil {
		rec.Eventf(ref, eventNormal, reasonPulled, "Successfully pulled image %q in %s", spec.Image, time.Since(start).Round(time.Millisecond))
		return "", nil
	}
	if policy == runtime.PullAlways {
		// Offline labs: Always falls back to an image already present.
		if _, err2 := k.rt.EnsureImage(ctx, spec.Image, runtime.PullNever); err2 == nil {
			rec.Eventf(ref, eventNormal, reasonPulled, "Container image %q already present on machine", spec.Image)
			return "", nil
		}
	}
	rec.Eventf(ref, eventWarning, reasonFailed, "Failed to pull image %q: %v", spec.Image, err)
	return "ErrImagePull", err
}
