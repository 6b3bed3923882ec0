package apiserver

import (
	"context"
	"reflect"
	"testing"
)

func TestAdmissionRecord(t *testing.T) {
	// without a record (internal writes) nothing is kept, nothing panics
	bare := context.Background()
	addWarning(bare, "w")
	addAuditAnnotation(bare, "k", "v")
	if admissionWarnings(bare) != nil || auditAnnotations(bare) != nil {
		t.Fatal("a context without a record kept something")
	}

	ctx := withAdmissionRecord(bare)
	addWarning(ctx, "one")
	addWarning(ctx, "two")
	addWarning(ctx, "one") // a retried update admits again: sent once
	addWarning(ctx, "")
	if got, want := admissionWarnings(ctx), []string{"one", "two"}; !reflect.DeepEqual(got, want) {
		t.Errorf("warnings %q, want %q", got, want)
	}
	if auditAnnotations(ctx) != nil {
		t.Error("annotations before any were added")
	}
	addAuditAnnotation(ctx, "pod-security.kubernetes.io/enforce-policy", "baseline:latest")
	addAuditAnnotation(ctx, "pod-security.kubernetes.io/enforce-policy", "restricted:latest")
	got := auditAnnotations(ctx)
	if want := map[string]string{"pod-security.kubernetes.io/enforce-policy": "restricted:latest"}; !reflect.DeepEqual(got, want) {
		t.Errorf("annotations %v, want %v", got, want)
	}
	got["x"] = "y" // a copy
	if len(auditAnnotations(ctx)) != 1 {
		t.Error("auditAnnotations returned the record's own map")
	}
}
