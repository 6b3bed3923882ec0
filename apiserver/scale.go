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
// replicationcontrollers/scale) is what "kubectl scale" and autoscalers
// use: an autoscaling/v1 Scale that reads and writes spec.replicas of its
// parent. A resource has one when its strategy has a scale hook
// (strategy.Scale), as Kubernetes registers a ScaleREST per resource.

// replicasFunc is a strategy's scale hook: it returns a pointer to the
// object's spec.replicas (set to the default, 1, when unset), its
// status.replicas and its label selector.
type replicasFunc func(obj api.Object) (spec *int32, status int32, selector *api.LabelSelector)

// defaultReplicas sets an unset replica count to Kubernetes' default, 1.
func defaultReplicas(p **int32) *int32 {
	if *p == nil {
		one := int32(1)
		*p = &one
	}
	return *p
}

// The workloads with a scale subresource.
type (
	deploymentStrategy            struct{ defaultStrategy }
	replicaSetStrategy            struct{ defaultStrategy }
	replicationControllerStrategy struct{ defaultStrategy }
)

func (deploymentStrategy) Scale() replicasFunc {
	return func(obj api.Object) (*int32, int32, *api.LabelSelector) {
		d := obj.(*api.Deployment)
		return defaultReplicas(&d.Spec.Replicas), d.Status.Replicas, d.Spec.Selector
	}
}

func (replicaSetStrategy) Scale() replicasFunc {
	return func(obj api.Object) (*int32, int32, *api.LabelSelector) {
		rs := obj.(*api.ReplicaSet)
		return defaultReplicas(&rs.Spec.Replicas), rs.Status.Replicas, rs.Spec.Selector
	}
}

// Scale: a ReplicationController's selector is a plain label map.
func (replicationControllerStrategy) Scale() replicasFunc {
	return func(obj api.Object) (*int32, int32, *api.LabelSelector) {
		rc := obj.(*api.ReplicationController)
		return defaultReplicas(&rc.Spec.Replicas), rc.Status.Replicas, &api.LabelSelector{MatchLabels: rc.Spec.Selector}
	}
}

func scaleFor(replicas replicasFunc, obj api.Object) *api.Scale {
	m := obj.GetObjectMeta()
	spec, st, sel := replicas(obj)
	return &api.Scale{
		TypeMeta: api.TypeMeta{Kind: "Scale", APIVersion: "autoscaling/v1"},
		ObjectMeta: api.ObjectMeta{Name: m.Name, Namespace: m.Namespace, UID: m.UID,
			ResourceVersion: m.ResourceVersion, CreationTimestamp: m.CreationTimestamp},
		Spec:   api.ScaleSpec{Replicas: *spec},
		Status: api.ScaleStatus{Replicas: st, Selector: labels.FormatLabelSelector(sel)},
	}
}

// serveScale handles GET, PUT and PATCH of {resource}/{name}/scale.
func (s *Server) serveScale(w http.ResponseWriter, r *http.Request, rt route) error {
	ctx := r.Context()
	replicas := strategyFor(rt.info).Scale()
	if replicas == nil {
		return errNotFound(rt.info, rt.name) // not served: subresourcesOf lists no scale
	}
	var body []byte
	var err error
	if r.Method == http.MethodPut || r.Method == http.MethodPatch {
		if r.Method == http.MethodPut {
			if _, err = checkBodyType(r); err != nil {
				return err
			}
		}
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
		writeJSON(w, http.StatusOK, scaleFor(replicas, obj))
		return nil
	}
	out, err := s.guaranteedUpdate(ctx, rt.info, rt.namespace, rt.name, func(obj api.Object, rev int64) (api.Object, finishFunc, error) {
		newJSON := body
		if r.Method == http.MethodPatch {
			ct, _, perr := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if perr != nil {
				ct = r.Header.Get("Content-Type")
			}
			orig, _ := json.Marshal(scaleFor(replicas, obj))
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
		spec, _, _ := replicas(obj)
		if *spec != want.Spec.Replicas {
			*spec = want.Spec.Replicas
			obj.GetObjectMeta().Generation++
		}
		return obj, nil, nil
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, scaleFor(replicas, out))
	return nil
}
