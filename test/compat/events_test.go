package compat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// eventJSON is a core/v1 Event about kind/name (uid) in ns, first seen
// first ago and last seen last ago (count times), as the recorders write
// them.
func eventJSON(ns, name, kind, objName, uid, typ, reason, msg, component, host, fieldPath string, first, last time.Duration, count int) string {
	now := time.Now().UTC()
	return fmt.Sprintf(`{"apiVersion":"v1","kind":"Event","metadata":{"name":%q,"namespace":%q},
"involvedObject":{"kind":%q,"namespace":%q,"name":%q,"uid":%q,"apiVersion":"v1","fieldPath":%q},
"type":%q,"reason":%q,"message":%q,"source":{"component":%q,"host":%q},
"firstTimestamp":%q,"lastTimestamp":%q,"count":%d,"reportingComponent":%q,"reportingInstance":%q}`,
		name, ns, kind, ns, objName, uid, fieldPath, typ, reason, msg, component, host,
		now.Add(-first).Format(time.RFC3339), now.Add(-last).Format(time.RFC3339), count, component, host)
}

// newEventJSON is an events.k8s.io-style Event written through core/v1:
// eventTime only, reportingComponent instead of source.
func newEventJSON(ns, name, kind, objName, uid, typ, reason, msg, controller string, ago time.Duration) string {
	return fmt.Sprintf(`{"apiVersion":"v1","kind":"Event","metadata":{"name":%q,"namespace":%q},
"involvedObject":{"kind":%q,"namespace":%q,"name":%q,"uid":%q},
"type":%q,"reason":%q,"message":%q,"action":"Binding",
"eventTime":%q,"reportingComponent":%q,"reportingInstance":%q}`,
		name, ns, kind, ns, objName, uid, typ, reason, msg,
		time.Now().UTC().Add(-ago).Format("2006-01-02T15:04:05.000000Z07:00"), controller, controller+"-1")
}

// uidOf reads an object's uid with the real kubectl.
func (c *cluster) uidOf(t *testing.T, args ...string) string {
	t.Helper()
	return c.ok(t, "", append(args, "-o", "jsonpath={.metadata.uid}")...)
}

// sameOutput runs args through the real kubectl and ours and wants the
// same stdout, stderr and success; it returns stdout.
func (c *cluster) sameOutput(t *testing.T, args ...string) string {
	t.Helper()
	rOut, rErr, rerr := c.kubectl(t, "", args...)
	oOut, oErr, oerr := c.ours(t, args...)
	if (rerr == nil) != (oerr == nil) || rOut != oOut || rErr != oErr {
		t.Fatalf("kubectl %s differs\nreal (%v):\n%s%s\nours (%v):\n%s%s", strings.Join(args, " "), rerr, rOut, rErr, oerr, oOut, oErr)
	}
	return rOut
}

