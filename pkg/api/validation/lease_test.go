package validation

import (
	"testing"

	"minik8s/pkg/api"
)

func TestValidateLease(t *testing.T) {
	i32 := func(v int32) *int32 { return &v }
	ok := &api.Lease{ObjectMeta: api.ObjectMeta{Name: "kube-scheduler"}, Spec: api.LeaseSpec{LeaseDurationSeconds: i32(15), LeaseTransitions: i32(0)}}
	if errs := Validate(ok); len(errs) != 0 {
		t.Errorf("valid lease: %v", errs)
	}
	bad := &api.Lease{ObjectMeta: api.ObjectMeta{Name: "l"}, Spec: api.LeaseSpec{LeaseDurationSeconds: i32(0), LeaseTransitions: i32(-1)}}
	errs := Validate(bad)
	want := []string{
		"spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0",
		"spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0",
	}
	if len(errs) != len(want) {
		t.Fatalf("errors %v, want %v", errs, want)
	}
	for i, e := range errs {
		if e.Error() != want[i] {
			t.Errorf("error %d = %q, want %q", i, e.Error(), want[i])
		}
	}
}
