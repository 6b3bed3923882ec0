package printers

import (
	"fmt"
	"strings"
	"time"

	"minik8s/pkg/api"
)

func init() {
	register("Service", []api.TableColumnDefinition{
		nameCol(),
		col("Type", TypeString, "How the service is exposed: ClusterIP, NodePort, LoadBalancer or ExternalName."),
		col("Cluster-IP", TypeString, "The virtual IP of the service inside the cluster."),
		col("External-IP", TypeString, "Addresses outside the cluster the service is reachable at."),
		col("Port(s)", TypeString, "The ports the service exposes, with their node ports."),
		ageCol(),
		wideCol("Selector", TypeString, "Labels of the pods the service routes to."),
	}, serviceRow)

	register("Endpoints", []api.TableColumnDefinition{
		nameCol(),
		col("Endpoints", TypeString, "The ready addresses and ports behind the service."),
		ageCol(),
	}, func(ep *api.Endpoints, now time.Time) ([]any, []api.TableRowCondition) {
		return []any{ep.Name, FormatEndpoints(ep, nil), Age(ep.CreationTimestamp, now)}, nil
	})

	register("Deployment", append([]api.TableColumnDefinition{
		nameCol(),
		col("Ready", TypeString, "Number of the pods that are ready, out of the desired replicas."),
		col("Up-to-date", TypeInteger, "Total number of pods running the desired template."),
		col("Available", TypeInteger, "Total number of pods available (ready for at least minReadySeconds)."),
		ageCol(),
	}, templateWideCols()...), deploymentRow)

	register("ReplicaSet", append([]api.TableColumnDefinition{
		nameCol(),
		col("Desired", TypeInteger, "Number of desired pods."),
		col("Current", TypeInteger, "Number of pods the replica set has created."),
		col("Ready", TypeInteger, "Number of ready pods."),
		ageCol(),
	}, templateWideCols()...), replicaSetRow)

	register("HorizontalPodAutoscaler", []api.TableColumnDefinition{
		nameCol(),
		col("Reference", TypeString, "The scaled workload."),
		col("Targets", TypeString, "Current and target values of the metrics the autoscaler scales on."),
		col("MinPods", TypeString, "Lower limit for the number of pods."),
		col("MaxPods", TypeInteger, "Upper limit for the number of pods."),
		col("Replicas", TypeInteger, "Current number of replicas of the scaled workload."),
		ageCol(),
	}, hpaRow)

	register("Node", []api.TableColumnDefinition{
		nameCol(),
		col("Status", TypeString, "The status of the node."),
		col("Roles", TypeString, "The roles of the node."),
		ageCol(),
		col("Version", TypeString, "Kubelet version reported by the node."),
		wideCol("Internal-IP", TypeString, "The node's InternalIP address."),
		wideCol("External-IP", TypeString, "The node's ExternalIP address."),
		wideCol("OS-Image", TypeString, "OS image reported by the node."),
		wideCol("Kernel-Version", TypeString, "Kernel version reported by the node."),
		wideCol("Container-Runtime", TypeString, "Container runtime version reported by the node."),
	}, nodeRow)

	register("Namespace", []api.TableColumnDefinition{
		nameCol(),
		col("Status", TypeString, "The status of the namespace."),
		ageCol(),
	}, func(ns *api.Namespace, now time.Time) ([]any, []api.TableRowCondition) {
		return []any{ns.Name, ns.Status.Phase, Age(ns.CreationTimestamp, now)}, nil
	})

	register("Event", []api.TableColumnDefinition{
		col("Last Seen", TypeString, "Time since the event was last seen."),
		col("Type", TypeString, "Type of the event: Normal or Warning."),
		col("Reason", TypeString, "Why the action was taken, in CamelCase."),
		col("Object", TypeString, "The object the event is about."),
		wideCol("Subobject", TypeString, "The part of the object the event is about (fieldPath)."),
		wideCol("Source", TypeString, "The component that reported the event."),
		col("Message", TypeString, "A human-readable description of the event."),
		wideCol("First Seen", TypeString, "Time since the event was first seen."),
		wideCol("Count", TypeString, "How many times the event occurred."),
		{Name: "Name", Type: TypeString, Format: FormatName, Priority: 1, Description: "Name must be unique within a namespace."},
	}, eventRow)
}

