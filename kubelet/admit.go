package kubelet

import (
	"minik8s/kubelet/network"
	"minik8s/pkg/api"
)

// admissionError says why the kubelet refuses to start a pod it has not
// started yet: today, a hostPort another pod on the node already holds (the
// kubelet's own check, as Kubernetes' kubelet admission does; the older
// pod keeps the port). Nil admits the pod.
func admissionError(pod *api.Pod, podsOnNode []api.Object) error {
	if err := securityAdmissionError(pod, hostAppArmorEnabled()); err != nil {
		return err
	}
	pods := make([]*api.Pod, 0, len(podsOnNode))
	for _, o := range podsOnNode {
		if p := o.(*api.Pod); p.DeletionTimestamp == nil {
			pods = append(pods, p)
		}
	}
	return network.HostPortConflicts(pods)[pod.UID]
}

// refusedStatus is the status of a pod the kubelet will not run.
func refusedStatus(pod *api.Pod, err error, hostIP string, now api.Time) api.PodStatus {
	st := pod.Status
	st.Phase = api.PodFailed
	st.Reason = network.HostPortConflictReason
	if r := rejectionReason(err); r != "" {
		st.Reason = r
	}
	st.Message = "Pod was rejected: " + err.Error()
	st.HostIP = hostIP
	if st.StartTime == nil {
		st.StartTime = &now
	}
	return st
}
