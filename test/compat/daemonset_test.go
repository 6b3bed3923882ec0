package compat

import (
	"context"
	"strings"
	"testing"
	"time"

	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
)

const daemonSetYAML = `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, labels: {app: agent}}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      nodeSelector: {kubernetes.io/os: linux}
      containers:
      - {name: agent, image: "agent:1"}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: od}
spec:
  selector: {matchLabels: {app: od}}
  updateStrategy: {type: OnDelete}
  template:
    metadata: {labels: {app: od}}
    spec:
      containers:
      - {name: od, image: "od:1"}
---
apiVersion: apps/v1
kind: ControllerRevision
metadata: {name: agent-abc, labels: {app: agent}}
data: {spec: {template: {$patch: replace}}}
revision: 1
`

// TestDaemonSetMatchesRealKubectl: get ds (plain, wide), get
// controllerrevisions, describe ds and rollout status ds print the same
// through the real kubectl v1.32 and ours (no controllers run: the test
// writes the status).
func TestDaemonSetMatchesRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	c.ok(t, daemonSetYAML, "apply", "-f", "-")
	cl, err := mkclient.New(&mkclient.Config{Server: c.ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	dss := mkclient.Typed[*api.DaemonSet](cl, "default")
	setStatus := func(st api.DaemonSetStatus) {
		t.Helper()
		ds, err := dss.Get(context.Background(), "agent")
		if err != nil {
			t.Fatal(err)
		}
		st.ObservedGeneration = ds.Generation
		ds.Status = st
		if _, err := dss.UpdateStatus(context.Background(), ds); err != nil {
			t.Fatal(err)
		}
	}
	setStatus(api.DaemonSetStatus{DesiredNumberScheduled: 3, CurrentNumberScheduled: 3, NumberReady: 2, UpdatedNumberScheduled: 1, NumberAvailable: 2, NumberUnavailable: 1})

	ds := c.sameTable(t, "get", "ds")
	mustMatch(t, "get ds header", `^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE\n`, ds)
	mustMatch(t, "agent row", `(?m)^agent\s+3\s+3\s+2\s+1\s+2\s+kubernetes\.io/os=linux\s`, ds)
	mustMatch(t, "od row", `(?m)^od\s+0\s+0\s+0\s+0\s+0\s+<none>\s`, ds)
	c.sameTable(t, "get", "daemonsets", "-o", "wide")
	c.sameTable(t, "get", "all")
	revs := c.sameTable(t, "get", "controllerrevisions")
	mustMatch(t, "revision row", `(?m)^agent-abc\s+<none>\s+1\s`, revs)

	d := c.sameTable(t, "describe", "ds", "agent")
	for _, line := range []string{
		"Selector:       app=agent",
		"Node-Selector:  kubernetes.io/os=linux",
		"Desired Number of Nodes Scheduled: 3",
		"Number of Nodes Scheduled with Up-to-date Pods: 1",
		"Pods Status:  0 Running / 0 Waiting / 0 Succeeded / 0 Failed",
	} {
		if !strings.Contains(d, line) {
			t.Errorf("describe ds: no %q in\n%s", line, d)
		}
	}

	st := c.sameTable(t, "rollout", "status", "ds/agent", "--watch=false")
	if st != "Waiting for daemon set \"agent\" rollout to finish: 1 out of 3 new pods have been updated...\n" {
		t.Errorf("rollout status: %q", st)
	}
	setStatus(api.DaemonSetStatus{DesiredNumberScheduled: 3, CurrentNumberScheduled: 3, NumberReady: 3, UpdatedNumberScheduled: 3, NumberAvailable: 2})
	c.sameTable(t, "rollout", "status", "daemonset", "agent", "--watch=false")
	setStatus(api.DaemonSetStatus{DesiredNumberScheduled: 3, CurrentNumberScheduled: 3, NumberReady: 3, UpdatedNumberScheduled: 3, NumberAvailable: 3})
	if st := c.sameTable(t, "rollout", "status", "ds/agent"); st != "daemon set \"agent\" successfully rolled out\n" {
		t.Errorf("rollout status done: %q", st)
	}
	c.sameTable(t, "rollout", "status", "ds/od")
}
