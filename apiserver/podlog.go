package apiserver

import (
	"net/url"
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"minik8s/pkg/api"
	"minik8s/pkg/api/validation"
)

// podLogOptionsInfo names PodLogOptions in an Invalid error.
var podLogOptionsInfo = &api.ResourceInfo{Kind: "PodLogOptions", Resource: "pods", Version: "v1"}

// podLogQuery reads the PodLogOptions of a pods/log request as Kubernetes
// does, before the pod is looked up: the query is converted field by field
// in PodLogOptions' order (a bad number or time is a 400 with the
// conversion's message; a boolean is false only for "false" or "0"), then
// validated as ValidatePodLogOptions (422 PodLogOptions). It returns the
// query to pass on to the kubelet (every option; none is dropped).
func podLogQuery(pod string, q url.Values) (url.Values, error) {
	out := url.Values{}
	boolean := func(k string) {
		if v, ok := q[k]; ok {
			var b bool
			_ = runtime.Convert_Slice_string_To_bool(&v, &b, nil) // never fails
			out.Set(k, strconv.FormatBool(b))
		}
	}
	ints := map[string]*int64{}
	integer := func(k string) error {
		v, ok := q[k]
		if !ok {
			return nil
		}
		var n *int64
		if err := runtime.Convert_Slice_string_To_Pointer_int64(&v, &n, nil); err != nil {
			return errBadRequest(err.Error())
		}
		ints[k] = n
		out.Set(k, strconv.FormatInt(*n, 10))
		return nil
	}
	boolean("follow")
	boolean("previous")
	if err := integer("sinceSeconds"); err != nil {
		return nil, err
	}
	var sinceTime *metav1.Time
	if v, ok := q["sinceTime"]; ok {
		if err := metav1.Convert_Slice_string_To_Pointer_v1_Time(&v, &sinceTime, nil); err != nil {
			return nil, errBadRequest(err.Error())
		}
		if !sinceTime.IsZero() {
			out.Set("sinceTime", sinceTime.UTC().Format(time.RFC3339))
		}
	}
	boolean("timestamps")
	if err := integer("tailLines"); err != nil {
		return nil, err
	}
	if err := integer("limitBytes"); err != nil {
		return nil, err
	}
	var errs validation.ErrorList
	if n := ints["tailLines"]; n != nil && *n < 0 {
		errs = append(errs, validation.Invalid("tailLines", *n, "must be greater than or equal to 0"))
	}
	if n := ints["limitBytes"]; n != nil && *n < 1 {
		errs = append(errs, validation.Invalid("limitBytes", *n, "must be greater than 0"))
	}
	switch n := ints["sinceSeconds"]; {
	case n != nil && sinceTime != nil:
		errs = append(errs, validation.Forbidden("", "at most one of `sinceTime` or `sinceSeconds` may be specified"))
	case n != nil && *n < 1:
		errs = append(errs, validation.Invalid("sinceSeconds", *n, "must be greater than 0"))
	}
	if len(errs) > 0 {
		return nil, errInvalid(podLogOptionsInfo, pod, errs)
	}
	return out, nil
}
