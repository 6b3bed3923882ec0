package describe

import (
	"encoding/json"
	"fmt"
	"strings"

	"minik8s/pkg/api"
	"minik8s/pkg/printers"
)

func (d *describer) deployment(dep *api.Deployment, events []api.Event) {
	selector, err := printers.SelectorString(dep.Spec.Selector)
	if err != nil {
		selector = "<invalid>"
	}
	d.write(level0, "Name:\t%s\n", dep.Name)
	d.write(level0, "Namespace:\t%s\n", dep.Namespace)
	d.write(level0, "CreationTimestamp:\t%s\n", rfc1123(dep.CreationTimestamp))
	d.labelsMultiline("", "Labels", dep.Labels)
	d.annotationsMultiline("", "Annotations", dep.Annotations)
	d.write(level0, "Selector:\t%s\n", selector)
	st := dep.Status
	d.write(level0, "Replicas:\t%d desired | %d updated | %d total | %d available | %d unavailable\n",
		replicas(dep.Spec.Replicas), st.UpdatedReplicas, st.Replicas, st.AvailableReplicas, st.UnavailableReplicas)
	d.write(level0, "StrategyType:\t%s\n", dep.Spec.Strategy.Type)
	d.write(level0, "MinReadySeconds:\t%d\n", dep.Spec.MinReadySeconds)
	if ru := dep.Spec.Strategy.RollingUpdate; ru != nil {
		d.write(level0, "RollingUpdateStrategy:\t%s max unavailable, %s max surge\n", ru.MaxUnavailable.String(), ru.MaxSurge.String())
	}
	d.podTemplate(&dep.Spec.Template)
	if len(st.Conditions) > 0 {
		d.write(level0, "Conditions:\n  Type\tStatus\tReason\n")
		d.write(level1, "----\t------\t------\n")
		for _, c := range st.Conditions {
			d.write(level1, "%v \t%v\t%v\n", c.Type, c.Status, c.Reason)
		}
	}
	oldRSs, newRS := splitReplicaSets(dep, d.rel.ReplicaSets)
	if len(oldRSs) > 0 || newRS != nil {
		d.write(level0, "OldReplicaSets:\t%s\n", replicaSetList(oldRSs))
		var n []*api.ReplicaSet
		if newRS != nil {
			n = append(n, newRS)
		}
		d.write(level0, "NewReplicaSet:\t%s\n", replicaSetList(n))
	}
	d.events(events)
}

func replicas(r *int32) int32 {
	if r == nil {
		return 1
	}
	return *r
}

// splitReplicaSets finds, among the replica sets the deployment controls
// (all of rss when the deployment has no UID), the new one (whose pod
// template equals the deployment's, pod-template-hash label aside) and the
// old ones, in the order given.
func splitReplicaSets(dep *api.Deployment, rss []api.ReplicaSet) (old []*api.ReplicaSet, newRS *api.ReplicaSet) {
	want := templateKey(&dep.Spec.Template)
	for i := range rss {
		rs := &rss[i]
		if dep.UID != "" {
			if ref := controllerOf(&rs.ObjectMeta); ref == nil || ref.UID != dep.UID {
				continue
			}
		}
		if newRS == nil && templateKey(&rs.Spec.Template) == want {
			newRS = rs
			continue
		}
		old = append(old, rs)
	}
	return old, newRS
}

// templateKey is a pod template's JSON without the pod-template-hash label.
func templateKey(t *api.PodTemplateSpec) string {
	c := *t
	if _, ok := c.Labels["pod-template-hash"]; ok {
		labels := map[string]string{}
		for k, v := range c.Labels {
			if k != "pod-template-hash" {
				labels[k] = v
			}
		}
		c.Labels = labels
	}
	if len(c.Labels) == 0 {
		c.Labels = nil
	}
	b, err := json.Marshal(c)
	if err != nil {
		return ""
	}
	return string(b)
}

func replicaSetList(rss []*api.ReplicaSet) string {
	var parts []string
	for _, rs := range rss {
		parts = append(parts, fmt.Sprintf("%s (%d/%d replicas created)", rs.Name, rs.Status.Replicas, replicas(rs.Spec.Replicas)))
	}
	return orNone(strings.Join(parts, ", "))
}

func (d *describer) replicaSet(rs *api.ReplicaSet, events []api.Event) {
	d.write(level0, "Name:\t%s\n", rs.Name)
	d.write(level0, "Namespace:\t%s\n", rs.Namespace)
	d.write(level0, "Selector:\t%s\n", printers.FormatLabelSelector(rs.Spec.Selector))
	d.labelsMultiline("", "Labels", rs.Labels)
	d.annotationsMultiline("", "Annotations", rs.Annotations)
	if c := controlledBy(&rs.ObjectMeta); c != "" {
		d.write(level0, "Controlled By:\t%s\n", c)
	}
	d.write(level0, "Replicas:\t%d current / %d desired\n", rs.Status.Replicas, replicas(rs.Spec.Replicas))
	running, waiting, succeeded, failed := podPhases(rs.UID, d.rel.Pods)
	d.write(level0, "Pods Status:\t%d Running / %d Waiting / %d Succeeded / %d Failed\n", running, waiting, succeeded, failed)
	d.podTemplate(&rs.Spec.Template)
	if len(rs.Status.Conditions) > 0 {
		d.write(level0, "Conditions:\n  Type\tStatus\tReason\n")
		d.write(level1, "----\t------\t------\n")
		for _, c := range rs.Status.Conditions {
			d.write(level1, "%v \t%v\t%v\n", c.Type, c.Status, c.Reason)
		}
	}
	d.events(events)
}

// podPhases counts the pods controlled by uid by phase.
func podPhases(uid string, pods []api.Pod) (running, waiting, succeeded, failed int) {
	for i := range pods {
		ref := controllerOf(&pods[i].ObjectMeta)
		if ref == nil || ref.UID != uid {
			continue
		}
		switch pods[i].Status.Phase {
		case api.PodRunning:
			running++
		case api.PodPending:
			waiting++
		case api.PodSucceeded:
			succeeded++
		case api.PodFailed:
			failed++
		}
	}
	return
}

func (d *describer) podTemplate(t *api.PodTemplateSpec) {
	d.write(level0, "Pod Template:\n")
	d.labelsMultiline("", "  Labels", t.Labels)
	if len(t.Annotations) > 0 {
		d.annotationsMultiline("", "  Annotations", t.Annotations)
	}
	if t.Spec.ServiceAccountName != "" {
		d.write(level1, "Service Account:\t%s\n", t.Spec.ServiceAccountName)
	}
	if len(t.Spec.InitContainers) > 0 {
		d.containers("Init Containers", t.Spec.InitContainers, nil, nil, "  ")
	}
	d.containers("Containers", t.Spec.Containers, nil, nil, "  ")
	d.volumes(t.Spec.Volumes, "  ")
	d.labelsMultiline("", "  Node-Selectors", t.Spec.NodeSelector)
	d.tolerations("  Tolerations", t.Spec.Tolerations)
}
