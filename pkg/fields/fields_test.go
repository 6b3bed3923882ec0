package fields

import (
	"strings"
	"testing"

	"minik8s/pkg/api"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in, str string
		match   map[string]string
		nomatch map[string]string
	}{
		{"", "", map[string]string{"a": "b"}, nil},
		{"metadata.name=x", "metadata.name=x", map[string]string{"metadata.name": "x"}, map[string]string{"metadata.name": "y"}},
		{"metadata.name==x", "metadata.name=x", map[string]string{"metadata.name": "x"}, map[string]string{}},
		{"spec.nodeName!=n1", "spec.nodeName!=n1", map[string]string{"spec.nodeName": ""}, map[string]string{"spec.nodeName": "n1"}},
		{"spec.nodeName=", "spec.nodeName=", map[string]string{"spec.nodeName": ""}, map[string]string{"spec.nodeName": "n1"}},
		{" status.phase = Running , metadata.name=a", "metadata.name=a,status.phase=Running",
			map[string]string{"status.phase": "Running", "metadata.name": "a"}, map[string]string{"status.phase": "Running", "metadata.name": "b"}},
		{`reason=a\,b\=c`, `reason=a\,b\=c`, map[string]string{"reason": "a,b=c"}, map[string]string{"reason": "a"}},
	}
	for _, tc := range tests {
		sel, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if sel.String() != tc.str {
			t.Errorf("Parse(%q).String() = %q, want %q", tc.in, sel.String(), tc.str)
		}
		if back, err := Parse(sel.String()); err != nil || back.String() != sel.String() {
			t.Errorf("round trip %q: %v %v", sel.String(), back, err)
		}
		if !sel.Matches(tc.match) {
			t.Errorf("%q should match %v", tc.in, tc.match)
		}
		if tc.nomatch != nil && sel.Matches(tc.nomatch) {
			t.Errorf("%q should not match %v", tc.in, tc.nomatch)
		}
	}
	for _, bad := range []struct{ in, want string }{
		{"foo", `term "foo": expected key=value`},
		{"=x", "missing field name"},
		{"a=b,,c=d", "empty term"},
		{"a=b=c", `unescaped '='`},
		{`a=b\x`, "invalid escape sequence"},
	} {
		_, err := Parse(bad.in)
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("Parse(%q) error = %v, want containing %q", bad.in, err, bad.want)
		}
	}
}

func TestObjectFields(t *testing.T) {
	pod := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p", Namespace: "ns"}}
	pod.Spec.NodeName, pod.Spec.RestartPolicy, pod.Spec.HostNetwork = "n1", "Always", true
	pod.Spec.SchedulerName, pod.Spec.ServiceAccountName = "default-scheduler", "sa"
	pod.Status.Phase, pod.Status.PodIP, pod.Status.NominatedNodeName = "Running", "10.244.1.2", "n2"
	want := map[string]string{
		"metadata.name": "p", "metadata.namespace": "ns", "spec.nodeName": "n1", "spec.restartPolicy": "Always",
		"spec.schedulerName": "default-scheduler", "spec.serviceAccountName": "sa", "spec.hostNetwork": "true",
		"status.phase": "Running", "status.podIP": "10.244.1.2", "status.nominatedNodeName": "n2",
	}
	assertFields(t, ObjectFields(pod), want)

	ev := &api.Event{ObjectMeta: api.ObjectMeta{Name: "e", Namespace: "ns"},
		InvolvedObject: api.ObjectReference{Kind: "Pod", Namespace: "ns", Name: "p", UID: "u", APIVersion: "v1", ResourceVersion: "7", FieldPath: "spec.containers{c}"},
		Reason:         "Scheduled", ReportingController: "scheduler", Source: api.EventSource{Component: "default-scheduler"}, Type: "Normal"}
	assertFields(t, ObjectFields(ev), map[string]string{
		"metadata.name": "e", "metadata.namespace": "ns", "involvedObject.kind": "Pod", "involvedObject.namespace": "ns",
		"involvedObject.name": "p", "involvedObject.uid": "u", "involvedObject.apiVersion": "v1",
		"involvedObject.resourceVersion": "7", "involvedObject.fieldPath": "spec.containers{c}", "reason": "Scheduled",
		"reportingComponent": "scheduler", "source": "default-scheduler", "type": "Normal",
	})
	assertFields(t, ObjectFields(&api.Node{ObjectMeta: api.ObjectMeta{Name: "n"}, Spec: api.NodeSpec{Unschedulable: true}}),
		map[string]string{"metadata.name": "n", "metadata.namespace": "", "spec.unschedulable": "true"})
	assertFields(t, ObjectFields(&api.Namespace{ObjectMeta: api.ObjectMeta{Name: "d"}, Status: api.NamespaceStatus{Phase: "Active"}}),
		map[string]string{"metadata.name": "d", "metadata.namespace": "", "status.phase": "Active"})
	assertFields(t, ObjectFields(&api.Service{ObjectMeta: api.ObjectMeta{Name: "s", Namespace: "ns"}, Spec: api.ServiceSpec{ClusterIP: "10.96.0.5", Type: "NodePort"}}),
		map[string]string{"metadata.name": "s", "metadata.namespace": "ns", "spec.clusterIP": "10.96.0.5", "spec.type": "NodePort"})
	assertFields(t, ObjectFields(&api.Deployment{ObjectMeta: api.ObjectMeta{Name: "d", Namespace: "ns"}}),
		map[string]string{"metadata.name": "d", "metadata.namespace": "ns"})

	sel, _ := Parse("spec.nodeName=n1,status.phase!=Failed")
	if !sel.Matches(ObjectFields(pod)) {
		t.Error("pod selector should match")
	}
}

func assertFields(t *testing.T, got, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d fields %v, want %d", len(got), got, len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("field %s = %q, want %q", k, got[k], v)
		}
	}
}

func TestValidateFor(t *testing.T) {
	pods, _ := api.Lookup("pods")
	deploy, _ := api.Lookup("deployments")
	tests := []struct {
		info *api.ResourceInfo
		sel  string
		want string // "" = ok
	}{
		{pods, "spec.nodeName=n1,status.phase=Running", ""},
		{pods, "", ""},
		{pods, "foo=bar", "field label not supported: foo"},
		{deploy, "metadata.name=x", ""},
		{deploy, "spec.nodeName=x", "field label not supported: spec.nodeName"},
	}
	for _, tc := range tests {
		sel, err := Parse(tc.sel)
		if err != nil {
			t.Fatal(err)
		}
		err = ValidateFor(tc.info, sel)
		if tc.want == "" && err != nil {
			t.Errorf("%s %q: %v", tc.info.Resource, tc.sel, err)
		}
		if tc.want != "" && (err == nil || err.Error() != tc.want) {
			t.Errorf("%s %q: error %v, want %q", tc.info.Resource, tc.sel, err, tc.want)
		}
	}
	if got := SupportedFields(deploy); strings.Join(got, ",") != "metadata.name,metadata.namespace" {
		t.Errorf("SupportedFields(deployments) = %v", got)
	}
}