// TestEventsMatchRealKubectl: `kubectl get events` (plain, -A, -o wide,
// field selectors) and the Events section of `kubectl describe` print the
// same through the real kubectl v1.32 and ours, for events written
// directly through the API.
func TestEventsMatchRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	c.ok(t, podYAML, "apply", "-f", "-")
	c.ok(t, strings.ReplaceAll(deployYAML, "%REPLICAS%", "0"), "apply", "-f", "-")
	c.ok(t, nodeJSON, "create", "-f", "-")
	c.ok(t, serviceYAML, "apply", "-f", "-")
	c.ok(t, "", "create", "namespace", "other")
	podUID := c.uidOf(t, "get", "pod", "web")
	depUID := c.uidOf(t, "get", "deployment", "hello")
	nodeUID := c.uidOf(t, "get", "node", "node1")

	// Ages of ten minutes and more print in whole minutes; mid-minute ages
	// keep them stable while the test runs.
	const m = time.Minute
	events := []struct{ ns, body string }{
		{"default", eventJSON("default", "web.1", "Pod", "web", podUID, "Normal", "Scheduled", "Successfully assigned default/web to node1", "default-scheduler", "", "", 25*m+30*time.Second, 25*m+30*time.Second, 1)},
		{"default", eventJSON("default", "web.2", "Pod", "web", podUID, "Normal", "Pulled", "Container image \"minik8s/testserver:latest\" already present on machine", "kubelet", "node1", "spec.containers{main}", 24*m+30*time.Second, 24*m+30*time.Second, 1)},
		{"default", eventJSON("default", "web.3", "Pod", "web", podUID, "Warning", "BackOff", "Back-off restarting failed container main in pod web_default", "kubelet", "node1", "spec.containers{main}", 23*m+30*time.Second, 11*m+30*time.Second, 7)},
		{"default", newEventJSON("default", "web.4", "Pod", "web", podUID, "Normal", "Killing", "Stopping container main", "kubelet", 15*m+30*time.Second)},
		// same name, other kind or uid: not the pod's
		{"default", eventJSON("default", "web.5", "Deployment", "web", "", "Normal", "ScalingReplicaSet", "not about the pod", "deployment-controller", "", "", 13*m+30*time.Second, 13*m+30*time.Second, 1)},
		{"default", eventJSON("default", "web.6", "Pod", "web", "0ld-uid", "Normal", "Started", "an older pod of the same name", "kubelet", "node1", "", 40*m+30*time.Second, 40*m+30*time.Second, 1)},
		{"default", eventJSON("default", "hello.1", "Deployment", "hello", depUID, "Normal", "ScalingReplicaSet", "Scaled up replica set hello-5d8f to 0", "deployment-controller", "", "", 12*m+30*time.Second, 12*m+30*time.Second, 1)},
		// kubelets report about their node by name (uid = name, no namespace)
		{"default", strings.Replace(eventJSON("default", "node1.1", "Node", "node1", "node1", "Normal", "NodeReady", "Node node1 status is now: NodeReady", "kubelet", "node1", "", 19*m+30*time.Second, 19*m+30*time.Second, 1),
			`"kind":"Node","namespace":"default"`, `"kind":"Node","namespace":""`, 1)},
		// controllers by uid
		{"default", strings.Replace(eventJSON("default", "node1.2", "Node", "node1", nodeUID, "Normal", "RegisteredNode", "Node node1 event: Registered Node node1 in Controller", "node-controller", "", "", 29*m+30*time.Second, 29*m+30*time.Second, 1),
			`"kind":"Node","namespace":"default"`, `"kind":"Node","namespace":""`, 1)},
		{"other", eventJSON("other", "x.1", "Pod", "x", "", "Warning", "FailedScheduling", "0/1 nodes are available: 1 Insufficient cpu.", "default-scheduler", "", "", 33*m+30*time.Second, 33*m+30*time.Second, 2)},
	}
	for _, e := range events {
		if _, err := doJSON(c.ts.URL+"/api/v1/namespaces/"+e.ns+"/events", e.body); err != nil {
			t.Fatal(err)
		}
	}

	out := c.sameOutput(t, "get", "events")
	for _, want := range []string{
		"LAST SEEN   TYPE      REASON              OBJECT             MESSAGE\n",
		"11m         Warning   BackOff             pod/web            Back-off restarting failed container main in pod web_default\n",
		"15m         Normal    Killing             pod/web            Stopping container main\n",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("get events lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "FailedScheduling") {
		t.Fatalf("get events shows another namespace's event:\n%s", out)
	}
	out = c.sameOutput(t, "get", "events", "-A")
	mustMatch(t, "get events -A", `(?m)^NAMESPACE +LAST SEEN +TYPE +REASON +OBJECT +MESSAGE$`, out)
	mustMatch(t, "get events -A", `(?m)^other +33m +Warning +FailedScheduling +pod/x +0/1 nodes are available: 1 Insufficient cpu\.$`, out)
	out = c.sameOutput(t, "get", "events", "-o", "wide")
	mustMatch(t, "get events -o wide", `(?m)^LAST SEEN +TYPE +REASON +OBJECT +SUBOBJECT +SOURCE +MESSAGE +FIRST SEEN +COUNT +NAME$`, out)
	mustMatch(t, "get events -o wide", `(?m)^11m +Warning +BackOff +pod/web +spec.containers\{main\} +kubelet, node1 +Back-off .* +23m +7 +web\.3$`, out)
	c.sameOutput(t, "get", "events", "--field-selector", "involvedObject.kind=Pod,involvedObject.name=web,type=Warning")
	c.sameOutput(t, "get", "events", "--field-selector", "reason=ScalingReplicaSet", "--no-headers")
	c.sameOutput(t, "get", "events", "-n", "kube-system")
	c.sameOutput(t, "get", "event", "web.3")

	// describe: the Events section lists the object's own events, oldest first.
	out = c.sameOutput(t, "describe", "pod", "web")
	want := "Events:\n" +
		"  Type     Reason     Age                From               Message\n" +
		"  ----     ------     ----               ----               -------\n" +
		"  Normal   Killing    15m                kubelet            Stopping container main\n" +
		"  Normal   Scheduled  25m                default-scheduler  Successfully assigned default/web to node1\n" +
		"  Normal   Pulled     24m                kubelet            Container image \"minik8s/testserver:latest\" already present on machine\n" +
		"  Warning  BackOff    11m (x7 over 23m)  kubelet            Back-off restarting failed container main in pod web_default\n"
	if !strings.HasSuffix(out, want) {
		t.Fatalf("describe pod web does not end with\n%s\ngot:\n%s", want, out)
	}
	out = c.sameOutput(t, "describe", "deployment", "hello")
	mustMatch(t, "describe deployment", `Normal +ScalingReplicaSet +12m +deployment-controller +Scaled up replica set hello-5d8f to 0\n$`, out)
	// The real kubectl also shows the node's Lease (not served yet): compare the Events sections.
	out = c.ok(t, "", "describe", "node", "node1")
	ours, _, err := c.ours(t, "describe", "node", "node1")
	if err != nil {
		t.Fatal(err)
	}
	if r, o := eventsSection(out), eventsSection(ours); r != o {
		t.Fatalf("describe node: Events sections differ\nreal:\n%s\nours:\n%s", r, o)
	}
	mustMatch(t, "describe node", `Normal +RegisteredNode +29m +node-controller +Node node1 event: Registered Node node1 in Controller\n +Normal +NodeReady +19m +kubelet +Node node1 status is now: NodeReady\n$`, out)
	out = c.sameOutput(t, "describe", "service", "hello")
	mustMatch(t, "describe service without events", `\nEvents: +<none>\n$`, out)
	c.sameOutput(t, "describe", "pod", "web", "--show-events=false")
}

