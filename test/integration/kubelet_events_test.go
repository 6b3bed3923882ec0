package integration

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"minik8s/kubelet/runtime/fake"
	"minik8s/pkg/api"
)

// fieldPathObj is an object with the field path an event is about.
type fieldPathObj struct {
	api.Object
	fieldPath string
}

func withFieldPath(obj api.Object, fp string) api.Object { return fieldPathObj{obj, fp} }

// eventLog is a fake kubelet.EventRecorder: it keeps every event as
// "Kind/name fieldPath Type Reason: message".
type eventLog struct {
	mu     sync.Mutex
	events []string
}

func (l *eventLog) Eventf(obj api.Object, typ, reason, format string, args ...any) {
	fp := ""
	if f, ok := obj.(fieldPathObj); ok {
		obj, fp = f.Object, f.fieldPath
	}
	kind := obj.GetTypeMeta().Kind
	if kind == "" {
		kind = fmt.Sprintf("%T", obj)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, fmt.Sprintf("%s/%s %s %s %s: %s", kind, obj.GetObjectMeta().Name, fp, typ, reason, fmt.Sprintf(format, args...)))
}

func (l *eventLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.events...)
}

// wait waits for an event starting with prefix.
func (l *eventLog) wait(t *testing.T, prefix string) {
	t.Helper()
	waitUntil(t, 15*time.Second, "event "+prefix, func() (bool, string) {
		for _, e := range l.all() {
			if strings.HasPrefix(e, prefix) {
				return true, ""
			}
		}
		return false, strings.Join(l.all(), "\n")
	})
}

// TestKubeletEvents: the kubelet records Kubernetes' events, with its
// reasons, messages and the container's fieldPath.
func TestKubeletEvents(t *testing.T) {
	h := newKubeletHarness(t)
	h.rec = &eventLog{}
	h.rt.SetBehavior("crash", fake.Behavior{Exit: true, ExitCode: 1})
	h.rt.SetBehavior("hog", fake.Behavior{OOM: true})
	h.rt.SetPullError("docker.io/library/missing:1", errFake("no registry reachable"))
	h.start()
	ctx := context.Background()
	ev := h.rec

	ev.wait(t, "Node/node1  Normal Starting: Starting kubelet.")
	ev.wait(t, "Node/node1  Normal NodeReady: Node node1 status is now: NodeReady")

	evPod := onePod("ev", api.RestartAlways)
	evPod.Spec.Containers[0].ImagePullPolicy = "IfNotPresent"
	h.createPod(evPod)
	h.waitPod("ev", "Running", running)
	app := "Pod/ev spec.containers{app} "
	ev.wait(t, app+`Normal Pulled: Container image "docker.io/minik8s/tools:latest" already present on machine`)
	ev.wait(t, app+"Normal Created: Created container app")
	ev.wait(t, app+"Normal Started: Started container app")

	// A new image: the old container is stopped, the image pulled.
	for i := 0; ; i++ {
		p, err := h.c.Pods("default").Get(ctx, "ev")
		if err != nil {
			t.Fatal(err)
		}
		p.Spec.Containers[0].Image = "docker.io/library/fresh:1"
		if _, err = h.c.Pods("default").Update(ctx, p); err == nil {
			break
		} else if i == 10 {
			t.Fatal(err)
		}
	}
	ev.wait(t, app+"Normal Killing: Container app definition changed, will be restarted")
	ev.wait(t, app+`Normal Pulling: Pulling image "docker.io/library/fresh:1"`)
	ev.wait(t, app+`Normal Pulled: Successfully pulled image "docker.io/library/fresh:1" in `)

	crash := onePod("crash", api.RestartAlways)
	crash.Spec.Containers[0].Name = "crash"
	crash = h.createPod(crash)
	ev.wait(t, fmt.Sprintf("Pod/crash spec.containers{crash} Warning BackOff: Back-off restarting failed container crash in pod crash_default(%s)", crash.UID))

	pull := onePod("pull", api.RestartAlways)
	pull.Spec.Containers[0].Image = "docker.io/library/missing:1"
	h.createPod(pull)
	papp := "Pod/pull spec.containers{app} "
	ev.wait(t, papp+`Normal Pulling: Pulling image "docker.io/library/missing:1"`)
	ev.wait(t, papp+`Warning Failed: Failed to pull image "docker.io/library/missing:1": `)
	ev.wait(t, papp+"Warning Failed: Error: ErrImagePull")
	ev.wait(t, papp+`Normal BackOff: Back-off pulling image "docker.io/library/missing:1"`)
	ev.wait(t, papp+"Warning Failed: Error: ImagePullBackOff")

	hog := onePod("hog", api.RestartNever)
	hog.Spec.Containers[0].Name = "hog"
	h.createPod(hog)
	ev.wait(t, "Node/node1  Warning OOMKilling: Memory cgroup out of memory: killed container hog of pod default/hog")

	if err := h.c.Pods("default").Delete(ctx, "ev", nil); err != nil {
		t.Fatal(err)
	}
	ev.wait(t, app+"Normal Killing: Stopping container app")
}
