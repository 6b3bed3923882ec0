package apiserver

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"minik8s/pkg/api"
	"minik8s/pkg/api/decode"
)

// Field validation of create, update and patch bodies, as Kubernetes'
// fieldValidation query parameter: Strict (what kubectl sends) refuses
// unknown fields, Warn (the default, what clients without the parameter
// get) drops them with a Warning header each, Ignore drops them silently.
// A field Kubernetes has but minik8s does not implement is refused in
// every mode: dropping it would quietly change the object's meaning.

const (
	fieldValidationStrict = "Strict"
	fieldValidationWarn   = "Warn"
	fieldValidationIgnore = "Ignore"
)

// fieldValidationOf reads the fieldValidation parameter; options names the
// options kind of the verb for the error (CreateOptions, UpdateOptions,
// PatchOptions).
func fieldValidationOf(r *http.Request, options string) (string, error) {
	v := r.URL.Query().Get("fieldValidation")
	switch v {
	case "":
		return fieldValidationWarn, nil
	case fieldValidationStrict, fieldValidationWarn, fieldValidationIgnore:
		return v, nil
	}
	return "", newStatusError(http.StatusUnprocessableEntity, reasonInvalid,
		fmt.Sprintf(`%s.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: %q: supported values: "", "Ignore", "Strict", "Warn"`, options, v), nil)
}

// decodeFields decodes JSON b into obj under a field validation mode and
// returns the warnings to send.
func decodeFields(info *api.ResourceInfo, b []byte, obj api.Object, mode string) ([]string, error) {
	fp, err := decode.DecodeFields(b, info, obj)
	if err != nil {
		return nil, errBadRequest(fmt.Sprintf("strict decoding error: %v", err))
	}
	var problems, warnings []string
	for _, f := range fp.Unknown {
		msg := fmt.Sprintf("unknown field %q", f)
		switch mode {
		case fieldValidationStrict:
			problems = append(problems, msg)
		case fieldValidationWarn:
			warnings = append(warnings, msg)
		}
	}
	for _, f := range fp.Unsupported {
		problems = append(problems, fmt.Sprintf("field %q is not supported by minik8s", f))
	}
	if len(problems) > 0 {
		prefix := "strict decoding error: "
		if mode != fieldValidationStrict {
			prefix = "unsupported fields: "
		}
		return nil, errBadRequest(prefix + strings.Join(problems, ", "))
	}
	return warnings, nil
}

// addWarnings sets one Warning header per warning, in Kubernetes' format
// (299 - "text", the text quoted as a Go string).
func addWarnings(w http.ResponseWriter, warnings []string) {
	for _, msg := range warnings {
		w.Header().Add("Warning", "299 - "+strconv.Quote(msg))
	}
}