// TestLastStateMatchesRealKubectl: a container's lastState, PUT through
// the status subresource, reads back through the real kubectl's JSONPath
// as through ours. (Needs the JSON name lastState in pkg/api.)
func TestLastStateMatchesRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	c.ok(t, podYAML, "apply", "-f", "-")
	url := c.ts.URL + "/api/v1/namespaces/default/pods/web"
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	var pod map[string]any
	err = json.NewDecoder(resp.Body).Decode(&pod)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	pod["status"] = map[string]any{
		"phase": "Running",
		"containerStatuses": []any{map[string]any{
			"name": "main", "image": "minik8s/testserver:latest", "imageID": "", "ready": true, "restartCount": 1,
			"state": map[string]any{"running": map[string]any{"startedAt": "2026-01-01T00:01:00Z"}},
			"lastState": map[string]any{"terminated": map[string]any{
				"exitCode": 137, "reason": "OOMKilled", "startedAt": "2026-01-01T00:00:00Z", "finishedAt": "2026-01-01T00:00:59Z",
			}},
		}},
	}
	body, _ := json.Marshal(pod)
	req, _ := http.NewRequest(http.MethodPut, url+"/status", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT pod status with lastState: %s: %s", resp.Status, b)
	}
	for _, args := range [][]string{
		{"get", "pod", "web", "-o", "jsonpath={..lastState.terminated.exitCode}"},
		{"get", "pod", "web", "-o", "jsonpath={.status.containerStatuses[0].lastState.terminated.reason}"},
	} {
		c.sameOutput(t, args...)
	}
	if got := c.ok(t, "", "get", "pod", "web", "-o", "jsonpath={..lastState.terminated.exitCode}"); got != "137" {
		t.Fatalf("lastState exit code %q, want 137", got)
	}
	out := c.sameOutput(t, "describe", "pod", "web")
	mustMatch(t, "describe pod", `(?s)Last State: +Terminated\n +Reason: +OOMKilled\n +Exit Code: +137\n`, out)
}

// eventsSection is describe's output from its last "Events:" on.
func eventsSection(out string) string {
	if i := strings.LastIndex(out, "Events:"); i >= 0 {
		return out[i:]
	}
	return ""
}
