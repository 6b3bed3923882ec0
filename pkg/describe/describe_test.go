package describe

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
	"minik8s/pkg/api"
)

var now = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func ago(d time.Duration) api.Time { return api.NewTime(now.Add(-d)) }
func agoPtr(d time.Duration) *api.Time {
	t := ago(d)
	return &t
}
func i32(v int32) *int32 { return &v }
func i64(v int64) *int64 { return &v }
func yes() *bool         { b := true; return &b }
func str(s string) *string {
	return &s
}

func describe(t *testing.T, obj api.Object, events []api.Event, rel Related) string {
	t.Helper()
	rel.Now = now
	var b bytes.Buffer
	if err := Describe(&b, obj, events, rel); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func lines(s ...string) string { return strings.Join(s, "\n") + "\n" }

func hasLine(t *testing.T, out, line string) {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if l == line {
			return
		}
	}
	t.Errorf("no line %q in:\n%s", line, out)
}

func testPod() *api.Pod {
	return &api.Pod{
		TypeMeta: api.TypeMeta{Kind: "Pod", APIVersion: "v1"},
		ObjectMeta: api.ObjectMeta{
			Name: "web-7c79c4bf97-4jdrs", Namespace: "default", UID: "p-1",
			CreationTimestamp: ago(10 * time.Minute),
			Labels:            map[string]string{"app": "web", "pod-template-hash": "7c79c4bf97"},
			Annotations:       map[string]string{"kubectl.kubernetes.io/last-applied-configuration": "{}", "note": "hello"},
			OwnerReferences:   []api.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-7c79c4bf97", UID: "rs-1", Controller: yes()}},
		},
		Spec: api.PodSpec{
			Priority:           i32(0),
			ServiceAccountName: "default",
			NodeName:           "node1",
			Containers: []api.Container{{
				Name:    "app",
				Image:   "minik8s/testserver:latest",
				Command: []string{"/server"},
				Args:    []string{"--port=8080", "--burn"},
				Ports:   []api.ContainerPort{{ContainerPort: 8080, Protocol: "TCP"}},
				Env: []api.EnvVar{
					{Name: "MODE", Value: "fast"},
					{Name: "POD_NAME", ValueFrom: &api.EnvVarSource{FieldRef: &api.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"}}},
					{Name: "CPU_LIMIT", ValueFrom: &api.EnvVarSource{ResourceFieldRef: &api.ResourceFieldSelector{Resource: "limits.cpu"}}},
				},
				Resources: api.ResourceRequirements{
					Limits:   api.ResourceList{"cpu": resource.MustParse("500m"), "memory": resource.MustParse("128Mi")},
					Requests: api.ResourceList{"cpu": resource.MustParse("250m"), "memory": resource.MustParse("64Mi")},
				},
				ReadinessProbe: &api.Probe{ProbeHandler: api.ProbeHandler{HTTPGet: &api.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(8080)}},
					TimeoutSeconds: 1, PeriodSeconds: 10, SuccessThreshold: 1, FailureThreshold: 3},
				VolumeMounts: []api.VolumeMount{{Name: "scratch", MountPath: "/tmp"}, {Name: "logs", MountPath: "/var/log/app", ReadOnly: true}},
			}},
			Volumes: []api.Volume{
				{Name: "logs", VolumeSource: api.VolumeSource{HostPath: &api.HostPathVolumeSource{Path: "/var/log/web", Type: str("DirectoryOrCreate")}}},
				{Name: "scratch", VolumeSource: api.VolumeSource{EmptyDir: &api.EmptyDirVolumeSource{}}},
			},
			Tolerations: []api.Toleration{
				{Key: "node.kubernetes.io/unreachable", Operator: "Exists", Effect: "NoExecute", TolerationSeconds: i64(300)},
				{Key: "node.kubernetes.io/not-ready", Operator: "Exists", Effect: "NoExecute", TolerationSeconds: i64(300)},
			},
		},
		Status: api.PodStatus{
			Phase:     api.PodRunning,
			HostIP:    "192.168.1.11",
			PodIP:     "10.244.1.5",
			PodIPs:    []api.PodIP{{IP: "10.244.1.5"}},
			StartTime: agoPtr(10 * time.Minute),
			Conditions: []api.PodCondition{
				{Type: "Initialized", Status: "True"},
				{Type: "Ready", Status: "False"},
				{Type: "ContainersReady", Status: "False"},
				{Type: "PodScheduled", Status: "True"},
			},
			ContainerStatuses: []api.ContainerStatus{{
				Name: "app", RestartCount: 3, Image: "minik8s/testserver:latest",
				ImageID:     "sha256:4f7a",
				ContainerID: "containerd://9b1c",
				State:       api.ContainerState{Waiting: &api.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
				LastState: api.ContainerState{Terminated: &api.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled",
					StartedAt: ago(2 * time.Minute), FinishedAt: ago(time.Minute)}},
			}},
		},
	}
}

func podEvents() []api.Event {
	return []api.Event{
		{InvolvedObject: api.ObjectReference{Kind: "Pod", Name: "web-7c79c4bf97-4jdrs"}, Type: "Warning", Reason: "BackOff",
			Message: "Back-off restarting failed container app in pod web-7c79c4bf97-4jdrs_default(p-1)", Source: api.EventSource{Component: "kubelet", Host: "node1"},
			FirstTimestamp: ago(8 * time.Minute), LastTimestamp: ago(30 * time.Second), Count: 12},
		{InvolvedObject: api.ObjectReference{Kind: "Pod", Name: "web-7c79c4bf97-4jdrs"}, Type: "Normal", Reason: "Scheduled",
			Message:             "Successfully assigned default/web-7c79c4bf97-4jdrs to node1",
			ReportingController: "default-scheduler",
			EventTime:           api.MicroTime{Time: now.Add(-10 * time.Minute)}},
	}
}

func TestDescribePodGolden(t *testing.T) {
	got := describe(t, testPod(), podEvents(), Related{})
	want := lines(
		"Name:             web-7c79c4bf97-4jdrs",
		"Namespace:        default",
		"Priority:         0",
		"Service Account:  default",
		"Node:             node1/192.168.1.11",
		"Start Time:       Sat, 01 Mar 2025 11:50:00 +0000",
		"Labels:           app=web",
		"                  pod-template-hash=7c79c4bf97",
		"Annotations:      note: hello",
		"Status:           Running",
		"IP:               10.244.1.5",
		"IPs:",
		"  IP:           10.244.1.5",
		"Controlled By:  ReplicaSet/web-7c79c4bf97",
		"Containers:",
		"  app:",
		"    Container ID:  containerd://9b1c",
		"    Image:         minik8s/testserver:latest",
		"    Image ID:      sha256:4f7a",
		"    Port:          8080/TCP",
		"    Host Port:     0/TCP",
		"    Command:",
		"      /server",
		"    Args:",
		"      --port=8080",
		"      --burn",
		"    State:          Waiting",
		"      Reason:       CrashLoopBackOff",
		"    Last State:     Terminated",
		"      Reason:       OOMKilled",
		"      Exit Code:    137",
		"      Started:      Sat, 01 Mar 2025 11:58:00 +0000",
		"      Finished:     Sat, 01 Mar 2025 11:59:00 +0000",
		"    Ready:          False",
		"    Restart Count:  3",
		"    Limits:",
		"      cpu:     500m",
		"      memory:  128Mi",
		"    Requests:",
		"      cpu:      250m",
		"      memory:   64Mi",
		"    Readiness:  http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3",
		"    Environment:",
		"      MODE:       fast",
		"      POD_NAME:   web-7c79c4bf97-4jdrs (v1:metadata.name)",
		"      CPU_LIMIT:  1 (limits.cpu)",
		"    Mounts:",
		"      /tmp from scratch (rw)",
		"      /var/log/app from logs (ro)",
		"Conditions:",
		"  Type              Status",
		"  Initialized       True ",
		"  Ready             False ",
		"  ContainersReady   False ",
		"  PodScheduled      True ",
		"Volumes:",
		"  logs:",
		"    Type:          HostPath (bare host directory volume)",
		"    Path:          /var/log/web",
		"    HostPathType:  DirectoryOrCreate",
		"  scratch:",
		"    Type:        EmptyDir (a temporary directory that shares a pod's lifetime)",
		"    Medium:      ",
		"    SizeLimit:   <unset>",
		"QoS Class:       Burstable",
		"Node-Selectors:  <none>",
		"Tolerations:     node.kubernetes.io/not-ready:NoExecute op=Exists for 300s",
		"                 node.kubernetes.io/unreachable:NoExecute op=Exists for 300s",
		"Events:",
		"  Type     Reason     Age                From               Message",
		"  ----     ------     ----               ----               -------",
		"  Normal   Scheduled  10m                default-scheduler  Successfully assigned default/web-7c79c4bf97-4jdrs to node1",
		"  Warning  BackOff    30s (x12 over 8m)  kubelet            Back-off restarting failed container app in pod web-7c79c4bf97-4jdrs_default(p-1)",
	)
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
		gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
		for i := 0; i < len(gl) && i < len(wl); i++ {
			if gl[i] != wl[i] {
				t.Errorf("first difference at line %d:\n got %q\nwant %q", i+1, gl[i], wl[i])
				break
			}
		}
	}
}

