package integration

// The event recorder (pkg/client/record) against a real apiserver.

import (
	"context"
	"testing"
	"time"

	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
	"minik8s/pkg/client/record"
)

func TestEventRecorderWritesAndDedups(t *testing.T) {
	ts := testserver.Start(t)
	c, err := mkclient.New(&mkclient.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pod, err := c.Pods("default").Create(ctx, &api.Pod{
		ObjectMeta: api.ObjectMeta{Name: "ev-pod"},
		Spec:       api.PodSpec{Containers: []api.Container{{Name: "c", Image: "busybox"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	rec := record.NewRecorder(c, api.EventSource{Component: "kubelet", Host: "node-a"})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- rec.Run(runCtx) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()

	// listEvents waits until the events of obj satisfy ok.
	listEvents := func(ns string, ok func([]*api.Event) bool) []*api.Event {
		t.Helper()
		var evs []*api.Event
		for deadline := time.Now().Add(10 * time.Second); ; {
			evs, _, err = c.Events(ns).List(ctx, mkclient.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if ok(evs) {
				return evs
			}
			if time.Now().After(deadline) {
				t.Fatalf("events in %s: %+v", ns, evs)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	rec.Event(record.WithFieldPath(pod, "spec.containers{c}"), record.EventTypeNormal, "Pulled", "Container image \"busybox\" already present on machine")
	evs := listEvents("default", func(e []*api.Event) bool { return len(e) == 1 })
	e := evs[0]
	if e.InvolvedObject.Kind != "Pod" || e.InvolvedObject.Name != "ev-pod" || e.InvolvedObject.UID != pod.UID ||
		e.InvolvedObject.APIVersion != "v1" || e.InvolvedObject.FieldPath != "spec.containers{c}" ||
		e.Count != 1 || e.Type != "Normal" || e.Source.Host != "node-a" || e.ReportingController != "kubelet" ||
		e.FirstTimestamp.IsZero() || e.LastTimestamp.IsZero() {
		t.Fatalf("event %+v", e)
	}
	firstRV := e.ResourceVersion

	// Two repeats PATCH the same event: count 3, one object.
	rec.Event(record.WithFieldPath(pod, "spec.containers{c}"), record.EventTypeNormal, "Pulled", "Container image \"busybox\" already present on machine")
	rec.Event(record.WithFieldPath(pod, "spec.containers{c}"), record.EventTypeNormal, "Pulled", "Container image \"busybox\" already present on machine")
	evs = listEvents("default", func(e []*api.Event) bool { return len(e) == 1 && e[0].Count == 3 })
	if evs[0].Name != e.Name || evs[0].ResourceVersion == firstRV || !evs[0].FirstTimestamp.Time.Equal(e.FirstTimestamp.Time) {
		t.Fatalf("after repeats %+v (first %+v)", evs[0], e)
	}

	// A different message is a different event; a node's events go to default.
	rec.Eventf(pod, record.EventTypeWarning, "BackOff", "Back-off restarting failed container %s", "c")
	node, err := c.Nodes().Create(ctx, &api.Node{ObjectMeta: api.ObjectMeta{Name: "node-a"}})
	if err != nil {
		t.Fatal(err)
	}
	rec.Event(node, record.EventTypeNormal, "NodeReady", "Node node-a status is now: NodeReady")
	evs = listEvents("default", func(e []*api.Event) bool { return len(e) == 3 })
	kinds := map[string]string{}
	for _, e := range evs {
		kinds[e.Reason] = e.InvolvedObject.Kind
	}
	if kinds["BackOff"] != "Pod" || kinds["NodeReady"] != "Node" || kinds["Pulled"] != "Pod" {
		t.Fatalf("events %v", kinds)
	}

	// A repeat of an event deleted on the server is created again.
	if err := c.Events("default").Delete(ctx, e.Name, nil); err != nil {
		t.Fatal(err)
	}
	rec.Event(record.WithFieldPath(pod, "spec.containers{c}"), record.EventTypeNormal, "Pulled", "Container image \"busybox\" already present on machine")
	listEvents("default", func(evs []*api.Event) bool {
		for _, x := range evs {
			if x.Reason == "Pulled" && x.Count == 4 {
				return true
			}
		}
		return false
	})
}
