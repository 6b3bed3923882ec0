package validation

import "testing"

// Texts as Kubernetes' field.Error.Error/ErrorBody and
// field.ErrorList.ToAggregate print them.
func TestFieldErrorTexts(t *testing.T) {
	tests := []struct {
		name       string
		err        *FieldError
		body, full string
	}{
		{"invalid int32", Invalid("spec.ports[0].nodePort", int32(30480), "provided port is already allocated"),
			"Invalid value: 30480: provided port is already allocated",
			"spec.ports[0].nodePort: Invalid value: 30480: provided port is already allocated"},
		{"invalid string slice", Invalid("spec.clusterIPs", []string{"10.96.0.5"}, "failed to allocate IP 10.96.0.5: provided IP is already allocated"),
			`Invalid value: []string{"10.96.0.5"}: failed to allocate IP 10.96.0.5: provided IP is already allocated`,
			`spec.clusterIPs: Invalid value: []string{"10.96.0.5"}: failed to allocate IP 10.96.0.5: provided IP is already allocated`},
		{"required with detail", Required("metadata.name", "name or generateName is required"),
			"Required value: name or generateName is required",
			"metadata.name: Required value: name or generateName is required"},
		{"required bare", Required("target.name", ""), "Required value", "target.name: Required value"},
		{"invalid nil", Invalid("x", nil, "bad"), "Invalid value: null: bad", "x: Invalid value: null: bad"},
		{"forbidden", Forbidden("spec.x", "may not be set"), "Forbidden: may not be set", "spec.x: Forbidden: may not be set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.ErrorBody(); got != tt.body {
				t.Errorf("ErrorBody() = %q, want %q", got, tt.body)
			}
			if got := tt.err.Error(); got != tt.full {
				t.Errorf("Error() = %q, want %q", got, tt.full)
			}
		})
	}
}

func TestErrorListAggregate(t *testing.T) {
	a := Invalid("a", 1, "x")
	b := Required("b", "")
	tests := []struct {
		list ErrorList
		want string
	}{
		{ErrorList{a}, "a: Invalid value: 1: x"},
		{ErrorList{a, b}, "[a: Invalid value: 1: x, b: Required value]"},
		{ErrorList{a, a}, "a: Invalid value: 1: x"}, // repeated messages once
		{ErrorList{a, b, Invalid("a", 1, "x")}, "[a: Invalid value: 1: x, b: Required value]"},
	}
	for _, tt := range tests {
		if got := tt.list.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}
