package decode

import (
	"reflect"
	"strings"
	"testing"

	"minik8s/pkg/api"
)

func TestDecodeFields(t *testing.T) {
	podInfo, _ := api.ForResource("", "v1", "pods")
	tests := []struct {
		name            string
		doc             string
		unknown, unsupp []string
		err             string
		wantImage       string
	}{
		{"clean", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"},"spec":{"containers":[{"name":"c","image":"i"}]}}`, nil, nil, "", "i"},
		{"unknown dropped", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"},"spec":{"foo":1,"containers":[{"name":"c","image":"i","imagee":"x"}]}}`,
			[]string{"spec.containers[0].imagee", "spec.foo"}, nil, "", "i"},
		{"kubernetes field minik8s lacks", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"},"spec":{"containers":[{"name":"c","image":"i","resizePolicy":[]}]}}`,
			nil, []string{"spec.containers[0].resizePolicy"}, "", "i"},
		{"wrong type is an error", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"},"spec":{"containers":[{"name":"c","image":1}]}}`,
			nil, nil, "spec.containers[0].image: expected string", ""},
	}
	for _, tt := range tests {
		var p api.Pod
		fp, err := DecodeFields([]byte(tt.doc), podInfo, &p)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: err %v, want %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !reflect.DeepEqual(fp.Unknown, tt.unknown) || !reflect.DeepEqual(fp.Unsupported, tt.unsupp) {
			t.Errorf("%s: unknown %q unsupported %q, want %q %q", tt.name, fp.Unknown, fp.Unsupported, tt.unknown, tt.unsupp)
		}
		if p.Spec.Containers[0].Image != tt.wantImage {
			t.Errorf("%s: image %q", tt.name, p.Spec.Containers[0].Image)
		}
	}
}

func TestHasPath(t *testing.T) {
	pod := kubernetesTypes["v1/Pod"]
	for path, want := range map[string]bool{
		"spec.containers[0].lifecycle":       true,
		"spec.containers[0].lifecyle":        false,
		"metadata.managedFields[1].manager":  true,
		"spec.nodeSelector.anykey":           true,
		"spec.foo":                           false,
		"status.conditions[0].reason":        true,
		"spec.containers[0].ports[0].protoc": false,
	} {
		if got := hasPath(pod, path); got != want {
			t.Errorf("hasPath(Pod, %s) = %v, want %v", path, got, want)
		}
	}
}
