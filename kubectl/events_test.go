package kubectl

import (
	"strings"
	"testing"
	"time"

	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
)

func TestEventsCommandAndDescribeEvents(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	ts := testserver.Start(t)
	s := ts.URL
	c, err := newTestClient(s)
	if err != nil {
		t.Fatal(err)
	}
	mustRun(t, s, "apply", "-f", writeFile(t, t.TempDir(), "pod.yaml", podYAML))
	pod, err := c.Pods("default").Get(t.Context(), "web")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ago := func(d time.Duration) api.Time { return api.NewTime(now.Add(-d)) }
	ref := api.ObjectReference{Kind: "Pod", Namespace: "default", Name: "web", UID: pod.UID, APIVersion: "v1"}
	for _, e := range []*api.Event{
		{ObjectMeta: api.ObjectMeta{Name: "a"}, InvolvedObject: ref, Type: "Warning", Reason: "BackOff", Message: "back-off",
			FirstTimestamp: ago(30 * time.Minute), LastTimestamp: ago(12 * time.Minute), Count: 4, Source: api.EventSource{Component: "kubelet"}},
		{ObjectMeta: api.ObjectMeta{Name: "b"}, InvolvedObject: ref, Type: "Normal", Reason: "Scheduled", Message: "assigned",
			FirstTimestamp: ago(40 * time.Minute), LastTimestamp: ago(40 * time.Minute), Count: 1, Source: api.EventSource{Component: "default-scheduler"}},
		{ObjectMeta: api.ObjectMeta{Name: "c"}, InvolvedObject: api.ObjectReference{Kind: "Pod", Namespace: "default", Name: "web", UID: "old"},
			Type: "Normal", Reason: "Started", Message: "old pod", FirstTimestamp: ago(50 * time.Minute), LastTimestamp: ago(50 * time.Minute), Count: 1},
	} {
		e.TypeMeta = api.TypeMeta{APIVersion: "v1", Kind: "Event"}
		if _, err := c.Events("default").Create(t.Context(), e); err != nil {
			t.Fatal(err)
		}
	}

	want := "LAST SEEN           TYPE      REASON      OBJECT    MESSAGE\n" +
		"50m                 Normal    Started     Pod/web   old pod\n" +
		"40m                 Normal    Scheduled   Pod/web   assigned\n" +
		"12m (x4 over 30m)   Warning   BackOff     Pod/web   back-off\n"
	if got := mustRun(t, s, "events"); got != want {
		t.Fatalf("kubectl events\n got %q\nwant %q", got, want)
	}
	if got := mustRun(t, s, "events", "--types=Warning", "--no-headers"); !strings.HasPrefix(got, "12m (x4 over 30m)") || strings.Count(got, "\n") != 1 {
		t.Fatalf("kubectl events --types=Warning: %q", got)
	}
	_, errOut, err := run(t, s, "", "events", "-n", "kube-system")
	if err != nil || errOut != "No events found in kube-system namespace.\n" {
		t.Fatalf("no events: %v %q", err, errOut)
	}

	// describe lists this pod's events only (not the old pod's), by lastTimestamp.
	out := mustRun(t, s, "describe", "pod", "web")
	_, section, _ := strings.Cut(out, "Events:\n")
	if !strings.Contains(section, "Scheduled") || !strings.Contains(section, "12m (x4 over 30m)") || strings.Contains(section, "old pod") ||
		strings.Index(section, "Scheduled") > strings.Index(section, "BackOff") {
		t.Fatalf("describe pod events:\n%s", out)
	}
	if out := mustRun(t, s, "describe", "pod", "web", "--show-events=false"); strings.Contains(out, "Events:") {
		t.Fatalf("--show-events=false printed events:\n%s", out)
	}
	// get events --sort-by
	if got := mustRun(t, s, "get", "events", "--sort-by=.lastTimestamp", "-o", "name"); got != "event/c\nevent/b\nevent/a\n" {
		t.Fatalf("get events --sort-by: %q", got)
	}
}
