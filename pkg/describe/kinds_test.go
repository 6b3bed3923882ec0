package describe

import (
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
	"minik8s/pkg/api"
)

func TestDescribePodVariants(t *testing.T) {
	p := testPod()
	p.DeletionTimestamp = agoPtr(5 * time.Second)
	p.DeletionGracePeriodSeconds = i64(30)
	out := describe(t, p, nil, Related{})
	hasLine(t, out, "Status:                    Terminating (lasts 5s)")
	hasLine(t, out, "Termination Grace Period:  30s")
	hasLine(t, out, "Events:          <none>")

	p = testPod()
	p.Spec.NodeName = ""
	p.Status = api.PodStatus{Phase: api.PodPending}
	p.Spec.Containers[0].Resources = api.ResourceRequirements{}
	out = describe(t, p, nil, Related{HideEvents: true})
	hasLine(t, out, "Node:             <none>")
	hasLine(t, out, "IPs:              <none>")
	hasLine(t, out, "QoS Class:       BestEffort")
	if strings.Contains(out, "Events") || strings.Contains(out, "Restart Count") {
		t.Errorf("hidden events or status of a pending pod shown:\n%s", out)
	}
}

func TestPodQOS(t *testing.T) {
	rl := func(kv ...string) api.ResourceList {
		l := api.ResourceList{}
		for i := 0; i < len(kv); i += 2 {
			l[kv[i]] = resource.MustParse(kv[i+1])
		}
		return l
	}
	pod := func(cs ...api.ResourceRequirements) *api.Pod {
		p := &api.Pod{}
		for _, r := range cs {
			p.Spec.Containers = append(p.Spec.Containers, api.Container{Resources: r})
		}
		return p
	}
	cases := []struct {
		pod  *api.Pod
		want string
	}{
		{pod(api.ResourceRequirements{}), "BestEffort"},
		{pod(api.ResourceRequirements{Limits: rl("cpu", "1", "memory", "1Gi")}), "Guaranteed"},
		{pod(api.ResourceRequirements{Limits: rl("cpu", "1", "memory", "1Gi"), Requests: rl("cpu", "1000m", "memory", "1Gi")}), "Guaranteed"},
		{pod(api.ResourceRequirements{Limits: rl("cpu", "1", "memory", "1Gi"), Requests: rl("cpu", "500m")}), "Burstable"},
		{pod(api.ResourceRequirements{Limits: rl("cpu", "1", "memory", "1Gi")}, api.ResourceRequirements{}), "Burstable"},
		{pod(api.ResourceRequirements{Requests: rl("memory", "64Mi")}), "Burstable"},
		{&api.Pod{Status: api.PodStatus{QOSClass: "Guaranteed"}}, "Guaranteed"},
	}
	for i, c := range cases {
		if got := PodQOS(c.pod); got != c.want {
			t.Errorf("case %d: got %s, want %s", i, got, c.want)
		}
	}
}

func TestDescribeService(t *testing.T) {
	svc := &api.Service{
		ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default", Labels: map[string]string{"app": "web"}},
		Spec: api.ServiceSpec{Type: "NodePort", Selector: map[string]string{"app": "web"},
			ClusterIP: "10.96.100.7", ClusterIPs: []string{"10.96.100.7"}, IPFamilies: []string{"IPv4"}, IPFamilyPolicy: str("SingleStack"),
			SessionAffinity: "None", ExternalTrafficPolicy: "Cluster",
			Ports: []api.ServicePort{
				{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080), NodePort: 30080, Protocol: "TCP"},
				{Name: "metrics", Port: 9090, TargetPort: intstr.FromString("metrics"), Protocol: "TCP"},
			}},
	}
	http, metrics, p8080, p9090 := "http", "metrics", int32(8080), int32(9090)
	notReady := false
	slice := &api.EndpointSlice{AddressType: "IPv4",
		Endpoints: []api.Endpoint{{Addresses: []string{"10.244.1.2"}}, {Addresses: []string{"10.244.2.3"}},
			{Addresses: []string{"10.244.2.9"}, Conditions: api.EndpointConditions{Ready: &notReady}}},
		Ports: []api.EndpointSlicePort{{Name: &http, Port: &p8080}, {Name: &metrics, Port: &p9090}},
	}
	got := describe(t, svc, nil, Related{EndpointSlices: []*api.EndpointSlice{slice}})
	want := lines(
		"Name:                     web",
		"Namespace:                default",
		"Labels:                   app=web",
		"Annotations:              <none>",
		"Selector:                 app=web",
		"Type:                     NodePort",
		"IP Family Policy:         SingleStack",
		"IP Families:              IPv4",
		"IP:                       10.96.100.7",
		"IPs:                      10.96.100.7",
		"Port:                     http  80/TCP",
		"TargetPort:               8080/TCP",
		"NodePort:                 http  30080/TCP",
		"Endpoints:                10.244.1.2:8080,10.244.2.3:8080",
		"Port:                     metrics  9090/TCP",
		"TargetPort:               metrics/TCP",
		"Endpoints:                10.244.1.2:9090,10.244.2.3:9090",
		"Session Affinity:         None",
		"External Traffic Policy:  Cluster",
		"Events:                   <none>",
	)
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	out := describe(t, svc, nil, Related{})
	hasLine(t, out, "Endpoints:                <none>")
}