// TestDescribeEventsSortedAsKubectl: kubectl sorts the Events section by
// lastTimestamp only (SortableEvents), so events with just an eventTime
// (events.k8s.io style) come first, in the order listed.
func TestDescribeEventsSortedAsKubectl(t *testing.T) {
	evs := []api.Event{
		{Type: "Normal", Reason: "Pulled", Source: api.EventSource{Component: "kubelet"},
			FirstTimestamp: ago(20 * time.Minute), LastTimestamp: ago(20 * time.Minute), Count: 1},
		{Type: "Normal", Reason: "Killing", ReportingController: "kubelet", EventTime: api.MicroTime{Time: now.Add(-5 * time.Minute)}},
		{Type: "Normal", Reason: "Scheduled", Source: api.EventSource{Component: "default-scheduler"},
			FirstTimestamp: ago(30 * time.Minute), LastTimestamp: ago(30 * time.Minute), Count: 1},
		{Type: "Normal", Reason: "Bound", ReportingController: "kubelet", EventTime: api.MicroTime{Time: now.Add(-40 * time.Minute)}},
	}
	got := describe(t, testPod(), evs, Related{})
	_, section, ok := strings.Cut(got, "Events:\n")
	if !ok {
		t.Fatalf("no Events section:\n%s", got)
	}
	var reasons []string
	for _, l := range strings.Split(strings.TrimSpace(section), "\n")[2:] {
		reasons = append(reasons, strings.Fields(l)[1])
	}
	if strings.Join(reasons, " ") != "Killing Bound Scheduled Pulled" {
		t.Fatalf("events in order %v, want Killing Bound Scheduled Pulled\n%s", reasons, section)
	}
}
