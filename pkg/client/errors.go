package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"minik8s/pkg/api"
)

// Status reasons, as Kubernetes names them.
const (
	ReasonNotFound           = "NotFound"
	ReasonAlreadyExists      = "AlreadyExists"
	ReasonConflict           = "Conflict"
	ReasonGone               = "Gone"
	ReasonExpired            = "Expired"
	ReasonInvalid            = "Invalid"
	ReasonBadRequest         = "BadRequest"
	ReasonMethodNotAllowed   = "MethodNotAllowed"
	ReasonUnsupportedMedia   = "UnsupportedMediaType"
	ReasonTimeout            = "Timeout"
	ReasonInternalError      = "InternalError"
	ReasonServiceUnavailable = "ServiceUnavailable"
)

// StatusError is an error response of the apiserver: the api.Status it sent.
type StatusError struct {
	Status api.Status
}

func (e *StatusError) Error() string {
	if e.Status.Message != "" {
		return e.Status.Message
	}
	return fmt.Sprintf("the server responded with status %d (%s)", e.Status.Code, e.Status.Reason)
}

// NewStatusError builds the error of a response from its HTTP code and body:
// the body's Status when it is one, otherwise a Status made from the code.
func NewStatusError(code int, body []byte) *StatusError {
	var st api.Status
	if err := json.Unmarshal(body, &st); err == nil && st.Kind == "Status" {
		if st.Code == 0 {
			st.Code = int32(code)
		}
		if st.Reason == "" {
			st.Reason = reasonForCode(int(st.Code))
		}
		return &StatusError{Status: st}
	}
	msg := strings.TrimSpace(string(body))
	if msg == "" {
		msg = fmt.Sprintf("the server responded with status %d %s", code, http.StatusText(code))
	}
	return &StatusError{Status: api.Status{
		TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Status"},
		Status:   "Failure", Message: msg, Reason: reasonForCode(code), Code: int32(code),
	}}
}

func reasonForCode(code int) string {
	switch code {
	case http.StatusNotFound:
		return ReasonNotFound
	case http.StatusConflict:
		return ReasonConflict
	case http.StatusGone:
		return ReasonGone
	case http.StatusUnprocessableEntity:
		return ReasonInvalid
	case http.StatusBadRequest:
		return ReasonBadRequest
	case http.StatusMethodNotAllowed:
		return ReasonMethodNotAllowed
	case http.StatusUnsupportedMediaType:
		return ReasonUnsupportedMedia
	case http.StatusGatewayTimeout:
		return ReasonTimeout
	case http.StatusServiceUnavailable:
		return ReasonServiceUnavailable
	case http.StatusInternalServerError:
		return ReasonInternalError
	}
	return ""
}

// AsStatus returns the Status of a StatusError anywhere in err's chain.
func AsStatus(err error) (*api.Status, bool) {
	var se *StatusError
	if errors.As(err, &se) {
		return &se.Status, true
	}
	return nil, false
}

// ReasonForError is the Status reason of err ("" when err is not a StatusError).
func ReasonForError(err error) string {
	if st, ok := AsStatus(err); ok {
		return st.Reason
	}
	return ""
}

func hasReasonOrCode(err error, reason string, code int) bool {
	st, ok := AsStatus(err)
	if !ok {
		return false
	}
	if st.Reason != "" {
		return st.Reason == reason
	}
	return int(st.Code) == code
}

// IsNotFound reports a 404 NotFound.
func IsNotFound(err error) bool { return hasReasonOrCode(err, ReasonNotFound, http.StatusNotFound) }

// IsAlreadyExists reports a 409 AlreadyExists.
func IsAlreadyExists(err error) bool { return ReasonForError(err) == ReasonAlreadyExists }

// IsConflict reports a 409 Conflict (a stale resourceVersion).
func IsConflict(err error) bool { return hasReasonOrCode(err, ReasonConflict, http.StatusConflict) }

// IsInvalid reports a 422 Invalid.
func IsInvalid(err error) bool {
	return hasReasonOrCode(err, ReasonInvalid, http.StatusUnprocessableEntity)
}

// IsGone reports a 410: the requested resourceVersion was compacted
// (reason Gone or Expired), so the caller must list again.
func IsGone(err error) bool {
	st, ok := AsStatus(err)
	return ok && (st.Code == http.StatusGone || st.Reason == ReasonGone || st.Reason == ReasonExpired)
}
