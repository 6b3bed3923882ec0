package storage

import (
	"errors"
	"fmt"
	"testing"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
)

// TestWriteErrorTooLarge: etcd's and gRPC's size refusals are ErrTooLarge;
// other failures are not.
func TestWriteErrorTooLarge(t *testing.T) {
	cases := []struct {
		err  error
		want bool
	}{
		{rpctypes.ErrRequestTooLarge, true},
		{errors.New("rpc error: code = ResourceExhausted desc = trying to send message larger than max (2098096 vs. 2097152)"), true},
		{errors.New("rpc error: code = ResourceExhausted desc = grpc: received message larger than max (3145771 vs. 2097152)"), true},
		{rpctypes.ErrTooManyRequests, false},
		{errors.New("context deadline exceeded"), false},
	}
	for _, c := range cases {
		err := writeError("update", "/registry/pods/default/p", c.err)
		if got := errors.Is(err, ErrTooLarge); got != c.want {
			t.Errorf("%v: ErrTooLarge %v, want %v", c.err, got, c.want)
		}
		if !errors.Is(err, c.err) {
			t.Errorf("%v: the cause is lost: %v", c.err, err)
		}
	}
	if err := writeError("create", "k", fmt.Errorf("x")); err.Error() != "etcd create k: x" {
		t.Errorf("got %q", err)
	}
}
