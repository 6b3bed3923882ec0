package apiserver

import (
	"bytes"
	"net/url"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"

	"minik8s/pkg/api"
	"minik8s/pkg/api/validation"
)

// decodeDeleteOptions reads the DeleteOptions of a DELETE as Kubernetes'
// DeleteResource handler does: from the body if there is one (JSON or
// YAML, decoded without strictness, so unknown fields are ignored, and
// case-sensitively), else from the query; a decoding error is a 400 with
// the decoder's message, and the options are then validated
// (ValidateDeleteOptions: 422 DeleteOptions.meta.k8s.io).
func decodeDeleteOptions(body []byte, q url.Values) (*api.DeleteOptions, error) {
	var mo metav1.DeleteOptions
	if b := bytes.TrimSpace(body); len(b) > 0 {
		if b[0] != '{' {
			j, err := yaml.YAMLToJSON(b)
			if err != nil {
				return nil, errBadRequest(err.Error())
			}
			b = j
		}
		if err := kjson.UnmarshalCaseSensitivePreserveInts(b, &mo); err != nil {
			return nil, errBadRequest(err.Error())
		}
	} else if err := metav1.Convert_url_Values_To_v1_DeleteOptions(&q, &mo, nil); err != nil {
		return nil, errBadRequest(err.Error())
	}
	opts := &api.DeleteOptions{
		GracePeriodSeconds: mo.GracePeriodSeconds,
		PropagationPolicy:  (*string)(mo.PropagationPolicy),
		OrphanDependents:   mo.OrphanDependents, //nolint:staticcheck // still honoured, as Kubernetes does
		DryRun:             mo.DryRun,
	}
	if p := mo.Preconditions; p != nil {
		opts.Preconditions = &api.Preconditions{UID: (*string)(p.UID), ResourceVersion: p.ResourceVersion}
	}
	if errs := validateDeleteOptionsFields(opts); len(errs) > 0 {
		return nil, errInvalid(deleteOptionsInfo, "", errs)
	}
	return opts, nil
}

// validateDeleteOptionsFields is metav1 validation.ValidateDeleteOptions.
func validateDeleteOptionsFields(o *api.DeleteOptions) validation.ErrorList {
	var errs validation.ErrorList
	if o.OrphanDependents != nil && o.PropagationPolicy != nil {
		errs = append(errs, validation.Invalid("propagationPolicy", *o.PropagationPolicy, "orphanDependents and deletionPropagation cannot be both set"))
	}
	if p := o.PropagationPolicy; p != nil {
		switch metav1.DeletionPropagation(*p) {
		case metav1.DeletePropagationForeground, metav1.DeletePropagationBackground, metav1.DeletePropagationOrphan:
		default:
			errs = append(errs, validation.NotSupported("propagationPolicy", *p, []string{"Foreground", "Background", "Orphan", "nil"}))
		}
	}
	if len(o.DryRun) > 0 && (len(o.DryRun) > 1 || o.DryRun[0] != metav1.DryRunAll) {
		errs = append(errs, validation.NotSupported("dryRun", o.DryRun, []string{metav1.DryRunAll}))
	}
	return errs
}
