package kubectl

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"minik8s/pkg/api"
)

func TestGoTemplatePrinter(t *testing.T) {
	obj := map[string]any{"kind": "Pod", "metadata": map[string]any{"name": "web"}, "spec": map[string]any{"replicas": 3},
		"data": map[string]any{"k": "aGk="}}
	cases := []struct {
		name, output, template string
		allowMissing           bool
		want, wantErr          string
	}{
		{name: "inline", output: "go-template={{.metadata.name}}/{{.spec.replicas}}", allowMissing: true, want: "web/3"},
		{name: "--template", output: "go-template", template: "{{.kind}}", allowMissing: true, want: "Pod"},
		{name: "template alias", output: "template={{base64decode .data.k}}", allowMissing: true, want: "hi"},
		{name: "exists", output: `go-template={{exists . "metadata" "name"}} {{exists . "nope"}} {{exists . "spec" "replicas" "x"}}`, allowMissing: true, want: "true false false"},
		{name: "missing allowed", output: "go-template={{.nope}}", allowMissing: true, want: "<no value>"},
		{name: "missing refused", output: "go-template={{.nope}}", wantErr: `error executing template "{{.nope}}": template: output:1:2: executing "output" at <.nope>: map has no entry for key "nope"`},
		{name: "bad base64", output: `go-template={{base64decode "!!"}}`, allowMissing: true, wantErr: "base64 decode failed"},
		{name: "no template", output: "go-template", wantErr: "template format specified but no template given"},
		{name: "parse error", output: "go-template={{.x", wantErr: "error parsing template {{.x, template: output:1: unclosed action"},
		{name: "file missing", output: "go-template-file=/nonexistent", wantErr: "error reading --template /nonexistent, open /nonexistent: no such file or directory"},
	}
	for _, c := range cases {
		p, err := newTemplatePrinter(templateOutput{output: c.output, template: c.template, allowMissing: c.allowMissing})
		var buf bytes.Buffer
		if err == nil {
			err = p.printObject(&buf, obj)
		}
		switch {
		case c.wantErr == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("%s: err %v, want %q", c.name, err, c.wantErr)
		case c.wantErr == "" && buf.String() != c.want:
			t.Errorf("%s: %q, want %q", c.name, buf.String(), c.want)
		}
	}
}

func TestClusterInfoLines(t *testing.T) {
	svc := func(name string, labels map[string]string, ports []api.ServicePort, ingress ...api.LoadBalancerIngress) api.Service {
		s := api.Service{ObjectMeta: api.ObjectMeta{Name: name, Namespace: "kube-system", Labels: labels}}
		s.Spec.Ports = ports
		s.Status.LoadBalancer.Ingress = ingress
		return s
	}
	lines := clusterInfoLines("https://10.0.0.1:6443", []api.Service{
		svc("kube-dns", map[string]string{"kubernetes.io/name": "CoreDNS"}, []api.ServicePort{{Name: "dns", Port: 53}, {Name: "dns-tcp", Port: 53}}),
		svc("dash", nil, []api.ServicePort{{Port: 443}}),
		svc("bare", nil, nil),
		svc("lb", nil, []api.ServicePort{{Port: 80}, {Port: 81}}, api.LoadBalancerIngress{Hostname: "lb.example"}),
	})
	want := [][2]string{
		{"Kubernetes control plane", "https://10.0.0.1:6443"},
		{"CoreDNS", "https://10.0.0.1:6443/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy"},
		{"dash", "https://10.0.0.1:6443/api/v1/namespaces/kube-system/services/https:dash:/proxy"},
		{"bare", "https://10.0.0.1:6443/api/v1/namespaces/kube-system/services/bare/proxy"},
		{"lb", "http://lb.example:80 http://lb.example:81 "},
	}
	if len(lines) != len(want) {
		t.Fatalf("lines = %q", lines)
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d = %q, want %q", i, lines[i], want[i])
		}
	}
	var buf bytes.Buffer
	writeClusterInfo(&buf, lines[:1], true)
	if buf.String() != "\x1b[0;32mKubernetes control plane\x1b[0m is running at \x1b[0;33mhttps://10.0.0.1:6443\x1b[0m\n" {
		t.Errorf("colour = %q", buf.String())
	}
}

