package apiserver

import (
	"net/http"
	"slices"
	"strconv"

	"minik8s/apiserver/request"
	"minik8s/pkg/api"
	"minik8s/pkg/auth/user"
)

// retryAfterSeconds is what a 429 asks the client to wait, as Kubernetes'
// maxinflight filter ("1").
const retryAfterSeconds = 1

// isMutating is Kubernetes' maxinflight split: everything but get, list
// and watch counts against the mutating limit.
func isMutating(info *request.RequestInfo) bool {
	switch info.Verb {
	case "get", "list", "watch":
		return false
	}
	return true
}

// inflightLimiter is Kubernetes' WithMaxInFlightLimit: at most so many
// non-mutating and so many mutating requests at once; beyond, 429 with
// Retry-After. A nil channel is no limit.
type inflightLimiter struct {
	readOnly, mutating chan struct{}
}

func newInflightLimiter(readOnly, mutating int) *inflightLimiter {
	l := &inflightLimiter{}
	if readOnly > 0 {
		l.readOnly = make(chan struct{}, readOnly)
	}
	if mutating > 0 {
		l.mutating = make(chan struct{}, mutating)
	}
	return l
}

// admit takes a slot for the request; release gives it back. ok false: the
// limit is reached and the request must be answered 429. Long-running
// requests are not counted; members of system:masters are served even over
// the limit ("a super-admin or a loopback connection"), as Kubernetes does.
func (l *inflightLimiter) admit(info *request.RequestInfo, u *user.Info) (release func(), ok bool) {
	if l == nil { // a Server not made by NewServer (tests)
		return func() {}, true
	}
	c := l.readOnly
	if isMutating(info) {
		c = l.mutating
	}
	if c == nil || isLongRunning(info) {
		return func() {}, true
	}
	select {
	case c <- struct{}{}:
		return func() { <-c }, true
	default:
	}
	if u != nil && slices.Contains(u.Groups, user.SystemPrivilegedGroup) {
		return func() {}, true
	}
	return nil, false
}

// InflightRequests is the number of non-mutating and mutating requests
// holding a slot now (tests and the bench).
func (s *Server) InflightRequests() (readOnly, mutating int) {
	if s.inflight == nil {
		return 0, 0
	}
	return len(s.inflight.readOnly), len(s.inflight.mutating)
}

// errTooManyRequests is the answer over the limit: 429, Retry-After: 1,
// and Kubernetes' message, as a Status with reason TooManyRequests.
func errTooManyRequests() *statusError {
	return newStatusError(http.StatusTooManyRequests, "TooManyRequests", "Too many requests, please try again later.",
		&api.StatusDetails{RetryAfterSeconds: retryAfterSeconds})
}

// writeTooManyRequests answers a request over the in-flight limit.
func writeTooManyRequests(w http.ResponseWriter) {
	w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds))
	writeError(w, errTooManyRequests())
}
