package apiserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"k8s.io/apimachinery/pkg/util/mergepatch"
	"k8s.io/apimachinery/pkg/util/strategicpatch"

	"minik8s/pkg/api"
)

// Patch content types.
const (
	mergePatch     = "application/merge-patch+json"
	jsonPatch      = "application/json-patch+json"
	strategicPatch = "application/strategic-merge-patch+json"
	applyPatch     = "application/apply-patch+yaml"
)

// Patch limits, Kubernetes' (apiserver handlers/patch.go and
// server/config.go): a JSON patch has at most maxJSONPatchOperations
// operations, and its copy operations may add at most jsonPatchMaxCopyBytes
// to the document (json-patch's AccumulatedCopySizeLimit), checked as each
// copy is made, so a patch that doubles the document again and again fails
// before the document grows. Merge and strategic patches cannot copy: what
// they add is bounded by the request body limit.
const (
	maxJSONPatchOperations = 10000
	jsonPatchMaxCopyBytes  = 3 << 20
)

// applyPatchBytes applies a patch of the given type to the JSON of an
// object of the resource. It is pure.
func applyPatchBytes(info *api.ResourceInfo, contentType string, original, patch []byte) ([]byte, error) {
	switch contentType {
	case mergePatch:
		out, err := jsonpatch.MergePatch(original, patch)
		if err != nil {
			return nil, errBadRequest(err.Error())
		}
		return out, nil
	case jsonPatch:
		p, err := jsonpatch.DecodePatch(patch)
		if err != nil {
			return nil, errBadRequest(err.Error())
		}
		if len(p) > maxJSONPatchOperations {
			return nil, errTooLarge(fmt.Sprintf("The allowed maximum operations in a JSON patch is %d, got %d",
				maxJSONPatchOperations, len(p)))
		}
		opts := jsonpatch.NewApplyOptions()
		opts.AccumulatedCopySizeLimit = jsonPatchMaxCopyBytes
		out, err := p.ApplyWithOptions(original, opts)
		if err != nil {
			// As Kubernetes (NewGenericServerResponse of a 422): the
			// reason is Invalid, the message generic, the cause the
			// patch's error.
			return nil, newStatusError(http.StatusUnprocessableEntity, reasonInvalid,
				"the server rejected our request due to an error in our request",
				&api.StatusDetails{Causes: []api.StatusCause{{Type: "UnexpectedServerResponse", Message: err.Error()}}})
		}
		return out, nil
	case strategicPatch:
		var pm map[string]any
		if err := json.Unmarshal(patch, &pm); err != nil {
			return nil, errBadRequest(err.Error())
		}
		out, err := strategicpatch.StrategicMergePatch(original, patch, info.New())
		if err != nil {
			return nil, strategicPatchError(err)
		}
		return out, nil
	case applyPatch:
		return nil, newStatusError(http.StatusUnsupportedMediaType, reasonUnsupportedMedia,
			"server-side apply (application/apply-patch+yaml) is not supported by minik8s; use client-side kubectl apply", nil)
	}
	// Kubernetes' own list (apiserver installer's supportedTypes), apply included.
	return nil, errUnsupportedMediaType([]string{jsonPatch, mergePatch, strategicPatch, applyPatch})
}

func (s *Server) patch(w http.ResponseWriter, r *http.Request, rt route) error {
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		ct = r.Header.Get("Content-Type")
	}
	mode, err := fieldValidationOf(r, "PatchOptions")
	if err != nil {
		return err
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	var warnings []string
	out, err := s.guaranteedUpdate(r.Context(), rt.info, rt.namespace, rt.name, func(cur api.Object, rev int64) (api.Object, finishFunc, error) {
		// The patch applies to the object in the client's version.
		in := rt.served()
		served, err := rt.toServed(cur)
		if err != nil {
			return nil, nil, err
		}
		orig, err := json.Marshal(served)
		if err != nil {
			return nil, nil, err
		}
		patched, err := applyPatchBytes(in, ct, orig, body)
		if err != nil {
			return nil, nil, err
		}
		obj := in.New()
		if warnings, err = decodeFields(in, patched, obj, mode); err != nil {
			return nil, nil, err
		}
		if err := checkTypeAndNamespace(in, obj, rt.namespace); err != nil {
			return nil, nil, err
		}
		if obj, err = rt.toStorage(obj); err != nil {
			return nil, nil, err
		}
		if obj.GetObjectMeta().Name != rt.name {
			return nil, nil, errBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", obj.GetObjectMeta().Name, rt.name))
		}
		// The resourceVersion we patched is the one read; one the patch
		// set (or removed) itself is the client's precondition.
		want, err := parseRV(obj.GetObjectMeta().ResourceVersion)
		if err != nil {
			return nil, nil, err
		}
		if err := preconditionRV(rt, want, rev); err != nil {
			return nil, nil, err
		}
		return s.updateFrom(r.Context(), rt, obj, cur)
	})
	if err != nil {
		return err
	}
	addWarnings(w, append(warnings, admissionWarnings(r.Context())...))
	return s.writeObject(w, r, rt, http.StatusOK, out)
}

// strategicPatchError is Kubernetes' interpretStrategicMergePatchError: a
// malformed patch is a 400, a patch that does not fit the object a 422.
func strategicPatchError(err error) error {
	switch {
	case errors.Is(err, mergepatch.ErrNoListOfLists), errors.Is(err, mergepatch.ErrPatchContentNotMatchRetainKeys):
		return newStatusError(http.StatusUnprocessableEntity, reasonInvalid,
			"the server rejected our request due to an error in our request", &api.StatusDetails{})
	}
	return errBadRequest(err.Error())
}