func serviceRow(svc *api.Service, now time.Time) ([]any, []api.TableRowCondition) {
	clusterIP := "<none>"
	if len(svc.Spec.ClusterIPs) > 0 {
		clusterIP = svc.Spec.ClusterIPs[0]
	} else if svc.Spec.ClusterIP != "" {
		clusterIP = svc.Spec.ClusterIP
	}
	ports := ServicePorts(svc.Spec.Ports)
	return []any{
		svc.Name,
		svc.Spec.Type,
		clusterIP,
		ServiceExternalIP(svc),
		orNone(ports),
		Age(svc.CreationTimestamp, now),
		FormatLabels(svc.Spec.Selector),
	}, nil
}

// ServiceExternalIP is the EXTERNAL-IP column of a service: its external
// IPs, the load balancer's ingress ("<pending>" until it has one), the
// external name, or "<none>".
func ServiceExternalIP(svc *api.Service) string {
	switch svc.Spec.Type {
	case api.ServiceTypeClusterIP, api.ServiceTypeNodePort, "":
		if len(svc.Spec.ExternalIPs) > 0 {
			return strings.Join(svc.Spec.ExternalIPs, ",")
		}
		return "<none>"
	case api.ServiceTypeLoadBalancer:
		var ips []string
		for _, in := range svc.Status.LoadBalancer.Ingress {
			if in.IP != "" {
				ips = append(ips, in.IP)
			} else if in.Hostname != "" {
				ips = append(ips, in.Hostname)
			}
		}
		ips = append(ips, svc.Spec.ExternalIPs...)
		if len(ips) > 0 {
			return strings.Join(ips, ",")
		}
		return "<pending>"
	case api.ServiceTypeExternalName:
		return svc.Spec.ExternalName
	}
	return "<unknown>"
}

func containerCells(cs []api.Container) (names, images string) {
	n := make([]string, len(cs))
	im := make([]string, len(cs))
	for i, c := range cs {
		n[i], im[i] = c.Name, c.Image
	}
	return strings.Join(n, ","), strings.Join(im, ",")
}

func selectorCell(s *api.LabelSelector) string {
	str, err := SelectorString(s)
	if err != nil {
		return "<invalid>"
	}
	return str
}

func replicasOrDefault(r *int32) int32 {
	if r == nil {
		return 1
	}
	return *r
}

func deploymentRow(d *api.Deployment, now time.Time) ([]any, []api.TableRowCondition) {
	names, images := containerCells(d.Spec.Template.Spec.Containers)
	return []any{
		d.Name,
		fmt.Sprintf("%d/%d", d.Status.ReadyReplicas, replicasOrDefault(d.Spec.Replicas)),
		int64(d.Status.UpdatedReplicas),
		int64(d.Status.AvailableReplicas),
		Age(d.CreationTimestamp, now),
		names, images, selectorCell(d.Spec.Selector),
	}, nil
}

func replicaSetRow(rs *api.ReplicaSet, now time.Time) ([]any, []api.TableRowCondition) {
	names, images := containerCells(rs.Spec.Template.Spec.Containers)
	return []any{
		rs.Name,
		int64(replicasOrDefault(rs.Spec.Replicas)),
		int64(rs.Status.Replicas),
		int64(rs.Status.ReadyReplicas),
		Age(rs.CreationTimestamp, now),
		names, images, selectorCell(rs.Spec.Selector),
	}, nil
}

func hpaRow(h *api.HorizontalPodAutoscaler, now time.Time) ([]any, []api.TableRowCondition) {
	minPods := "<unset>"
	if h.Spec.MinReplicas != nil {
		minPods = fmt.Sprintf("%d", *h.Spec.MinReplicas)
	}
	return []any{
		h.Name,
		h.Spec.ScaleTargetRef.Kind + "/" + h.Spec.ScaleTargetRef.Name,
		HPATargets(h.Spec.Metrics, h.Status.CurrentMetrics),
		minPods,
		int64(h.Spec.MaxReplicas),
		int64(h.Status.CurrentReplicas),
		Age(h.CreationTimestamp, now),
	}, nil
}

