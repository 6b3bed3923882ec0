package apiserver

import (
	"bytes"
	"encoding/json"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"minik8s/pkg/api"
)

// The real kubectl's typed clients ("kubectl create namespace|deployment|
// service ...") send protobuf bodies and do not fall back to JSON. This
// file converts such a body to JSON using the official Kubernetes types;
// the JSON then goes through the same strict decoding as any request.

// protobufMagic starts every Kubernetes protobuf envelope.
var protobufMagic = []byte{0x6b, 0x38, 0x73, 0x00} // "k8s\x00"

// protoMessage is a generated Kubernetes type.
type protoMessage interface{ Unmarshal([]byte) error }

func newProtoObject(info *api.ResourceInfo) (protoMessage, bool) {
	if info.APIVersion() == "autoscaling/v1" && info.Kind == "HorizontalPodAutoscaler" {
		return &autoscalingv1.HorizontalPodAutoscaler{}, true // what `kubectl autoscale` sends
	}
	switch info.Kind {
	case "Namespace":
		return &corev1.Namespace{}, true
	case "Node":
		return &corev1.Node{}, true
	case "Pod":
		return &corev1.Pod{}, true
	case "Service":
		return &corev1.Service{}, true
	case "Endpoints":
		return &corev1.Endpoints{}, true
	case "Event":
		return &corev1.Event{}, true
	case "ConfigMap":
		return &corev1.ConfigMap{}, true
	case "Secret":
		return &corev1.Secret{}, true
	case "ServiceAccount":
		return &corev1.ServiceAccount{}, true
	case "ReplicaSet":
		return &appsv1.ReplicaSet{}, true
	case "Deployment":
		return &appsv1.Deployment{}, true
	case "DaemonSet":
		return &appsv1.DaemonSet{}, true
	case "ControllerRevision":
		return &appsv1.ControllerRevision{}, true
	case "Job":
		return &batchv1.Job{}, true
	case "CronJob":
		return &batchv1.CronJob{}, true
	case "HorizontalPodAutoscaler":
		return &autoscalingv2.HorizontalPodAutoscaler{}, true
	case "Ingress":
		return &networkingv1.Ingress{}, true
	case "IngressClass":
		return &networkingv1.IngressClass{}, true
	case "Role":
		return &rbacv1.Role{}, true
	case "ClusterRole":
		return &rbacv1.ClusterRole{}, true
	case "RoleBinding":
		return &rbacv1.RoleBinding{}, true
	case "ClusterRoleBinding":
		return &rbacv1.ClusterRoleBinding{}, true
	case "SelfSubjectAccessReview":
		return &authorizationv1.SelfSubjectAccessReview{}, true
	case "SubjectAccessReview":
		return &authorizationv1.SubjectAccessReview{}, true
	case "LocalSubjectAccessReview":
		return &authorizationv1.LocalSubjectAccessReview{}, true
	case "SelfSubjectRulesReview":
		return &authorizationv1.SelfSubjectRulesReview{}, true
	}
	return nil, false
}

// protobufToJSON converts a protobuf body of the route's kind to JSON.
func protobufToJSON(info *api.ResourceInfo, body []byte) ([]byte, error) {
	if !bytes.HasPrefix(body, protobufMagic) {
		return nil, errBadRequest("protobuf body without the k8s envelope")
	}
	var unk runtime.Unknown
	if err := unk.Unmarshal(body[len(protobufMagic):]); err != nil {
		return nil, errBadRequest(fmt.Sprintf("invalid protobuf envelope: %v", err))
	}
	if (unk.Kind != "" && unk.Kind != info.Kind) || (unk.APIVersion != "" && unk.APIVersion != info.APIVersion()) {
		return nil, errBadRequest(fmt.Sprintf("the API version in the data (%s) and kind (%s) do not match the resource %s (want %s %s)",
			unk.APIVersion, unk.Kind, info.GroupResource(), info.APIVersion(), info.Kind))
	}
	obj, ok := newProtoObject(info)
	if !ok {
		return nil, errBadRequest(fmt.Sprintf("protobuf is not supported for %s", info.Kind))
	}
	if err := obj.Unmarshal(unk.Raw); err != nil {
		return nil, errBadRequest(fmt.Sprintf("invalid protobuf %s: %v", info.Kind, err))
	}
	j, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("converting protobuf %s to JSON: %w", info.Kind, err)
	}
	// The generated types print empty structs and null timestamps that
	// minik8s does not model; drop them so strict decoding sees only set
	// fields.
	var m any
	if err := json.Unmarshal(j, &m); err != nil {
		return nil, err
	}
	m = pruneEmpty(m)
	if mm, ok := m.(map[string]any); ok {
		mm["apiVersion"], mm["kind"] = info.APIVersion(), info.Kind
	}
	return json.Marshal(m)
}

// keepEmpty are keys whose empty object means something ("emptyDir: {}").
var keepEmpty = map[string]bool{"emptyDir": true}

// pruneEmpty removes nulls, empty objects and empty lists, recursively.
func pruneEmpty(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			p := pruneEmpty(val)
			if isEmptyJSON(p) && !(keepEmpty[k] && p != nil) {
				delete(t, k)
			} else {
				t[k] = p
			}
		}
		return t
	case []any:
		for i := range t {
			t[i] = pruneEmpty(t[i])
		}
		return t
	}
	return v
}

func isEmptyJSON(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case map[string]any:
		return len(t) == 0
	case []any:
		return len(t) == 0
	}
	return false
}

// deleteOptionsFromProtobuf converts a protobuf DeleteOptions body (what
// the real kubectl's typed clients send with DELETE, e.g. `kubectl drain
// --disable-eviction`) to JSON.
func deleteOptionsFromProtobuf(body []byte) ([]byte, error) {
	var unk runtime.Unknown
	if err := unk.Unmarshal(body[len(protobufMagic):]); err != nil {
		return nil, errBadRequest(fmt.Sprintf("invalid protobuf envelope: %v", err))
	}
	var opts metav1.DeleteOptions
	if err := opts.Unmarshal(unk.Raw); err != nil {
		return nil, errBadRequest(fmt.Sprintf("invalid protobuf DeleteOptions: %v", err))
	}
	opts.TypeMeta = metav1.TypeMeta{}
	return json.Marshal(&opts)
}
