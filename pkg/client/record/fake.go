package record

import (
	"fmt"

	"minik8s/pkg/api"
)

// FakeRecorder is the EventRecorder for tests, as client-go's: each event
// is sent to Events as "<type> <reason> <message>" (e.g. "Normal Pulled
// pulled image"). A nil Events drops them; like client-go's, a full channel
// blocks the caller, so size it for the test.
type FakeRecorder struct {
	Events chan string
}

var _ EventRecorder = (*FakeRecorder)(nil)

// NewFakeRecorder returns a FakeRecorder buffering n events.
func NewFakeRecorder(n int) *FakeRecorder {
	return &FakeRecorder{Events: make(chan string, n)}
}

// Event implements EventRecorder.
func (f *FakeRecorder) Event(object api.Object, eventType, reason, message string) {
	if f.Events != nil {
		f.Events <- eventType + " " + reason + " " + message
	}
}

// Eventf implements EventRecorder.
func (f *FakeRecorder) Eventf(object api.Object, eventType, reason, messageFmt string, args ...any) {
	f.Event(object, eventType, reason, fmt.Sprintf(messageFmt, args...))
}