func TestLogsValidate(t *testing.T) {
	cmd := &cobra.Command{Use: "logs"}
	cases := []struct {
		name     string
		l        logsOptions
		args     []string
		wantErr  string
		wantQ    string
		wantRes  string
		wantCont string
	}{
		{name: "pod", l: logsOptions{tail: -1}, args: []string{"web"}, wantRes: "web"},
		{name: "inline container", l: logsOptions{tail: -1}, args: []string{"web", "c"}, wantRes: "web", wantQ: "container=c"},
		{name: "all options", l: logsOptions{tail: 3, timestamps: true, limitBytes: 9, since: 90 * time.Second, follow: true, previous: true},
			args: []string{"web"}, wantRes: "web", wantQ: "follow=true&limitBytes=9&previous=true&sinceSeconds=90&tailLines=3&timestamps=true"},
		{name: "since-time", l: logsOptions{tail: -1, sinceTime: "2026-12-02T14:00:00+01:00"}, args: []string{"web"}, wantQ: "sinceTime=2026-12-02T13%3A00%3A00Z", wantRes: "web"},
		{name: "selector tail 10", l: logsOptions{tail: -1, selector: "app=x"}, wantQ: "tailLines=10"},
		{name: "no pod", l: logsOptions{tail: -1}, wantErr: "expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'"},
		{name: "pod and selector", l: logsOptions{tail: -1, selector: "a=b"}, args: []string{"web"}, wantErr: "only a selector (-l) or a POD name is allowed"},
		{name: "both containers", l: logsOptions{tail: -1, container: "a", containerSet: true}, args: []string{"web", "b"}, wantErr: "only one of -c or an inline [CONTAINER] arg is allowed"},
		{name: "since twice", l: logsOptions{tail: -1, since: time.Minute, sinceTime: "2026-12-02T14:00:00Z"}, args: []string{"web"}, wantErr: "at most one of `sinceTime` or `sinceSeconds` may be specified"},
		{name: "all and container", l: logsOptions{tail: -1, container: "a", allContainers: true}, args: []string{"web"}, wantErr: "--all-containers=true should not be specified with container name a"},
		{name: "limit", l: logsOptions{tail: -1, limitBytes: -1}, args: []string{"web"}, wantErr: "--limit-bytes must be greater than 0"},
		{name: "tail", l: logsOptions{tail: -2}, args: []string{"web"}, wantErr: "--tail must be greater than or equal to -1"},
		{name: "bad time", l: logsOptions{tail: -1, sinceTime: "x"}, args: []string{"web"}, wantErr: `parsing time "x"`},
	}
	for _, c := range cases {
		res, po, err := c.l.validate(cmd, c.args)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%s: err %v, want %q", c.name, err, c.wantErr)
			}
			continue
		}
		if err != nil || res != c.wantRes || po.query().Encode() != c.wantQ {
			t.Errorf("%s: %q %q %v, want %q %q", c.name, res, po.query().Encode(), err, c.wantRes, c.wantQ)
		}
	}
}

func TestLogRequestsFor(t *testing.T) {
	pod := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p", Annotations: map[string]string{}}}
	pod.Spec.InitContainers = []api.Container{{Name: "init"}}
	pod.Spec.Containers = []api.Container{{Name: "a"}, {Name: "b"}}
	var notes bytes.Buffer
	rs, err := logRequestsFor(&notes, pod, podLogOptions{}, false)
	if err != nil || len(rs) != 1 || rs[0].container != "a" || notes.String() != "Defaulted container \"a\" out of: init (init), a, b\n" {
		t.Fatalf("default: %+v %v %q", rs, err, notes.String())
	}
	notes.Reset()
	pod.Annotations[defaultContainerAnnotation] = "b"
	if rs, _ := logRequestsFor(&notes, pod, podLogOptions{}, false); rs[0].container != "b" || notes.Len() != 0 {
		t.Fatalf("annotation: %+v %q", rs, notes.String())
	}
	pod.Annotations[defaultContainerAnnotation] = "gone"
	if rs, _ := logRequestsFor(&notes, pod, podLogOptions{}, false); rs[0].container != "a" ||
		!strings.HasPrefix(notes.String(), "Default container name \"gone\" not found in pod p\n") {
		t.Fatalf("stale annotation: %+v %q", rs, notes.String())
	}
	if _, err := logRequestsFor(&notes, pod, podLogOptions{Container: "zz"}, false); err == nil || err.Error() != "container zz is not valid for pod p" {
		t.Fatalf("bad container: %v", err)
	}
	rs, _ = logRequestsFor(&notes, pod, podLogOptions{TailLines: new(int64)}, true)
	if len(rs) != 3 || rs[0].container != "init" || rs[2].opts.Container != "b" || rs[2].opts.TailLines == nil {
		t.Fatalf("all containers: %+v", rs)
	}
}

func TestLoggingLess(t *testing.T) {
	mk := func(name, node, phase string, ready bool, restarts int32, age time.Duration) *api.Pod {
		p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, CreationTimestamp: api.Time{Time: time.Unix(1e9, 0).Add(-age)}}}
		p.Spec.NodeName = node
		p.Status.Phase = phase
		st := "False"
		if ready {
			st = "True"
		}
		p.Status.Conditions = []api.PodCondition{{Type: "Ready", Status: st}}
		p.Status.ContainerStatuses = []api.ContainerStatus{{RestartCount: restarts}}
		return p
	}
	cases := []struct {
		a, b *api.Pod
	}{
		{mk("assigned", "n", api.PodPending, false, 0, 0), mk("unassigned", "", api.PodRunning, true, 0, 0)},
		{mk("running", "n", api.PodRunning, false, 0, 0), mk("pending", "n", api.PodPending, false, 0, 0)},
		{mk("ready", "n", api.PodRunning, true, 0, 0), mk("unready", "n", api.PodRunning, false, 0, 0)},
		{mk("restarts", "n", api.PodRunning, false, 3, 0), mk("fewer", "n", api.PodRunning, false, 1, 0)},
		{mk("older", "n", api.PodRunning, false, 0, time.Hour), mk("newer", "n", api.PodRunning, false, 0, 0)},
	}
	for _, c := range cases {
		if !loggingLess(c.a, c.b) || loggingLess(c.b, c.a) {
			t.Errorf("%s should come before %s", c.a.Name, c.b.Name)
		}
	}
}
