package openapi

import (
	"encoding/json"
	"reflect"
	"strings"

	"minik8s/pkg/api"
)

// Definition names follow Kubernetes: the Go package of the Kubernetes type
// in reverse-domain form, then the type name (io.k8s.api.core.v1.PodSpec).
// All minik8s types live in pkg/api, so a type's package is that of the
// first served kind (in registry order) that reaches it, except for the
// types pinned here to apimachinery's or core's packages.
const (
	metaV1      = "io.k8s.apimachinery.pkg.apis.meta.v1"
	resourcePkg = "io.k8s.apimachinery.pkg.api.resource"
	intstrPkg   = "io.k8s.apimachinery.pkg.util.intstr"
	coreV1      = "io.k8s.api.core.v1"
)

var (
	timeType        = reflect.TypeOf(api.Time{})
	microTimeType   = reflect.TypeOf(api.MicroTime{})
	quantityType    = reflect.TypeOf(api.Quantity{})
	intOrStringType = reflect.TypeOf(api.IntOrString{})
	rawMessageType  = reflect.TypeOf(json.RawMessage(nil))
)

var pinned = map[reflect.Type]string{
	reflect.TypeOf(api.ObjectMeta{}):                metaV1,
	reflect.TypeOf(api.ListMeta{}):                  metaV1,
	reflect.TypeOf(api.LabelSelector{}):             metaV1,
	reflect.TypeOf(api.LabelSelectorRequirement{}):  metaV1,
	reflect.TypeOf(api.OwnerReference{}):            metaV1,
	reflect.TypeOf(api.Status{}):                    metaV1,
	reflect.TypeOf(api.StatusDetails{}):             metaV1,
	reflect.TypeOf(api.StatusCause{}):               metaV1,
	reflect.TypeOf(api.DeleteOptions{}):             metaV1,
	reflect.TypeOf(api.Preconditions{}):             metaV1,
	timeType:                                        metaV1,
	microTimeType:                                   metaV1,
	quantityType:                                    resourcePkg,
	intOrStringType:                                 intstrPkg,
	reflect.TypeOf(api.TypedLocalObjectReference{}): coreV1,
}

// renamed are Go type names that differ from Kubernetes' within their package.
var renamed = map[string]string{
	"io.k8s.api.discovery.v1.EndpointSlicePort": "io.k8s.api.discovery.v1.EndpointPort",
}

// packageOf is the definition package of a served kind: io.k8s.api.<group's
// first label, "core" for "">.<version>.
func packageOf(r *api.ResourceInfo) string {
	g := r.Group
	if g == "" {
		g = "core"
	}
	g, _, _ = strings.Cut(g, ".")
	return "io.k8s.api." + g + "." + r.Version
}

// homes assigns every named struct type reachable from the served kinds
// its definition package.
func homes(served []*api.ResourceInfo) map[reflect.Type]string {
	h := map[reflect.Type]string{}
	for t, p := range pinned {
		h[t] = p
	}
	var walk func(t reflect.Type, pkg string)
	walk = func(t reflect.Type, pkg string) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || t.Name() == "" {
			return
		}
		if _, ok := h[t]; ok {
			return
		}
		h[t] = pkg
		for i := 0; i < t.NumField(); i++ {
			walk(t.Field(i).Type, pkg)
		}
	}
	for _, r := range served {
		walk(reflect.TypeOf(r.New()).Elem(), packageOf(r))
	}
	return h
}

// defName is the definition name of a named struct type.
func defName(t reflect.Type, home string) string {
	name := t.Name()
	// HorizontalPodAutoscalerSpecV1 is autoscaling/v1's HorizontalPodAutoscalerSpec.
	if v := home[strings.LastIndex(home, ".")+1:]; v != "" {
		name = strings.TrimSuffix(name, strings.ToUpper(v[:1])+v[1:])
	}
	full := home + "." + name
	if r, ok := renamed[full]; ok {
		return r
	}
	return full
}
