package apiserver

import (
	"context"
	"sync"
)

// admissionRecord is what admission says about one request besides its
// verdict: the Warning headers for the client and the annotations for the
// audit event, as Kubernetes' warning.AddWarning and
// audit.AddAuditAnnotation. The request filters put one in every request's
// context (withAdmissionRecord); the handlers send the warnings and the
// audit log reads the annotations (auditAnnotations).
type admissionRecord struct {
	mu          sync.Mutex
	warnings    []string
	annotations map[string]string
}

type admissionRecordKey struct{}

// withAdmissionRecord returns ctx with an empty record.
func withAdmissionRecord(ctx context.Context) context.Context {
	return context.WithValue(ctx, admissionRecordKey{}, &admissionRecord{})
}

func admissionRecordOf(ctx context.Context) *admissionRecord {
	r, _ := ctx.Value(admissionRecordKey{}).(*admissionRecord)
	return r
}

// addWarning records a warning for the client; the same text twice is
// sent once (an update retried on a conflict admits the object again).
// Without a record in ctx (internal writes) it is dropped.
func addWarning(ctx context.Context, msg string) {
	r := admissionRecordOf(ctx)
	if r == nil || msg == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, w := range r.warnings {
		if w == msg {
			return
		}
	}
	r.warnings = append(r.warnings, msg)
}

// admissionWarnings are the warnings recorded so far.
func admissionWarnings(ctx context.Context) []string {
	r := admissionRecordOf(ctx)
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.warnings...)
}

// addAuditAnnotation records an annotation for the request's audit event
// (key already prefixed, "pod-security.kubernetes.io/enforce-policy").
func addAuditAnnotation(ctx context.Context, key, value string) {
	r := admissionRecordOf(ctx)
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.annotations == nil {
		r.annotations = map[string]string{}
	}
	r.annotations[key] = value
}

// auditAnnotations are the annotations recorded so far (nil: none), for
// the audit log's event of the request.
func auditAnnotations(ctx context.Context) map[string]string {
	r := admissionRecordOf(ctx)
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.annotations) == 0 {
		return nil
	}
	out := make(map[string]string, len(r.annotations))
	for k, v := range r.annotations {
		out[k] = v
	}
	return out
}
