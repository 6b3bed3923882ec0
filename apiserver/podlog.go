package apiserver

import (
	"fmt"
	"net/url"
	"strconv"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/api/validation"
)

// podLogOptionsInfo names PodLogOptions in an Invalid error.
var podLogOptionsInfo = &api.ResourceInfo{Kind: "PodLogOptions", Resource: "pods", Version: "v1"}

// podLogQuery reads the PodLogOptions of a pods/log request, validates
// them as Kubernetes' ValidatePodLogOptions does, and returns the query
// to pass on to the kubelet (every option; none is dropped).
func podLogQuery(pod string, q url.Values) (url.Values, error) {
	out := url.Values{}
	for _, k := range []string{"follow", "previous", "timestamps"} {
		if v := q.Get(k); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return nil, errBadRequest(fmt.Sprintf("invalid %s %q: %v", k, v, err))
			}
			out.Set(k, strconv.FormatBool(b))
		}
	}
	ints := map[string]*int64{}
	for _, k := range []string{"tailLines", "limitBytes", "sinceSeconds"} {
		if v := q.Get(k); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, errBadRequest(fmt.Sprintf("invalid %s %q: %v", k, v, err))
			}
			ints[k] = &n
			out.Set(k, v)
		}
	}
	if v := q.Get("sinceTime"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return nil, errBadRequest(fmt.Sprintf("invalid sinceTime %q: %v", v, err))
		}
		out.Set("sinceTime", t.UTC().Format(time.RFC3339))
	}
	var errs validation.ErrorList
	if n := ints["tailLines"]; n != nil && *n < 0 {
		errs = append(errs, validation.Invalid("tailLines", *n, "must be greater than or equal to 0"))
	}
	if n := ints["limitBytes"]; n != nil && *n < 1 {
		errs = append(errs, validation.Invalid("limitBytes", *n, "must be greater than 0"))
	}
	switch n := ints["sinceSeconds"]; {
	case n != nil && out.Get("sinceTime") != "":
		errs = append(errs, validation.Forbidden("", "at most one of `sinceTime` or `sinceSeconds` may be specified"))
	case n != nil && *n < 1:
		errs = append(errs, validation.Invalid("sinceSeconds", *n, "must be greater than 0"))
	}
	if len(errs) > 0 {
		return nil, errInvalid(podLogOptionsInfo, pod, errs)
	}
	return out, nil
}
