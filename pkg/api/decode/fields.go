package decode

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"minik8s/pkg/api"
)

// Field validation as the apiserver does it (Kubernetes' fieldValidation
// parameter: Strict, Warn, Ignore): a field missing from the minik8s type
// is either unknown to Kubernetes as well (an error only when strict,
// else dropped) or a field Kubernetes has and minik8s does not implement
// (always refused: silently dropping it would change what the object
// means). The Kubernetes types of k8s.io/api tell the two apart.

// FieldProblems are the fields of a document that its minik8s type lacks.
type FieldProblems struct {
	Unknown     []string // unknown to Kubernetes too: "spec.foo"
	Unsupported []string // known to Kubernetes, not implemented by minik8s
}

// kubernetesTypes are the k8s.io/api types of the kinds minik8s serves
// (and of those it is about to), by apiVersion and kind.
var kubernetesTypes = map[string]reflect.Type{
	"v1/Namespace":                           reflect.TypeFor[corev1.Namespace](),
	"v1/Node":                                reflect.TypeFor[corev1.Node](),
	"v1/Pod":                                 reflect.TypeFor[corev1.Pod](),
	"v1/Service":                             reflect.TypeFor[corev1.Service](),
	"v1/Endpoints":                           reflect.TypeFor[corev1.Endpoints](),
	"v1/Event":                               reflect.TypeFor[corev1.Event](),
	"v1/ConfigMap":                           reflect.TypeFor[corev1.ConfigMap](),
	"v1/Secret":                              reflect.TypeFor[corev1.Secret](),
	"v1/ServiceAccount":                      reflect.TypeFor[corev1.ServiceAccount](),
	"apps/v1/ReplicaSet":                     reflect.TypeFor[appsv1.ReplicaSet](),
	"apps/v1/Deployment":                     reflect.TypeFor[appsv1.Deployment](),
	"apps/v1/DaemonSet":                      reflect.TypeFor[appsv1.DaemonSet](),
	"apps/v1/StatefulSet":                    reflect.TypeFor[appsv1.StatefulSet](),
	"autoscaling/v1/HorizontalPodAutoscaler": reflect.TypeFor[autoscalingv1.HorizontalPodAutoscaler](),
	"autoscaling/v2/HorizontalPodAutoscaler": reflect.TypeFor[autoscalingv2.HorizontalPodAutoscaler](),
	"batch/v1/Job":                           reflect.TypeFor[batchv1.Job](),
	"coordination.k8s.io/v1/Lease":           reflect.TypeFor[coordinationv1.Lease](),
	"discovery.k8s.io/v1/EndpointSlice":      reflect.TypeFor[discoveryv1.EndpointSlice](),
	"networking.k8s.io/v1/Ingress":           reflect.TypeFor[networkingv1.Ingress](),
}

// DecodeFields decodes one JSON or YAML document into obj without failing
// on fields its type lacks: they are dropped and returned, sorted into
// unknown and unsupported by the Kubernetes type of info. A value of the
// wrong type is still an error naming its path, as DecodeInto's.
func DecodeFields(data []byte, info *api.ResourceInfo, obj api.Object) (FieldProblems, error) {
	j, err := toJSON(data)
	if err != nil {
		return FieldProblems{}, err
	}
	generic, err := decodeGeneric(j)
	if err != nil {
		return FieldProblems{}, err
	}
	var fp FieldProblems
	if err := checkStrict(generic, obj); err != nil {
		se, ok := err.(*StrictError)
		if !ok {
			return FieldProblems{}, err
		}
		var rest []*PathError
		k8s := kubernetesTypes[info.APIVersion()+"/"+info.Kind]
		for _, pe := range se.Errors {
			switch {
			case pe.Detail != "unknown field":
				rest = append(rest, pe)
			case k8s != nil && hasPath(k8s, pe.Path):
				fp.Unsupported = append(fp.Unsupported, pe.Path)
			default:
				fp.Unknown = append(fp.Unknown, pe.Path)
			}
		}
		if len(rest) > 0 {
			return FieldProblems{}, &StrictError{Errors: rest}
		}
	}
	if err := json.Unmarshal(j, obj); err != nil {
		return FieldProblems{}, fmt.Errorf("decoding %T: %w", obj, err)
	}
	return fp, nil
}

// hasPath says whether a field path (spec.containers[0].lifecycle) exists
// in type t, by JSON names.
func hasPath(t reflect.Type, path string) bool {
	for _, seg := range splitPath(path) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch {
		case seg == "[]":
			if t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
				return false
			}
			t = t.Elem()
		case t.Kind() == reflect.Map:
			t = t.Elem()
		case t.Kind() == reflect.Struct:
			ft, ok := structFields(t)[seg]
			if !ok {
				return false
			}
			t = ft
		default:
			return false
		}
	}
	return true
}

// splitPath splits "a.b[0][1].c" into a, b, [], [], c.
func splitPath(path string) []string {
	var out []string
	for _, part := range strings.Split(path, ".") {
		name, idx, _ := strings.Cut(part, "[")
		if name != "" {
			out = append(out, name)
		}
		if idx != "" {
			for range strings.Count("["+idx, "[") {
				out = append(out, "[]")
			}
		}
	}
	return out
}
