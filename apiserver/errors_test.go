package apiserver

import (
	"testing"

	"minik8s/pkg/api"
	"minik8s/pkg/api/validation"
)

// errInvalid builds what Kubernetes' apierrors.NewInvalid does: the path
// once in the message and in each cause's field, never in its message.
func TestErrInvalidStatus(t *testing.T) {
	svcs, _ := api.ForResource("", "v1", "services")
	deps, _ := api.ForResource("apps", "v1", "deployments")
	se := errInvalid(svcs, "x", validation.ErrorList{validation.Invalid("spec.ports[0].nodePort", int32(30480), "provided port is already allocated")})
	st := se.status
	if want := `Service "x" is invalid: spec.ports[0].nodePort: Invalid value: 30480: provided port is already allocated`; st.Message != want {
		t.Errorf("message = %q, want %q", st.Message, want)
	}
	if st.Code != 422 || st.Reason != "Invalid" {
		t.Errorf("code/reason = %d %s", st.Code, st.Reason)
	}
	want := api.StatusCause{Type: "FieldValueInvalid", Message: "Invalid value: 30480: provided port is already allocated", Field: "spec.ports[0].nodePort"}
	if st.Details == nil || len(st.Details.Causes) != 1 || st.Details.Causes[0] != want {
		t.Fatalf("details = %+v, want one cause %+v", st.Details, want)
	}
	if st.Details.Kind != "Service" || st.Details.Name != "x" || st.Details.Group != "" {
		t.Errorf("details = %+v", st.Details)
	}

	se = errInvalid(deps, "d", validation.ErrorList{validation.Invalid("spec.replicas", int32(-1), "must be greater than or equal to 0"),
		validation.Required("spec.selector", "")})
	if want := `Deployment.apps "d" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, spec.selector: Required value]`; se.status.Message != want {
		t.Errorf("message = %q, want %q", se.status.Message, want)
	}
	if se.status.Details.Kind != "Deployment" || se.status.Details.Group != "apps" {
		t.Errorf("details = %+v", se.status.Details)
	}
}
