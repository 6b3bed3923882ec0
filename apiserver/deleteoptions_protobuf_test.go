package apiserver

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// TestDeleteOptionsFromProtobuf: the real kubectl's typed DELETE body
// (protobuf DeleteOptions in the k8s envelope) becomes the same JSON.
func TestDeleteOptionsFromProtobuf(t *testing.T) {
	grace := int64(0)
	policy := metav1.DeletePropagationForeground
	raw, err := (&metav1.DeleteOptions{GracePeriodSeconds: &grace, PropagationPolicy: &policy, DryRun: []string{"All"}}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	env, err := (&runtime.Unknown{TypeMeta: runtime.TypeMeta{APIVersion: "v1", Kind: "DeleteOptions"}, Raw: raw}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := deleteOptionsFromProtobuf(append(append([]byte{}, protobufMagic...), env...))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"gracePeriodSeconds":0,"propagationPolicy":"Foreground","dryRun":["All"]}`; string(got) != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	if _, err := deleteOptionsFromProtobuf(append(append([]byte{}, protobufMagic...), 0xff, 0xff)); err == nil {
		t.Fatal("a broken envelope must be refused")
	}
}
