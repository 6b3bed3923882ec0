package api

// The kubelet's Summary API (stats/v1alpha1), served at /stats/summary:
// the shape of k8s.io/kubelet/pkg/apis/stats/v1alpha1, with the fields
// minik8s fills. Times are when the sample was taken; CPU usage is both a
// cumulative counter (usageCoreNanoSeconds) and a rate over the kubelet's
// last sampling window (usageNanoCores).

// Summary is a node's and its pods' resource usage.
type Summary struct {
	Node NodeStats  `json:"node"`
	Pods []PodStats `json:"pods"`
}

// NodeStats is the usage of the node as a whole.
type NodeStats struct {
	NodeName         string           `json:"nodeName"`
	SystemContainers []ContainerStats `json:"systemContainers,omitempty"`
	StartTime        Time             `json:"startTime"`
	CPU              *CPUStats        `json:"cpu,omitempty"`
	Memory           *MemoryStats     `json:"memory,omitempty"`
}

// PodReference names a pod in the Summary API.
type PodReference struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	UID       string `json:"uid"`
}

// PodStats is the usage of one pod and its containers.
type PodStats struct {
	PodRef     PodReference     `json:"podRef"`
	StartTime  Time             `json:"startTime"`
	Containers []ContainerStats `json:"containers"`
	CPU        *CPUStats        `json:"cpu,omitempty"`
	Memory     *MemoryStats     `json:"memory,omitempty"`
}

// ContainerStats is the usage of one container.
type ContainerStats struct {
	Name      string       `json:"name"`
	StartTime Time         `json:"startTime"`
	CPU       *CPUStats    `json:"cpu,omitempty"`
	Memory    *MemoryStats `json:"memory,omitempty"`
}

// CPUStats is CPU usage at Time.
type CPUStats struct {
	Time                 Time    `json:"time"`
	UsageNanoCores       *uint64 `json:"usageNanoCores,omitempty"`
	UsageCoreNanoSeconds *uint64 `json:"usageCoreNanoSeconds,omitempty"`
}

// MemoryStats is memory usage at Time; WorkingSetBytes is usage minus
// inactive file pages, as cAdvisor computes it.
type MemoryStats struct {
	Time            Time    `json:"time"`
	AvailableBytes  *uint64 `json:"availableBytes,omitempty"`
	UsageBytes      *uint64 `json:"usageBytes,omitempty"`
	WorkingSetBytes *uint64 `json:"workingSetBytes,omitempty"`
	RSSBytes        *uint64 `json:"rssBytes,omitempty"`
	PageFaults      *uint64 `json:"pageFaults,omitempty"`
	MajorPageFaults *uint64 `json:"majorPageFaults,omitempty"`
}
