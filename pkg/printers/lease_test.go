package printers

import (
	"testing"
	"time"

	"minik8s/pkg/api"
)

func TestPrintLease(t *testing.T) {
	holder := "node1_1234"
	l := &api.Lease{ObjectMeta: api.ObjectMeta{Name: "kube-scheduler", Namespace: "kube-system", CreationTimestamp: ago(5 * time.Minute)},
		Spec: api.LeaseSpec{HolderIdentity: &holder}}
	free := &api.Lease{ObjectMeta: api.ObjectMeta{Name: "free", Namespace: "kube-system", CreationTimestamp: ago(time.Hour)}}
	got := printed(t, "Lease", []api.Object{l, free}, PrintOptions{})
	want := lines(
		"NAME             HOLDER       AGE",
		"kube-scheduler   node1_1234   5m",
		"free                          60m",
	)
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}