func template() api.PodTemplateSpec {
	return api.PodTemplateSpec{
		ObjectMeta: api.ObjectMeta{Labels: map[string]string{"app": "nginx"}},
		Spec: api.PodSpec{Containers: []api.Container{{Name: "nginx", Image: "nginx:1.14.2",
			Ports: []api.ContainerPort{{ContainerPort: 80, Protocol: "TCP"}}}}},
	}
}

func TestDescribeDeployment(t *testing.T) {
	maxU, maxS := intstr.FromString("25%"), intstr.FromString("25%")
	d := &api.Deployment{
		ObjectMeta: api.ObjectMeta{Name: "nginx-deployment", Namespace: "default", UID: "d-1", CreationTimestamp: ago(time.Hour),
			Labels: map[string]string{"app": "nginx"}, Annotations: map[string]string{"deployment.kubernetes.io/revision": "2"}},
		Spec: api.DeploymentSpec{Replicas: i32(3), Selector: &api.LabelSelector{MatchLabels: map[string]string{"app": "nginx"}},
			Template: template(),
			Strategy: api.DeploymentStrategy{Type: "RollingUpdate", RollingUpdate: &api.RollingUpdateDeployment{MaxUnavailable: &maxU, MaxSurge: &maxS}}},
		Status: api.DeploymentStatus{Replicas: 3, UpdatedReplicas: 3, ReadyReplicas: 3, AvailableReplicas: 3,
			Conditions: []api.DeploymentCondition{
				{Type: "Available", Status: "True", Reason: "MinimumReplicasAvailable"},
				{Type: "Progressing", Status: "True", Reason: "NewReplicaSetAvailable"},
			}},
	}
	owned := []api.OwnerReference{{Kind: "Deployment", Name: "nginx-deployment", UID: "d-1", Controller: yes()}}
	newTmpl := template()
	newTmpl.Labels = map[string]string{"app": "nginx", "pod-template-hash": "66b6c48dd5"}
	oldTmpl := template()
	oldTmpl.Spec.Containers[0].Image = "nginx:1.13"
	rss := []api.ReplicaSet{
		{ObjectMeta: api.ObjectMeta{Name: "nginx-deployment-5d59d67564", OwnerReferences: owned},
			Spec: api.ReplicaSetSpec{Replicas: i32(0), Template: oldTmpl}},
		{ObjectMeta: api.ObjectMeta{Name: "nginx-deployment-66b6c48dd5", OwnerReferences: owned},
			Spec: api.ReplicaSetSpec{Replicas: i32(3), Template: newTmpl}, Status: api.ReplicaSetStatus{Replicas: 3}},
		{ObjectMeta: api.ObjectMeta{Name: "other-rs"}, Spec: api.ReplicaSetSpec{Replicas: i32(1), Template: template()}},
	}
	events := []api.Event{{Type: "Normal", Reason: "ScalingReplicaSet", Message: "Scaled up replica set nginx-deployment-66b6c48dd5 to 3",
		Source: api.EventSource{Component: "deployment-controller"}, FirstTimestamp: ago(time.Hour), LastTimestamp: ago(time.Hour), Count: 1}}
	got := describe(t, d, events, Related{ReplicaSets: rss})
	want := lines(
		"Name:                   nginx-deployment",
		"Namespace:              default",
		"CreationTimestamp:      Sat, 01 Mar 2025 11:00:00 +0000",
		"Labels:                 app=nginx",
		"Annotations:            deployment.kubernetes.io/revision: 2",
		"Selector:               app=nginx",
		"Replicas:               3 desired | 3 updated | 3 total | 3 available | 0 unavailable",
		"StrategyType:           RollingUpdate",
		"MinReadySeconds:        0",
		"RollingUpdateStrategy:  25% max unavailable, 25% max surge",
		"Pod Template:",
		"  Labels:  app=nginx",
		"  Containers:",
		"   nginx:",
		"    Image:         nginx:1.14.2",
		"    Port:          80/TCP",
		"    Host Port:     0/TCP",
		"    Environment:   <none>",
		"    Mounts:        <none>",
		"  Volumes:         <none>",
		"  Node-Selectors:  <none>",
		"  Tolerations:     <none>",
		"Conditions:",
		"  Type           Status  Reason",
		"  ----           ------  ------",
		"  Available      True    MinimumReplicasAvailable",
		"  Progressing    True    NewReplicaSetAvailable",
		"OldReplicaSets:  nginx-deployment-5d59d67564 (0/0 replicas created)",
		"NewReplicaSet:   nginx-deployment-66b6c48dd5 (3/3 replicas created)",
		"Events:",
		"  Type    Reason             Age   From                   Message",
		"  ----    ------             ----  ----                   -------",
		"  Normal  ScalingReplicaSet  60m   deployment-controller  Scaled up replica set nginx-deployment-66b6c48dd5 to 3",
	)
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestDescribeReplicaSet(t *testing.T) {
	rs := &api.ReplicaSet{
		ObjectMeta: api.ObjectMeta{Name: "web-66b6c48dd5", Namespace: "default", UID: "rs-1",
			Labels:          map[string]string{"app": "nginx", "pod-template-hash": "66b6c48dd5"},
			OwnerReferences: []api.OwnerReference{{Kind: "Deployment", Name: "web", UID: "d-1", Controller: yes()}}},
		Spec: api.ReplicaSetSpec{Replicas: i32(3), Template: template(),
			Selector: &api.LabelSelector{MatchLabels: map[string]string{"app": "nginx", "pod-template-hash": "66b6c48dd5"}}},
		Status: api.ReplicaSetStatus{Replicas: 3, ReadyReplicas: 2},
	}
	ctl := []api.OwnerReference{{Kind: "ReplicaSet", Name: "web-66b6c48dd5", UID: "rs-1", Controller: yes()}}
	pods := []api.Pod{
		{ObjectMeta: api.ObjectMeta{Name: "a", OwnerReferences: ctl}, Status: api.PodStatus{Phase: "Running"}},
		{ObjectMeta: api.ObjectMeta{Name: "b", OwnerReferences: ctl}, Status: api.PodStatus{Phase: "Running"}},
		{ObjectMeta: api.ObjectMeta{Name: "c", OwnerReferences: ctl}, Status: api.PodStatus{Phase: "Pending"}},
		{ObjectMeta: api.ObjectMeta{Name: "orphan"}, Status: api.PodStatus{Phase: "Running"}},
	}
	out := describe(t, rs, []api.Event{}, Related{Pods: pods})
	for _, l := range []string{
		"Selector:       app=nginx,pod-template-hash=66b6c48dd5",
		"Labels:         app=nginx",
		"                pod-template-hash=66b6c48dd5",
		"Controlled By:  Deployment/web",
		"Replicas:       3 current / 3 desired",
		"Pods Status:    2 Running / 1 Waiting / 0 Succeeded / 0 Failed",
		"Pod Template:",
		"   nginx:",
		"Events:            <none>",
	} {
		hasLine(t, out, l)
	}
}

func TestDescribeNode(t *testing.T) {
	n := &api.Node{
		ObjectMeta: api.ObjectMeta{Name: "node1", CreationTimestamp: ago(48 * time.Hour),
			Labels: map[string]string{"kubernetes.io/hostname": "node1", "node-role.kubernetes.io/worker": ""}},
		Spec: api.NodeSpec{PodCIDR: "10.244.1.0/24", PodCIDRs: []string{"10.244.1.0/24"},
			Taints: []api.Taint{{Key: "dedicated", Value: "lab", Effect: "NoSchedule"}, {Key: "node.kubernetes.io/unreachable", Effect: "NoExecute"}}},
		Status: api.NodeStatus{
			Capacity:    api.ResourceList{"cpu": resource.MustParse("2"), "memory": resource.MustParse("4Gi"), "pods": resource.MustParse("110")},
			Allocatable: api.ResourceList{"cpu": resource.MustParse("2"), "memory": resource.MustParse("4Gi"), "pods": resource.MustParse("110")},
			Conditions: []api.NodeCondition{{Type: "Ready", Status: "True", Reason: "KubeletReady", Message: "kubelet is posting ready status",
				LastHeartbeatTime: ago(10 * time.Second), LastTransitionTime: ago(48 * time.Hour)}},
			Addresses: []api.NodeAddress{{Type: "InternalIP", Address: "192.168.1.11"}, {Type: "Hostname", Address: "node1"}},
			NodeInfo: api.NodeSystemInfo{KernelVersion: "6.1.0", OSImage: "Debian GNU/Linux 12 (bookworm)", OperatingSystem: "linux",
				Architecture: "amd64", ContainerRuntimeVersion: "containerd://1.6.20", KubeletVersion: "v1.32.0", KubeProxyVersion: "v1.32.0"},
		},
	}
	rl := func(cpu, mem string) api.ResourceList {
		return api.ResourceList{"cpu": resource.MustParse(cpu), "memory": resource.MustParse(mem)}
	}
	pods := []api.Pod{
		{ObjectMeta: api.ObjectMeta{Name: "web-1", Namespace: "default", CreationTimestamp: ago(5 * time.Minute)},
			Spec:   api.PodSpec{NodeName: "node1", Containers: []api.Container{{Resources: api.ResourceRequirements{Requests: rl("500m", "512Mi"), Limits: rl("1", "1Gi")}}}},
			Status: api.PodStatus{Phase: "Running"}},
		{ObjectMeta: api.ObjectMeta{Name: "done", Namespace: "default"}, Spec: api.PodSpec{NodeName: "node1"}, Status: api.PodStatus{Phase: "Succeeded"}},
	}
	out := describe(t, n, []api.Event{}, Related{Pods: pods})
	for _, l := range []string{
		"Name:               node1",
		"Roles:              worker",
		"Labels:             kubernetes.io/hostname=node1",
		"                    node-role.kubernetes.io/worker=",
		"CreationTimestamp:  Thu, 27 Feb 2025 12:00:00 +0000",
		"Taints:             node.kubernetes.io/unreachable:NoExecute",
		"                    dedicated=lab:NoSchedule",
		"Unschedulable:      false",
		"  Ready   True    Sat, 01 Mar 2025 11:59:50 +0000   Thu, 27 Feb 2025 12:00:00 +0000   KubeletReady   kubelet is posting ready status",
		"  InternalIP:  192.168.1.11",
		"  cpu:     2",
		"  Kube-Proxy Version:         v1.32.0",
		"PodCIDR:                      10.244.1.0/24",
		"Non-terminated Pods:          (1 in total)",
		"  Namespace                   Name     CPU Requests  CPU Limits  Memory Requests  Memory Limits  Age",
		"  default                     web-1    500m (25%)    1 (50%)     512Mi (12%)      1Gi (25%)      5m",
		"  cpu                500m (25%)   1 (50%)",
		"  memory             512Mi (12%)  1Gi (25%)",
		"  ephemeral-storage  0 (0%)       0 (0%)",
		"Events:              <none>",
	} {
		hasLine(t, out, l)
	}
}

func TestDescribeNamespaceHPAEndpoints(t *testing.T) {
	ns := &api.Namespace{ObjectMeta: api.ObjectMeta{Name: "default", Labels: map[string]string{"kubernetes.io/metadata.name": "default"}},
		Status: api.NamespaceStatus{Phase: "Active"}}
	got := describe(t, ns, nil, Related{})
	want := lines(
		"Name:         default",
		"Labels:       kubernetes.io/metadata.name=default",
		"Annotations:  <none>",
		"Status:       Active",
		"",
		"No resource quota.",
		"",
		"No LimitRange resource.",
	)
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}

	avg := resource.MustParse("22m")
	h := &api.HorizontalPodAutoscaler{
		ObjectMeta: api.ObjectMeta{Name: "hpa1", Namespace: "default", CreationTimestamp: ago(time.Hour)},
		Spec: api.HorizontalPodAutoscalerSpec{ScaleTargetRef: api.CrossVersionObjectReference{Kind: "Deployment", Name: "web"},
			MinReplicas: i32(3), MaxReplicas: 6,
			Metrics: []api.MetricSpec{{Type: "Resource", Resource: &api.ResourceMetricSource{Name: "cpu",
				Target: api.MetricTarget{Type: "Utilization", AverageUtilization: i32(40)}}}},
			Behavior: &api.HorizontalPodAutoscalerBehavior{ScaleDown: &api.HPAScalingRules{StabilizationWindowSeconds: i32(300),
				Policies: []api.HPAScalingPolicy{{Type: "Percent", Value: 10, PeriodSeconds: 60}}}}},
		Status: api.HorizontalPodAutoscalerStatus{CurrentReplicas: 3, DesiredReplicas: 3,
			CurrentMetrics: []api.MetricStatus{{Type: "Resource", Resource: &api.ResourceMetricStatus{Name: "cpu",
				Current: api.MetricValueStatus{AverageUtilization: i32(11), AverageValue: &avg}}}},
			Conditions: []api.HorizontalPodAutoscalerCondition{{Type: "AbleToScale", Status: "True", Reason: "ReadyForNewScale", Message: "recommended size matches current size"}}},
	}
	out := describe(t, h, nil, Related{})
	for _, l := range []string{
		"Reference:                                             Deployment/web",
		"Metrics:                                               ( current / target )",
		"  resource cpu on pods  (as a percentage of request):  11% (22m) / 40%",
		"Min replicas:                                          3",
		"Max replicas:                                          6",
		"Behavior:",
		"  Scale Down:",
		"    Stabilization Window: 300 seconds",
		"    Select Policy: Max",
		"    Policies:",
		"      - Type: Percent  Value: 10  Period: 60 seconds",
		"Deployment pods:       3 current / 3 desired",
		"  AbleToScale  True    ReadyForNewScale  recommended size matches current size",
		"Events:        <none>",
	} {
		hasLine(t, out, l)
	}
	h.Status.CurrentMetrics = nil
	hasLine(t, describe(t, h, nil, Related{}), "  resource cpu on pods  (as a percentage of request):  <unknown> / 40%")

	ep := &api.Endpoints{ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default"},
		Subsets: []api.EndpointSubset{{Addresses: []api.EndpointAddress{{IP: "10.244.1.2"}, {IP: "10.244.2.3"}},
			NotReadyAddresses: []api.EndpointAddress{{IP: "10.244.1.9"}},
			Ports:             []api.EndpointPort{{Port: 8080, Protocol: "TCP"}}}}}
	got = describe(t, ep, nil, Related{})
	want = lines(
		"Name:         web",
		"Namespace:    default",
		"Labels:       <none>",
		"Annotations:  <none>",
		"Subsets:",
		"  Addresses:          10.244.1.2,10.244.2.3",
		"  NotReadyAddresses:  10.244.1.9",
		"  Ports:",
		"    Name     Port  Protocol",
		"    ----     ----  --------",
		"    <unset>  8080  TCP",
		"",
		"Events:  <none>",
	)
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestDescribeGeneric(t *testing.T) {
	e := &api.Event{
		TypeMeta:       api.TypeMeta{Kind: "Event", APIVersion: "v1"},
		ObjectMeta:     api.ObjectMeta{Name: "web.17f", Namespace: "default", UID: "e-1"},
		InvolvedObject: api.ObjectReference{Kind: "Pod", Name: "web"},
		Reason:         "Pulled", Message: "pulled", Count: 1000000, Type: "Normal",
	}
	out := describe(t, e, nil, Related{})
	if strings.Contains(out, "<nil>") || strings.Contains(out, "Managed") {
		t.Errorf("null or managed fields shown:\n%s", out)
	}
	for _, l := range []string{
		"Name:         web.17f",
		"Namespace:    default",
		"API Version:  v1",
		"Count:        1000000",
		"Involved Object:",
		"  Kind:   Pod",
		"Kind:     Event",
		"Metadata:",
		"  UID:                e-1",
		"Reporting Component:  ",
		"Events:  <none>",
	} {
		hasLine(t, out, l)
	}
	for _, c := range []struct{ in, want string }{
		{"apiVersion", "API Version"}, {"involvedObject", "Involved Object"}, {"podIPs", "Pod I Ps"},
		{"uid", "UID"}, {"hostIP", "Host IP"}, {"x-y", "X-y"}, {"k8s", "k8s"},
	} {
		if got := smartLabel(c.in); got != c.want {
			t.Errorf("smartLabel(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
