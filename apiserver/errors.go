package apiserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"minik8s/pkg/api"
	"minik8s/pkg/api/validation"
)

// Status reasons, as Kubernetes spells them.
const (
	reasonNotFound         = "NotFound"
	reasonAlreadyExists    = "AlreadyExists"
	reasonConflict         = "Conflict"
	reasonInvalid          = "Invalid"
	reasonBadRequest       = "BadRequest"
	reasonGone             = "Gone"
	reasonMethodNotAllowed = "MethodNotAllowed"
	reasonUnsupportedMedia = "UnsupportedMediaType"
	reasonTooLarge         = "RequestEntityTooLarge"
	reasonTimeout          = "Timeout"
	reasonForbidden        = "Forbidden"
	reasonInternal         = "InternalError"
	reasonNotAcceptable    = "NotAcceptable"
)

// statusError is an error that is answered with an api.Status body.
type statusError struct {
	status api.Status
}

func (e *statusError) Error() string { return e.status.Message }

func newStatusError(code int, reason, msg string, details *api.StatusDetails) *statusError {
	return &statusError{status: api.Status{
		TypeMeta: api.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   "Failure",
		Message:  msg,
		Reason:   reason,
		Details:  details,
		Code:     int32(code),
	}}
}

func details(info *api.ResourceInfo, name string) *api.StatusDetails {
	if info == nil {
		return nil
	}
	return &api.StatusDetails{Name: name, Group: info.Group, Kind: info.Resource}
}

func errNotFound(info *api.ResourceInfo, name string) *statusError {
	return newStatusError(http.StatusNotFound, reasonNotFound,
		fmt.Sprintf("%s %q not found", info.GroupResource(), name), details(info, name))
}

func errNamespaceNotFound(ns string) *statusError {
	nsInfo, _ := api.ForResource("", "v1", "namespaces")
	return errNotFound(nsInfo, ns)
}

func errAlreadyExists(info *api.ResourceInfo, name string) *statusError {
	return newStatusError(http.StatusConflict, reasonAlreadyExists,
		fmt.Sprintf("%s %q already exists", info.GroupResource(), name), details(info, name))
}

func errConflict(info *api.ResourceInfo, name, why string) *statusError {
	return newStatusError(http.StatusConflict, reasonConflict,
		fmt.Sprintf("Operation cannot be fulfilled on %s %q: %s", info.GroupResource(), name, why), details(info, name))
}

const staleMessage = "the object has been modified; please apply your changes to the latest version and try again"

func errBadRequest(msg string) *statusError {
	return newStatusError(http.StatusBadRequest, reasonBadRequest, msg, nil)
}

// errInvalid is Kubernetes' apierrors.NewInvalid: the message names the
// qualified kind ("Deployment.apps") and aggregates the errors; each cause
// carries the field and the error body without the field, so clients that
// print "field: message" (kubectl) show the path once.
func errInvalid(info *api.ResourceInfo, name string, errs validation.ErrorList) *statusError {
	d := details(info, name)
	d.Kind = info.Kind
	for _, e := range errs {
		d.Causes = append(d.Causes, api.StatusCause{Type: e.Type, Message: e.ErrorBody(), Field: e.Field})
	}
	msg := fmt.Sprintf("%s %q is invalid", qualifiedKind(info), name)
	if len(errs) > 0 {
		msg += ": " + errs.Error()
	}
	return newStatusError(http.StatusUnprocessableEntity, reasonInvalid, msg, d)
}

// qualifiedKind is schema.GroupKind.String(): "Service", "Deployment.apps".
func qualifiedKind(info *api.ResourceInfo) string {
	if info.Group == "" {
		return info.Kind
	}
	return info.Kind + "." + info.Group
}

func errMethodNotAllowed(method, what string) *statusError {
	return newStatusError(http.StatusMethodNotAllowed, reasonMethodNotAllowed,
		fmt.Sprintf("the server does not allow this method on the requested resource (%s %s)", method, what), nil)
}

func errNoResource() *statusError {
	return newStatusError(http.StatusNotFound, reasonNotFound, "the server could not find the requested resource", nil)
}

func errForbidden(info *api.ResourceInfo, name, why string) *statusError {
	return newStatusError(http.StatusForbidden, reasonForbidden,
		fmt.Sprintf("%s %q is forbidden: %s", info.GroupResource(), name, why), details(info, name))
}

func errGone(msg string) *statusError {
	return newStatusError(http.StatusGone, reasonGone, msg, nil)
}

// errTooLarge is Kubernetes' NewRequestEntityTooLargeError: 413.
func errTooLarge(msg string) *statusError {
	return newStatusError(http.StatusRequestEntityTooLarge, reasonTooLarge, "Request entity too large: "+msg, nil)
}

func errInternal(err error) *statusError {
	return newStatusError(http.StatusInternalServerError, reasonInternal,
		fmt.Sprintf("Internal error occurred: %v", err), nil)
}

// asStatus turns any error into a statusError (unknown errors are 500).
func asStatus(err error) *statusError {
	if se, ok := err.(*statusError); ok {
		return se
	}
	return errInternal(err)
}

// writeJSON writes v with code.
func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		code = http.StatusInternalServerError
		b, _ = json.Marshal(errInternal(err).status)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(b)
	w.Write([]byte("\n"))
}

// writeError answers err as a Status.
func writeError(w http.ResponseWriter, err error) {
	se := asStatus(err)
	if d := se.status.Details; d != nil && d.RetryAfterSeconds > 0 { // as Kubernetes' ErrorNegotiated
		w.Header().Set("Retry-After", strconv.Itoa(int(d.RetryAfterSeconds)))
	}
	writeJSON(w, int(se.status.Code), se.status)
}
