package kubelet

import (
	"encoding/json"
	"fmt"
	"hash/fnv"

	"minik8s/kubelet/runtime"
	"minik8s/pkg/api"
)

// containerHash is the hash of the parts of a container's spec that may
// change on a running pod, as Kubernetes' HashContainer: name and image
// (the apiserver lets nothing else of a pod's containers change). It is
// stored in the container's label io.kubernetes.container.hash.
func containerHash(c *api.Container) string {
	b, _ := json.Marshal(map[string]string{"name": c.Name, "image": c.Image})
	h := fnv.New32a()
	_, _ = h.Write(b)
	return fmt.Sprintf("%x", h.Sum32())
}

// containerChanged says whether a runtime container was made from another
// spec than c (kuberuntime's containerChanged). A container without a hash
// (made before hashes were recorded) counts as unchanged.
func containerChanged(c *api.Container, rc *runtime.Container) bool {
	h, ok := rc.Labels[runtime.LabelContainerHash]
	return ok && h != containerHash(c)
}
