package apiserver

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"minik8s/pkg/api"
	"minik8s/pkg/api/decode"
)

func TestProtobufToJSON(t *testing.T) {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Labels: map[string]string{"a": "b"}},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "c", Image: "busybox"}},
			Volumes:    []corev1.Volume{{Name: "v", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
		},
	}
	raw, err := pod.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	unk := runtime.Unknown{TypeMeta: runtime.TypeMeta{APIVersion: "v1", Kind: "Pod"}, Raw: raw}
	env, err := unk.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	info, _ := api.ForResource("", "v1", "pods")
	j, err := protobufToJSON(info, append(append([]byte{}, protobufMagic...), env...))
	if err != nil {
		t.Fatal(err)
	}
	var got api.Pod
	if err := decode.DecodeInto(j, &got); err != nil {
		t.Fatalf("strict decode of %s: %v", j, err)
	}
	if got.Kind != "Pod" || got.Name != "p" || got.Labels["a"] != "b" || got.Spec.Containers[0].Image != "busybox" ||
		len(got.Spec.Volumes) != 1 || got.Spec.Volumes[0].EmptyDir == nil {
		t.Errorf("converted pod: %s", j)
	}
	if strings.Contains(string(j), "null") {
		t.Errorf("nulls left: %s", j)
	}
	svcInfo, _ := api.ForResource("", "v1", "services")
	if _, err := protobufToJSON(svcInfo, append(append([]byte{}, protobufMagic...), env...)); err == nil {
		t.Error("a Pod body for services was accepted")
	}
	if _, err := protobufToJSON(info, []byte(`{"kind":"Pod"}`)); err == nil {
		t.Error("a body without the envelope was accepted")
	}
}
