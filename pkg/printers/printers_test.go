package printers

import (
	"bytes"
	"encoding/json"
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

func info(kind string) *api.ResourceInfo {
	for _, r := range api.Resources {
		if r.Kind == kind {
			return r
		}
	}
	panic("no resource " + kind)
}

func TestHumanDuration(t *testing.T) {
	cases := []struct {
		d    time.Duration
		want string
	}{
		{-5 * time.Second, "<invalid>"},
		{-500 * time.Millisecond, "0s"},
		{0, "0s"},
		{5 * time.Second, "5s"},
		{119 * time.Second, "119s"},
		{3*time.Minute + 2*time.Second, "3m2s"},
		{3 * time.Minute, "3m"},
		{45 * time.Minute, "45m"},
		{179 * time.Minute, "179m"},
		{3*time.Hour + 12*time.Minute, "3h12m"},
		{5 * time.Hour, "5h"},
		{20 * time.Hour, "20h"},
		{5 * 24 * time.Hour, "5d"},
		{5*24*time.Hour + 3*time.Hour, "5d3h"},
		{30 * 24 * time.Hour, "30d"},
		{2 * 365 * 24 * time.Hour, "2y"},
		{(2*365 + 10) * 24 * time.Hour, "2y10d"},
		{9 * 365 * 24 * time.Hour, "9y"},
	}
	for _, c := range cases {
		if got := HumanDuration(c.d); got != c.want {
			t.Errorf("HumanDuration(%v) = %q, want %q", c.d, got, c.want)
		}
	}
	if got := Age(api.Time{}, now); got != "<unknown>" {
		t.Errorf("Age(zero) = %q, want <unknown>", got)
	}
	if got := Age(ago(182*time.Second), now); got != "3m2s" {
		t.Errorf("Age(182s ago) = %q, want 3m2s", got)
	}
}

func running(name string, ready bool, restarts int32) api.ContainerStatus {
	return api.ContainerStatus{Name: name, Ready: ready, RestartCount: restarts,
		State: api.ContainerState{Running: &api.ContainerStateRunning{StartedAt: ago(time.Minute)}}}
}

func podWith(mut func(p *api.Pod)) *api.Pod {
	p := &api.Pod{
		ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default", CreationTimestamp: ago(182 * time.Second)},
		Spec:       api.PodSpec{Containers: []api.Container{{Name: "app", Image: "nginx"}}, NodeName: "node1"},
		Status: api.PodStatus{Phase: api.PodRunning, PodIP: "10.244.1.5", PodIPs: []api.PodIP{{IP: "10.244.1.5"}},
			ContainerStatuses: []api.ContainerStatus{running("app", true, 0)}},
	}
	mut(p)
	return p
}

func TestPodStatus(t *testing.T) {
	cases := []struct {
		name                    string
		pod                     *api.Pod
		ready, status, restarts string
	}{
		{"running", podWith(func(p *api.Pod) {}), "1/1", "Running", "0"},
		{"pending no status", podWith(func(p *api.Pod) {
			p.Status = api.PodStatus{Phase: api.PodPending}
		}), "0/1", "Pending", "0"},
		{"container creating", podWith(func(p *api.Pod) {
			p.Status.Phase = api.PodPending
			p.Status.ContainerStatuses = []api.ContainerStatus{{Name: "app", State: api.ContainerState{Waiting: &api.ContainerStateWaiting{Reason: "ContainerCreating"}}}}
		}), "0/1", "ContainerCreating", "0"},
		{"err image pull", podWith(func(p *api.Pod) {
			p.Status.Phase = api.PodPending
			p.Status.ContainerStatuses = []api.ContainerStatus{{Name: "app", State: api.ContainerState{Waiting: &api.ContainerStateWaiting{Reason: "ErrImagePull"}}}}
		}), "0/1", "ErrImagePull", "0"},
		{"crash loop", podWith(func(p *api.Pod) {
			p.Status.ContainerStatuses = []api.ContainerStatus{{Name: "app", RestartCount: 5,
				State:     api.ContainerState{Waiting: &api.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
				LastState: api.ContainerState{Terminated: &api.ContainerStateTerminated{ExitCode: 1, Reason: "Error", FinishedAt: ago(42 * time.Second)}}}}
		}), "0/1", "CrashLoopBackOff", "5 (42s ago)"},
		{"oom killed", podWith(func(p *api.Pod) {
			p.Status.ContainerStatuses = []api.ContainerStatus{{Name: "app", RestartCount: 1,
				State:     api.ContainerState{Terminated: &api.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled", FinishedAt: ago(time.Second)}},
				LastState: api.ContainerState{Terminated: &api.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled", FinishedAt: ago(3*time.Minute + 2*time.Second)}}}}
		}), "0/1", "OOMKilled", "1 (3m2s ago)"},
		{"completed", podWith(func(p *api.Pod) {
			p.Status.Phase = api.PodSucceeded
			p.Status.ContainerStatuses = []api.ContainerStatus{{Name: "app",
				State: api.ContainerState{Terminated: &api.ContainerStateTerminated{ExitCode: 0, Reason: "Completed"}}}}
		}), "0/1", "Completed", "0"},
		{"error", podWith(func(p *api.Pod) {
			p.Status.Phase = api.PodFailed
			p.Status.ContainerStatuses = []api.ContainerStatus{{Name: "app",
				State: api.ContainerState{Terminated: &api.ContainerStateTerminated{ExitCode: 2, Reason: "Error"}}}}
		}), "0/1", "Error", "0"},
		{"exit code without reason", podWith(func(p *api.Pod) {
			p.Status.ContainerStatuses = []api.ContainerStatus{{Name: "app",
				State: api.ContainerState{Terminated: &api.ContainerStateTerminated{ExitCode: 3}}}}
		}), "0/1", "ExitCode:3", "0"},
		{"signal without reason", podWith(func(p *api.Pod) {
			p.Status.ContainerStatuses = []api.ContainerStatus{{Name: "app",
				State: api.ContainerState{Terminated: &api.ContainerStateTerminated{ExitCode: 137, Signal: 9}}}}
		}), "0/1", "Signal:9", "0"},
		{"terminating", podWith(func(p *api.Pod) {
			p.DeletionTimestamp = agoPtr(time.Second)
		}), "1/1", "Terminating", "0"},
		{"succeeded pod being deleted stays completed", podWith(func(p *api.Pod) {
			p.DeletionTimestamp = agoPtr(time.Second)
			p.Status.Phase = api.PodSucceeded
			p.Status.ContainerStatuses = []api.ContainerStatus{{Name: "app",
				State: api.ContainerState{Terminated: &api.ContainerStateTerminated{Reason: "Completed"}}}}
		}), "0/1", "Completed", "0"},
		{"node lost", podWith(func(p *api.Pod) {
			p.DeletionTimestamp = agoPtr(time.Second)
			p.Status.Reason = "NodeLost"
		}), "1/1", "Unknown", "0"},
		{"init waiting", podWith(func(p *api.Pod) {
			p.Spec.InitContainers = []api.Container{{Name: "init"}}
			p.Status.Phase = api.PodPending
			p.Status.InitContainerStatuses = []api.ContainerStatus{{Name: "init", State: api.ContainerState{Running: &api.ContainerStateRunning{}}}}
			p.Status.ContainerStatuses = []api.ContainerStatus{{Name: "app", State: api.ContainerState{Waiting: &api.ContainerStateWaiting{Reason: "PodInitializing"}}}}
		}), "0/1", "Init:0/1", "0"},
		{"second init of two", podWith(func(p *api.Pod) {
			p.Spec.InitContainers = []api.Container{{Name: "a"}, {Name: "b"}}
			p.Status.Phase = api.PodPending
			p.Status.InitContainerStatuses = []api.ContainerStatus{
				{Name: "a", State: api.ContainerState{Terminated: &api.ContainerStateTerminated{Reason: "Completed"}}},
				{Name: "b", State: api.ContainerState{Waiting: &api.ContainerStateWaiting{Reason: "PodInitializing"}}},
			}
			p.Status.ContainerStatuses = nil
		}), "0/1", "Init:1/2", "0"},
		{"init crash loop", podWith(func(p *api.Pod) {
			p.Spec.InitContainers = []api.Container{{Name: "init"}}
			p.Status.Phase = api.PodPending
			p.Status.InitContainerStatuses = []api.ContainerStatus{{Name: "init", RestartCount: 2,
				State:     api.ContainerState{Waiting: &api.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
				LastState: api.ContainerState{Terminated: &api.ContainerStateTerminated{ExitCode: 1, FinishedAt: ago(10 * time.Second)}}}}
			p.Status.ContainerStatuses = nil
		}), "0/1", "Init:CrashLoopBackOff", "2 (10s ago)"},
		{"init failed", podWith(func(p *api.Pod) {
			p.Spec.InitContainers = []api.Container{{Name: "init"}}
			p.Status.Phase = api.PodPending
			p.Status.InitContainerStatuses = []api.ContainerStatus{{Name: "init",
				State: api.ContainerState{Terminated: &api.ContainerStateTerminated{ExitCode: 1}}}}
			p.Status.ContainerStatuses = nil
		}), "0/1", "Init:ExitCode:1", "0"},
		{"completed container next to a running one", podWith(func(p *api.Pod) {
			p.Spec.Containers = append(p.Spec.Containers, api.Container{Name: "job"})
			p.Status.ContainerStatuses = []api.ContainerStatus{
				running("app", true, 0),
				{Name: "job", State: api.ContainerState{Terminated: &api.ContainerStateTerminated{Reason: "Completed"}}},
			}
		}), "1/2", "NotReady", "0"},
		{"restarts summed over containers", podWith(func(p *api.Pod) {
			p.Spec.Containers = append(p.Spec.Containers, api.Container{Name: "side"})
			a := running("app", true, 2)
			a.LastState.Terminated = &api.ContainerStateTerminated{FinishedAt: ago(2 * time.Hour)}
			b := running("side", false, 1)
			b.LastState.Terminated = &api.ContainerStateTerminated{FinishedAt: ago(45 * time.Minute)}
			p.Status.ContainerStatuses = []api.ContainerStatus{a, b}
		}), "1/2", "Running", "3 (45m ago)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := PodStatus(c.pod, now)
			got := []string{s.Reason, s.Restarts}
			want := []string{c.status, c.restarts}
			if got[0] != want[0] || got[1] != want[1] {
				t.Errorf("status, restarts = %q, want %q", got, want)
			}
			tbl, err := TableFor(info("Pod"), []api.Object{c.pod}, now)
			if err != nil {
				t.Fatal(err)
			}
			if r := tbl.Rows[0].Cells[1]; r != c.ready {
				t.Errorf("READY = %v, want %s", r, c.ready)
			}
		})
	}
}

func printed(t *testing.T, kind string, objs []api.Object, opts PrintOptions) string {
	t.Helper()
	tbl, err := TableFor(info(kind), objs, now)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := PrintTable(&b, tbl, opts); err != nil {
		t.Fatal(err)
	}
	// The same table after a JSON round trip (numbers become float64, the
	// way kubectl receives it from the server) must print the same.
	raw, err := json.Marshal(tbl)
	if err != nil {
		t.Fatal(err)
	}
	var back api.Table
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	var b2 bytes.Buffer
	if err := PrintTable(&b2, &back, opts); err != nil {
		t.Fatal(err)
	}
	if b.String() != b2.String() {
		t.Errorf("after a JSON round trip:\n%s\nbefore:\n%s", b2.String(), b.String())
	}
	return b.String()
}

func lines(s ...string) string { return strings.Join(s, "\n") + "\n" }

func TestPrintPods(t *testing.T) {
	a := podWith(func(p *api.Pod) { p.Labels = map[string]string{"app": "web", "tier": "fe"} })
	b := podWith(func(p *api.Pod) {
		p.Name, p.Namespace = "crashy-7d4b9", "kube-system"
		p.CreationTimestamp = ago(3*time.Hour + 12*time.Minute)
		p.Spec.NodeName = ""
		p.Status = api.PodStatus{Phase: api.PodPending}
	})
	objs := []api.Object{a, b}

	got := printed(t, "Pod", objs, PrintOptions{})
	want := lines(
		"NAME           READY   STATUS    RESTARTS   AGE",
		"web            1/1     Running   0          3m2s",
		"crashy-7d4b9   0/1     Pending   0          3h12m",
	)
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}

	got = printed(t, "Pod", objs, PrintOptions{Wide: true, WithNamespace: true})
	want = lines(
		"NAMESPACE     NAME           READY   STATUS    RESTARTS   AGE     IP           NODE     NOMINATED NODE   READINESS GATES",
		"default       web            1/1     Running   0          3m2s    10.244.1.5   node1    <none>           <none>",
		"kube-system   crashy-7d4b9   0/1     Pending   0          3h12m   <none>       <none>   <none>           <none>",
	)
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}

	got = printed(t, "Pod", objs, PrintOptions{NoHeaders: true, Kind: "pod", ShowLabels: true, ColumnLabels: []string{"example.com/app", "app"}})
	want = lines(
		"pod/web            1/1   Running   0     3m2s          web   app=web,tier=fe",
		"pod/crashy-7d4b9   0/1   Pending   0     3h12m               <none>",
	)
	if got != want {
		t.Errorf("got:\n%q\nwant:\n%q", got, want)
	}

	if got := printed(t, "Pod", nil, PrintOptions{}); got != "" {
		t.Errorf("empty table printed %q, want nothing", got)
	}
}

func TestTableMeta(t *testing.T) {
	p := podWith(func(p *api.Pod) {
		p.Labels = map[string]string{"app": "web"}
		p.ManagedFields = []json.RawMessage{json.RawMessage(`{"manager":"x"}`)}
	})
	tbl, err := TableFor(info("Pod"), []api.Object{p}, now)
	if err != nil {
		t.Fatal(err)
	}
	if tbl.Kind != "Table" || tbl.APIVersion != "meta.k8s.io/v1" {
		t.Errorf("type meta = %+v", tbl.TypeMeta)
	}
	if n := len(tbl.ColumnDefinitions); n != 9 || len(tbl.Rows[0].Cells) != n {
		t.Errorf("%d columns, %d cells; want 9 of each", n, len(tbl.Rows[0].Cells))
	}
	c0 := tbl.ColumnDefinitions[0]
	if c0.Name != "Name" || c0.Format != "name" || c0.Type != "string" || c0.Description == "" {
		t.Errorf("name column = %+v", c0)
	}
	for _, c := range tbl.ColumnDefinitions[5:] {
		if c.Priority != 1 {
			t.Errorf("column %s has priority %d, want 1", c.Name, c.Priority)
		}
	}
	var obj map[string]any
	if err := json.Unmarshal(tbl.Rows[0].Object, &obj); err != nil {
		t.Fatal(err)
	}
	if obj["kind"] != "PartialObjectMetadata" || obj["apiVersion"] != "meta.k8s.io/v1" {
		t.Errorf("row object = %v", obj)
	}
	md := obj["metadata"].(map[string]any)
	if md["name"] != "web" || md["namespace"] != "default" || md["labels"].(map[string]any)["app"] != "web" {
		t.Errorf("row metadata = %v", md)
	}
	if _, ok := md["managedFields"]; ok {
		t.Errorf("managedFields kept in row metadata")
	}
	if _, ok := obj["spec"]; ok {
		t.Errorf("row object has a spec")
	}

	// A pod object given for a Service table is an error, not a panic.
	if _, err := TableFor(info("Service"), []api.Object{p}, now); err == nil {
		t.Errorf("TableFor(Service, pod) gave no error")
	}
	// Phase Succeeded gets the Completed row condition.
	done := podWith(func(p *api.Pod) { p.Status.Phase = api.PodSucceeded })
	tbl, _ = TableFor(info("Pod"), []api.Object{done}, now)
	if c := tbl.Rows[0].Conditions; len(c) != 1 || c[0].Type != "Completed" || c[0].Reason != "Succeeded" {
		t.Errorf("conditions = %+v", c)
	}
}

func TestPrintServices(t *testing.T) {
	svc := func(name, typ string, mut func(s *api.Service)) *api.Service {
		s := &api.Service{ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", CreationTimestamp: ago(45 * time.Minute)},
			Spec: api.ServiceSpec{Type: typ, ClusterIP: "10.96.12.7", ClusterIPs: []string{"10.96.12.7"},
				Selector: map[string]string{"app": name},
				Ports:    []api.ServicePort{{Port: 80, Protocol: "TCP", TargetPort: intstr.FromInt32(8080)}}}}
		mut(s)
		return s
	}
	objs := []api.Object{
		svc("kubernetes", "ClusterIP", func(s *api.Service) {
			s.Spec.ClusterIP, s.Spec.ClusterIPs, s.Spec.Selector = "10.96.0.1", []string{"10.96.0.1"}, nil
			s.Spec.Ports = []api.ServicePort{{Name: "https", Port: 443, Protocol: "TCP"}}
		}),
		svc("web", "NodePort", func(s *api.Service) { s.Spec.Ports[0].NodePort = 30080 }),
		svc("both", "NodePort", func(s *api.Service) {
			s.Spec.Ports = []api.ServicePort{{Name: "http", Port: 80, Protocol: "TCP"}, {Name: "https", Port: 443, NodePort: 30443, Protocol: "TCP"}}
		}),
		svc("lb", "LoadBalancer", func(s *api.Service) { s.Spec.Ports[0].NodePort = 31000 }),
		svc("headless", "ClusterIP", func(s *api.Service) {
			s.Spec.ClusterIP, s.Spec.ClusterIPs, s.Spec.Ports = "None", []string{"None"}, nil
		}),
		svc("ext", "ExternalName", func(s *api.Service) {
			s.Spec.ClusterIP, s.Spec.ClusterIPs, s.Spec.ExternalName, s.Spec.Ports = "", nil, "example.com", nil
		}),
	}
	got := printed(t, "Service", objs, PrintOptions{Wide: true})
	want := lines(
		"NAME         TYPE           CLUSTER-IP   EXTERNAL-IP   PORT(S)                AGE   SELECTOR",
		"kubernetes   ClusterIP      10.96.0.1    <none>        443/TCP                45m   <none>",
		"web          NodePort       10.96.12.7   <none>        80:30080/TCP           45m   app=web",
		"both         NodePort       10.96.12.7   <none>        80/TCP,443:30443/TCP   45m   app=both",
		"lb           LoadBalancer   10.96.12.7   <pending>     80:31000/TCP           45m   app=lb",
		"headless     ClusterIP      None         <none>        <none>                 45m   app=headless",
		"ext          ExternalName   <none>       example.com   <none>                 45m   app=ext",
	)
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	lb := objs[3].(*api.Service)
	lb.Status.LoadBalancer.Ingress = []api.LoadBalancerIngress{{IP: "192.0.2.10"}}
	if got := ServiceExternalIP(lb); got != "192.0.2.10" {
		t.Errorf("LB external IP = %q", got)
	}
}

func TestFormatEndpoints(t *testing.T) {
	addrs := func(ips ...string) []api.EndpointAddress {
		var out []api.EndpointAddress
		for _, ip := range ips {
			out = append(out, api.EndpointAddress{IP: ip})
		}
		return out
	}
	cases := []struct {
		name string
		ep   *api.Endpoints
		want string
	}{
		{"none", &api.Endpoints{}, "<none>"},
		{"not ready only", &api.Endpoints{Subsets: []api.EndpointSubset{{NotReadyAddresses: addrs("10.244.1.2"), Ports: []api.EndpointPort{{Port: 8080}}}}}, "<none>"},
		{"two", &api.Endpoints{Subsets: []api.EndpointSubset{{Addresses: addrs("10.244.1.2", "10.244.2.3"), Ports: []api.EndpointPort{{Port: 8080}}}}},
			"10.244.1.2:8080,10.244.2.3:8080"},
		{"capped", &api.Endpoints{Subsets: []api.EndpointSubset{{Addresses: addrs("10.244.1.2", "10.244.1.3", "10.244.2.2", "10.244.2.3", "10.244.3.2"), Ports: []api.EndpointPort{{Port: 80}}}}},
			"10.244.1.2:80,10.244.1.3:80,10.244.2.2:80 + 2 more..."},
		{"two ports", &api.Endpoints{Subsets: []api.EndpointSubset{{Addresses: addrs("10.244.1.2", "10.244.2.3"), Ports: []api.EndpointPort{{Name: "http", Port: 80}, {Name: "https", Port: 443}}}}},
			"10.244.1.2:80,10.244.2.3:80,10.244.1.2:443 + 1 more..."},
		{"headless without ports", &api.Endpoints{Subsets: []api.EndpointSubset{{Addresses: addrs("10.244.1.2")}}}, "10.244.1.2"},
	}
	for _, c := range cases {
		if got := FormatEndpoints(c.ep, nil); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
	two := cases[4].ep
	if got := FormatEndpoints(two, map[string]bool{"https": true}); got != "10.244.1.2:443,10.244.2.3:443" {
		t.Errorf("https only: %q", got)
	}
	ep := cases[3].ep
	ep.Name, ep.CreationTimestamp = "web", ago(5*time.Second)
	got := printed(t, "Endpoints", []api.Object{ep}, PrintOptions{})
	want := lines(
		"NAME   ENDPOINTS                                               AGE",
		"web    10.244.1.2:80,10.244.1.3:80,10.244.2.2:80 + 2 more...   5s",
	)
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestPrintWorkloads(t *testing.T) {
	tmpl := api.PodTemplateSpec{Spec: api.PodSpec{Containers: []api.Container{{Name: "nginx", Image: "nginx:1.25"}, {Name: "log", Image: "busybox"}}}}
	sel := &api.LabelSelector{MatchLabels: map[string]string{"app": "web"},
		MatchExpressions: []api.LabelSelectorRequirement{{Key: "env", Operator: "In", Values: []string{"prod", "dev"}}, {Key: "canary", Operator: "DoesNotExist"}}}
	d := &api.Deployment{ObjectMeta: api.ObjectMeta{Name: "web", CreationTimestamp: ago(5 * 24 * time.Hour)},
		Spec:   api.DeploymentSpec{Replicas: i32(3), Selector: sel, Template: tmpl},
		Status: api.DeploymentStatus{Replicas: 3, UpdatedReplicas: 3, ReadyReplicas: 2, AvailableReplicas: 2}}
	got := printed(t, "Deployment", []api.Object{d}, PrintOptions{Wide: true})
	want := lines(
		"NAME   READY   UP-TO-DATE   AVAILABLE   AGE   CONTAINERS   IMAGES               SELECTOR",
		"web    2/3     3            2           5d    nginx,log    nginx:1.25,busybox   app=web,!canary,env in (dev,prod)",
	)
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	rs := &api.ReplicaSet{ObjectMeta: api.ObjectMeta{Name: "web-5d8f7c9b4", CreationTimestamp: ago(90 * time.Second)},
		Spec:   api.ReplicaSetSpec{Replicas: i32(3), Selector: &api.LabelSelector{MatchLabels: map[string]string{"app": "web", "pod-template-hash": "5d8f7c9b4"}}, Template: tmpl},
		Status: api.ReplicaSetStatus{Replicas: 3, ReadyReplicas: 1}}
	got = printed(t, "ReplicaSet", []api.Object{rs}, PrintOptions{})
	want = lines(
		"NAME            DESIRED   CURRENT   READY   AGE",
		"web-5d8f7c9b4   3         3         1       90s",
	)
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	tbl, _ := TableFor(info("ReplicaSet"), []api.Object{rs}, now)
	if sel := tbl.Rows[0].Cells[7]; sel != "app=web,pod-template-hash=5d8f7c9b4" {
		t.Errorf("rs selector = %v", sel)
	}
}

func TestHPATargets(t *testing.T) {
	cpu := func(target int32) api.MetricSpec {
		return api.MetricSpec{Type: "Resource", Resource: &api.ResourceMetricSource{Name: "cpu",
			Target: api.MetricTarget{Type: "Utilization", AverageUtilization: i32(target)}}}
	}
	mem := func(target string) api.MetricSpec {
		q := resource.MustParse(target)
		return api.MetricSpec{Type: "Resource", Resource: &api.ResourceMetricSource{Name: "memory",
			Target: api.MetricTarget{Type: "AverageValue", AverageValue: &q}}}
	}
	cpuNow := func(v int32) api.MetricStatus {
		return api.MetricStatus{Type: "Resource", Resource: &api.ResourceMetricStatus{Name: "cpu", Current: api.MetricValueStatus{AverageUtilization: i32(v)}}}
	}
	memNow := func(v string) api.MetricStatus {
		q := resource.MustParse(v)
		return api.MetricStatus{Type: "Resource", Resource: &api.ResourceMetricStatus{Name: "memory", Current: api.MetricValueStatus{AverageValue: &q}}}
	}
	cases := []struct {
		specs    []api.MetricSpec
		statuses []api.MetricStatus
		want     string
	}{
		{nil, nil, "<none>"},
		{[]api.MetricSpec{cpu(80)}, nil, "cpu: <unknown>/80%"},
		{[]api.MetricSpec{cpu(80)}, []api.MetricStatus{cpuNow(45)}, "cpu: 45%/80%"},
		{[]api.MetricSpec{mem("200Mi")}, []api.MetricStatus{memNow("100Mi")}, "memory: 100Mi/200Mi"},
		{[]api.MetricSpec{cpu(40), mem("200Mi")}, []api.MetricStatus{cpuNow(0)}, "cpu: 0%/40%, memory: <unknown>/200Mi"},
		{[]api.MetricSpec{cpu(40), mem("200Mi"), cpu(50)}, nil, "cpu: <unknown>/40%, memory: <unknown>/200Mi + 1 more..."},
		{[]api.MetricSpec{cpu(40)}, []api.MetricStatus{cpuNow(85)}, "cpu: 85%/40%"},
		{[]api.MetricSpec{mem("100Mi"), cpu(40), cpu(50), mem("1Gi")}, []api.MetricStatus{memNow("10Mi"), cpuNow(85)},
			"memory: 10Mi/100Mi, cpu: 85%/40% + 2 more..."},
		// kubectl's quirks: a status without the value prints "<nil>"; other source types.
		{[]api.MetricSpec{mem("100Mi")}, []api.MetricStatus{cpuNow(85)}, "memory: <nil>/100Mi"},
		{[]api.MetricSpec{{Type: "Pods"}, cpu(40)}, nil, "<unknown type>, cpu: <unknown>/40%"},
		{[]api.MetricSpec{{Type: "Resource", Resource: &api.ResourceMetricSource{Name: "cpu"}}}, nil, "cpu: <unknown>/<auto>"},
	}
	for _, c := range cases {
		if got := HPATargets(c.specs, c.statuses); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
	h := &api.HorizontalPodAutoscaler{ObjectMeta: api.ObjectMeta{Name: "hpa1", CreationTimestamp: ago(20 * time.Hour)},
		Spec: api.HorizontalPodAutoscalerSpec{ScaleTargetRef: api.CrossVersionObjectReference{Kind: "Deployment", Name: "web", APIVersion: "apps/v1"},
			MinReplicas: i32(3), MaxReplicas: 6, Metrics: []api.MetricSpec{cpu(40)}},
		Status: api.HorizontalPodAutoscalerStatus{CurrentReplicas: 3, DesiredReplicas: 3, CurrentMetrics: []api.MetricStatus{cpuNow(12)}}}
	h2 := &api.HorizontalPodAutoscaler{ObjectMeta: api.ObjectMeta{Name: "hpa2", CreationTimestamp: ago(5 * time.Minute)},
		Spec: api.HorizontalPodAutoscalerSpec{ScaleTargetRef: api.CrossVersionObjectReference{Kind: "ReplicaSet", Name: "rs1"},
			MaxReplicas: 10, Metrics: []api.MetricSpec{mem("100Mi"), cpu(40)}}}
	got := printed(t, "HorizontalPodAutoscaler", []api.Object{h, h2}, PrintOptions{})
	want := lines(
		"NAME   REFERENCE        TARGETS                                       MINPODS   MAXPODS   REPLICAS   AGE",
		"hpa1   Deployment/web   cpu: 12%/40%                                  3         6         3          20h",
		"hpa2   ReplicaSet/rs1   memory: <unknown>/100Mi, cpu: <unknown>/40%   <unset>   10        0          5m",
	)
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestPrintNodesNamespaces(t *testing.T) {
	node := func(name string, mut func(n *api.Node)) *api.Node {
		n := &api.Node{ObjectMeta: api.ObjectMeta{Name: name, CreationTimestamp: ago(2 * 365 * 24 * time.Hour)},
			Status: api.NodeStatus{
				Conditions: []api.NodeCondition{{Type: "Ready", Status: "True"}},
				Addresses:  []api.NodeAddress{{Type: "InternalIP", Address: "192.168.1.10"}, {Type: "Hostname", Address: name}},
				NodeInfo:   api.NodeSystemInfo{KubeletVersion: "v1.32.0", OSImage: "Debian GNU/Linux 12 (bookworm)", KernelVersion: "6.1.0-18-amd64", ContainerRuntimeVersion: "containerd://1.6.20"}}}
		mut(n)
		return n
	}
	objs := []api.Object{
		node("master", func(n *api.Node) {
			n.Labels = map[string]string{"node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/master": ""}
			n.Spec.Unschedulable = true
		}),
		node("worker1", func(n *api.Node) {
			n.Status.Conditions[0].Status = "Unknown"
			n.Labels = map[string]string{"kubernetes.io/role": "worker"}
		}),
		node("worker2", func(n *api.Node) {
			n.Status = api.NodeStatus{}
			n.CreationTimestamp = api.Time{}
		}),
	}
	got := printed(t, "Node", objs, PrintOptions{Wide: true})
	want := lines(
		"NAME      STATUS                     ROLES                  AGE         VERSION   INTERNAL-IP    EXTERNAL-IP   OS-IMAGE                         KERNEL-VERSION   CONTAINER-RUNTIME",
		"master    Ready,SchedulingDisabled   control-plane,master   2y          v1.32.0   192.168.1.10   <none>        Debian GNU/Linux 12 (bookworm)   6.1.0-18-amd64   containerd://1.6.20",
		"worker1   NotReady                   worker                 2y          v1.32.0   192.168.1.10   <none>        Debian GNU/Linux 12 (bookworm)   6.1.0-18-amd64   containerd://1.6.20",
		"worker2   Unknown                    <none>                 <unknown>             <none>         <none>        <unknown>                        <unknown>        <unknown>",
	)
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}

	ns := &api.Namespace{ObjectMeta: api.ObjectMeta{Name: "default", CreationTimestamp: ago(3 * time.Hour)}, Status: api.NamespaceStatus{Phase: "Active"}}
	got = printed(t, "Namespace", []api.Object{ns}, PrintOptions{})
	want = lines(
		"NAME      STATUS   AGE",
		"default   Active   3h",
	)
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestPrintEvents(t *testing.T) {
	evs := []api.Object{
		&api.Event{ObjectMeta: api.ObjectMeta{Name: "web.17f", Namespace: "default"},
			InvolvedObject: api.ObjectReference{Kind: "Pod", Name: "web", FieldPath: "spec.containers{app}"},
			Reason:         "Pulled", Message: "Container image \"nginx\" already present on machine\n", Type: "Normal",
			Source:         api.EventSource{Component: "kubelet", Host: "node1"},
			FirstTimestamp: ago(10 * time.Minute), LastTimestamp: ago(2 * time.Minute), Count: 4},
		&api.Event{ObjectMeta: api.ObjectMeta{Name: "web.18a", Namespace: "default"},
			InvolvedObject: api.ObjectReference{Kind: "Deployment", Name: "web"},
			Reason:         "ScalingReplicaSet", Message: "Scaled up replica set web-5d8f7c9b4 to 3", Type: "Normal",
			ReportingController: "deployment-controller",
			EventTime:           api.MicroTime{Time: now.Add(-30 * time.Second)}},
	}
	got := printed(t, "Event", evs, PrintOptions{})
	want := lines(
		"LAST SEEN   TYPE     REASON              OBJECT           MESSAGE",
		"2m          Normal   Pulled              pod/web          Container image \"nginx\" already present on machine",
		"30s         Normal   ScalingReplicaSet   deployment/web   Scaled up replica set web-5d8f7c9b4 to 3",
	)
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	tbl, _ := TableFor(info("Event"), evs, now)
	row := tbl.Rows[0].Cells
	if row[4] != "spec.containers{app}" || row[5] != "kubelet, node1" || row[7] != "10m" || row[8] != int64(4) || row[9] != "web.17f" {
		t.Errorf("wide cells = %v", row)
	}
	if src := tbl.Rows[1].Cells[5]; src != "deployment-controller" {
		t.Errorf("source = %v", src)
	}
}

func TestCellString(t *testing.T) {
	cases := []struct {
		in   any
		want string
	}{
		{nil, ""},
		{"a\nb", "a..."},
		{"tab\there", "tab?here"},
		{float64(3), "3"},
		{float64(1000000), "1000000"},
		{1.5, "1.5"},
		{int64(7), "7"},
		{true, "true"},
	}
	for _, c := range cases {
		if got := CellString(c.in); got != c.want {
			t.Errorf("CellString(%#v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestDefaultTable(t *testing.T) {
	custom := &api.ResourceInfo{Kind: "Widget", Resource: "widgets"}
	p := podWith(func(p *api.Pod) {})
	tbl, err := TableFor(custom, []api.Object{p}, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(tbl.ColumnDefinitions) != 2 || tbl.ColumnDefinitions[1].Type != "date" {
		t.Fatalf("columns = %+v", tbl.ColumnDefinitions)
	}
	if c := tbl.Rows[0].Cells; c[0] != "web" || c[1] != "2025-03-01T11:56:58Z" {
		t.Errorf("cells = %v", c)
	}
}
