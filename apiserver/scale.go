package apiserver

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strconv"

	"minik8s/pkg/api"
	"minik8s/pkg/api/validation"
	"minik8s/pkg/labels"
)

// The scale subresource (deployments/scale, replicasets/scale,
// replicationcontrollers/scale) is what
// "kubectl scale" uses: an autoscaling/v1 Scale that reads and writes
// spec.replicas of its parent.

func hasScale(info *api.ResourceInfo) bool {
	return info.Kind == "Deployment" || info.Kind == "ReplicaSet" || info.Kind == "ReplicationController"
}

// replicasOf returns the replica pointer, status replicas and selector.
func replicasOf(obj api.Object) (*int32, int32, *api.LabelSelector) {
	switch o := obj.(type) {
	case *api.Deployment:
		if o.Spec.Replicas == nil {
			o.Spec.Replicas = new(int32)
			*o.Spec.Replicas = 1
		}
		return o.Spec.Replicas, o.Status.Replicas, o.Spec.Selector
	case *api.ReplicaSet:
		if o.Spec.Replicas == nil {
			o.Spec.Replicas = new(int32)
			*o.Spec.Replicas = 1
		}
		return o.Spec.Replicas, o.Status.Replicas, o.Spec.Selector
	case *api.ReplicationController:
		if o.Spec.Replicas == nil {
			o.Spec.Replicas = new(int32)
			*o.Spec.Replicas = 1
		}
		return o.Spec.Replicas, o.Status.Replicas, &api.LabelSelector{MatchLabels: o.Spec.Selector}
	}
	return nil, 0, nil
}

func scaleFor(obj api.Object) *api.Scale {
	m := obj.GetObjectMeta()
	spec, st, sel := replicasOf(obj)
	return &api.Scale{
		TypeMeta: api.TypeMeta{Kind: "Scale", APIVersion: "autoscaling/v1"},
		ObjectMeta: api.ObjectMeta{Name: m.Name, Namespace: m.Namespace, UID: m.UID,
			ResourceVersion: m.ResourceVersion, CreationTimestamp: m.CreationTimestamp},
		Spec:   api.ScaleSpec{Replicas: *spec},
		Status: api.ScaleStatus{Replicas: st, Selector: labels.FormatLabelSelector(sel)},
	}
}

// serveScale handles GET, PUT and PATCH of {deployments,replicasets}/{name}/scale.
func (s *Server) serveScale(w http.ResponseWriter, r *http.Request, rt route) error {
	ctx := r.Context()
	var body []byte
	var err error
	if r.Method == http.MethodPut || r.Method == http.MethodPatch {
		if body, err = s.readBody(w, r); err != nil {
			return err
		}
	} else if r.Method != http.MethodGet {
		return errMethodNotAllowed(r.Method, rt.info.Resource+"/scale")
	}
	if r.Method == http.MethodGet {
		obj, _, err := s.getObject(ctx, rt.info, rt.namespace, rt.name)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, scaleFor(obj))
		return nil
	}
	out, err := s.guaranteedUpdate(ctx, rt.info, rt.namespace, rt.name, func(obj api.Object, rev int64) (api.Object, finishFunc, error) {
		newJSON := body
		if r.Method == http.MethodPatch {
			ct, _, perr := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if perr != nil {
				ct = r.Header.Get("Content-Type")
			}
			orig, _ := json.Marshal(scaleFor(obj))
			scaleInfo := &api.ResourceInfo{Kind: "Scale", New: func() api.Object { return &api.Namespace{} }}
			var err error
			if newJSON, err = applyPatchBytes(scaleInfo, ct, orig, body); err != nil {
				return nil, nil, err
			}
		}
		var want api.Scale
		if err := json.Unmarshal(newJSON, &want); err != nil {
			return nil, nil, errBadRequest(fmt.Sprintf("invalid Scale: %v", err))
		}
		if want.Spec.Replicas < 0 {
			return nil, nil, errInvalid(rt.info, rt.name, validation.ErrorList{validation.Invalid("spec.replicas", want.Spec.Replicas, "must be greater than or equal to 0")})
		}
		if rv := want.ResourceVersion; rv != "" && rv != strconv.FormatInt(rev, 10) {
			return nil, nil, errConflict(rt.info, rt.name, staleMessage)
		}
		spec, _, _ := replicasOf(obj)
		if *spec != want.Spec.Replicas {
			*spec = want.Spec.Replicas
			obj.GetObjectMeta().Generation++
		}
		return obj, nil, nil
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, scaleFor(out))
	return nil
}