// HPATargets is the TARGETS column of an autoscaler, as kubectl 1.32 prints
// it (formatHPAMetrics): "cpu: 45%/80%", "cpu: <unknown>/80%", "memory:
// 100Mi/200Mi", at most two metrics and then " + N more...", or "<none>".
// A status is matched to its spec by position, as kubectl does.
func HPATargets(specs []api.MetricSpec, statuses []api.MetricStatus) string {
	if len(specs) == 0 {
		return "<none>"
	}
	const max = 2
	var list []string
	for i, spec := range specs {
		if spec.Type != api.ResourceMetricSourceType || spec.Resource == nil {
			list = append(list, "<unknown type>")
			continue
		}
		var cur *api.ResourceMetricStatus
		if len(statuses) > i && statuses[i].Resource != nil {
			cur = statuses[i].Resource
		}
		target := spec.Resource.Target
		current := "<unknown>"
		var want string
		if target.AverageValue != nil {
			if cur != nil {
				current = cur.Current.AverageValue.String() // "<nil>" if unset, as kubectl prints it
			}
			want = target.AverageValue.String()
		} else {
			if cur != nil && cur.Current.AverageUtilization != nil {
				current = fmt.Sprintf("%d%%", *cur.Current.AverageUtilization)
			}
			want = "<auto>"
			if target.AverageUtilization != nil {
				want = fmt.Sprintf("%d%%", *target.AverageUtilization)
			}
		}
		list = append(list, fmt.Sprintf("%s: %s/%s", spec.Resource.Name, current, want))
	}
	if len(list) > max {
		return fmt.Sprintf("%s + %d more...", strings.Join(list[:max], ", "), len(list)-max)
	}
	return strings.Join(list, ", ")
}

// NodeStatus is the STATUS column of a node: Ready, NotReady or Unknown
// (no Ready condition), with ",SchedulingDisabled" when cordoned.
func NodeStatus(n *api.Node) string {
	status := "Unknown"
	for _, c := range n.Status.Conditions {
		if c.Type == api.NodeReady {
			if c.Status == api.ConditionTrue {
				status = "Ready"
			} else {
				status = "NotReady"
			}
			break
		}
	}
	if n.Spec.Unschedulable {
		status += ",SchedulingDisabled"
	}
	return status
}

func nodeAddress(n *api.Node, typ string) string {
	for _, a := range n.Status.Addresses {
		if a.Type == typ {
			return a.Address
		}
	}
	return "<none>"
}

func orUnknown(s string) string {
	if s == "" {
		return "<unknown>"
	}
	return s
}

func nodeRow(n *api.Node, now time.Time) ([]any, []api.TableRowCondition) {
	roles := strings.Join(NodeRoles(n), ",")
	info := n.Status.NodeInfo
	return []any{
		n.Name,
		NodeStatus(n),
		orNone(roles),
		Age(n.CreationTimestamp, now),
		info.KubeletVersion,
		nodeAddress(n, api.NodeInternalIP),
		nodeAddress(n, "ExternalIP"),
		orUnknown(info.OSImage),
		orUnknown(info.KernelVersion),
		orUnknown(info.ContainerRuntimeVersion),
	}, nil
}

func eventRow(e *api.Event, now time.Time) ([]any, []api.TableRowCondition) {
	first := Age(e.FirstTimestamp, now)
	if e.FirstTimestamp.IsZero() {
		first = MicroAge(e.EventTime, now)
	}
	last := Age(e.LastTimestamp, now)
	if e.LastTimestamp.IsZero() {
		last = first
	}
	count := e.Count
	if count == 0 {
		count = 1
	}
	target := strings.ToLower(e.InvolvedObject.Kind)
	if e.InvolvedObject.Name != "" {
		target += "/" + e.InvolvedObject.Name
	}
	return []any{
		last,
		e.Type,
		e.Reason,
		target,
		e.InvolvedObject.FieldPath,
		EventSource(e),
		strings.TrimSpace(e.Message),
		first,
		int64(count),
		e.Name,
	}, nil
}

// EventSource is "component, host" of an event (falling back to the
// reporting controller and instance), as kubectl prints it.
func EventSource(e *api.Event) string {
	component := e.Source.Component
	if component == "" {
		component = e.ReportingController
	}
	host := e.Source.Host
	if host == "" {
		host = e.ReportingInstance
	}
	if host == "" {
		return component
	}
	return component + ", " + host
}

// templateWideCols are the -o wide columns of the workloads that own a pod
// template (deployments, replica sets).
func templateWideCols() []api.TableColumnDefinition {
	return []api.TableColumnDefinition{
		wideCol("Containers", TypeString, "Names of each container in the template."),
		wideCol("Images", TypeString, "Images referenced by each container in the template."),
		wideCol("Selector", TypeString, "Label selector for pods."),
	}
}
