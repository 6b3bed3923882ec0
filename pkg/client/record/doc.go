// Package record owns the event recorder: components report what happened
// to an object (Event, Eventf) and the recorder writes core/v1 Events to the
// apiserver asynchronously, so a caller never blocks on the network. As
// client-go's tools/record, it correlates events before writing them:
//   - a repeat of the same event (object, type, reason, message, source)
//     PATCHes count and lastTimestamp of the event already written instead of
//     creating a new one;
//   - many similar events (same object, type and reason, different messages)
//     are aggregated into one "(combined from similar events): ..." event;
//   - a token bucket per source and object drops a flood (spam filter).
//
// FakeRecorder is the recorder for unit tests.
package record
