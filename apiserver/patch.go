package apiserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"k8s.io/apimachinery/pkg/util/strategicpatch"

	"minik8s/apiserver/storage"
	"minik8s/pkg/api"
	"minik8s/pkg/api/decode"
)

// Patch content types.
const (
	mergePatch     = "application/merge-patch+json"
	jsonPatch      = "application/json-patch+json"
	strategicPatch = "application/strategic-merge-patch+json"
	applyPatch     = "application/apply-patch+yaml"
)

// applyPatchBytes applies a patch of the given type to the JSON of an
// object of the resource. It is pure.
func applyPatchBytes(info *api.ResourceInfo, contentType string, original, patch []byte) ([]byte, error) {
	switch contentType {
	case mergePatch:
		out, err := jsonpatch.MergePatch(original, patch)
		if err != nil {
			return nil, errBadRequest(fmt.Sprintf("invalid merge patch: %v", err))
		}
		return out, nil
	case jsonPatch:
		p, err := jsonpatch.DecodePatch(patch)
		if err != nil {
			return nil, errBadRequest(fmt.Sprintf("invalid JSON patch: %v", err))
		}
		out, err := p.Apply(original)
		if err != nil {
			return nil, newStatusError(http.StatusUnprocessableEntity, reasonInvalid, fmt.Sprintf("the JSON patch could not be applied: %v", err), nil)
		}
		return out, nil
	case strategicPatch:
		var pm map[string]any
		if err := json.Unmarshal(patch, &pm); err != nil {
			return nil, errBadRequest(fmt.Sprintf("invalid strategic merge patch: %v", err))
		}
		out, err := strategicpatch.StrategicMergePatch(original, patch, info.New())
		if err != nil {
			return nil, errBadRequest(fmt.Sprintf("invalid strategic merge patch: %v", err))
		}
		return out, nil
	case applyPatch:
		return nil, newStatusError(http.StatusUnsupportedMediaType, reasonUnsupportedMedia,
			"server-side apply (application/apply-patch+yaml) is not supported by minik8s; use client-side kubectl apply", nil)
	}
	return nil, newStatusError(http.StatusUnsupportedMediaType, reasonUnsupportedMedia,
		fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: %s, %s, %s", jsonPatch, mergePatch, strategicPatch), nil)
}

func (s *Server) patch(w http.ResponseWriter, r *http.Request, rt route) error {
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		ct = r.Header.Get("Content-Type")
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	for attempt := 0; attempt < 10; attempt++ {
		cur, rev, err := s.getObject(ctx, rt.info, rt.namespace, rt.name)
		if err != nil {
			return err
		}
		orig, err := json.Marshal(cur)
		if err != nil {
			return err
		}
		patched, err := applyPatchBytes(rt.info, ct, orig, body)
		if err != nil {
			return err
		}
		obj := rt.info.New()
		if err := decode.DecodeInto(patched, obj); err != nil {
			return errBadRequest(fmt.Sprintf("strict decoding error: %v", err))
		}
		if err := checkTypeAndNamespace(rt.info, obj, rt.namespace); err != nil {
			return err
		}
		if obj.GetObjectMeta().Name != rt.name {
			return errBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", obj.GetObjectMeta().Name, rt.name))
		}
		// A resourceVersion the patch set is a precondition; the one we
		// put in is the revision we patched, so a concurrent write is
		// retried.
		if obj.GetObjectMeta().ResourceVersion != strconv.FormatInt(rev, 10) {
			if _, err := parseRV(obj.GetObjectMeta().ResourceVersion); err != nil {
				return err
			}
		}
		out, err := s.updateObject(ctx, rt, obj)
		var se *statusError
		if errors.As(err, &se) && se.status.Reason == reasonConflict && obj.GetObjectMeta().ResourceVersion == strconv.FormatInt(rev, 10) {
			continue // someone wrote between our read and write: patch again
		}
		if errors.Is(err, storage.ErrConflict) {
			continue
		}
		if err != nil {
			return err
		}
		return s.writeObject(w, r, rt.info, http.StatusOK, out)
	}
	return errConflict(rt.info, rt.name, staleMessage)
}
