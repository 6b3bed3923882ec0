package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"minik8s/pkg/api"
	"minik8s/pkg/api/decode"
)

// The pods/eviction subresource (POST, a policy/v1 Eviction), as
// Kubernetes' pkg/registry/core/pod/storage/eviction.go without
// PodDisruptionBudgets (not modelled): the pod gets the DisruptionTarget
// condition and is deleted with the eviction's deleteOptions, gracefully
// as a DELETE is (a pod already terminating stays so; a missing pod is a
// 404); the answer is 201 with a Success Status.

// Values of the condition an eviction sets on the pod before deleting it.
const (
	podDisruptionTarget     = "DisruptionTarget"
	evictionByEvictionAPI   = "EvictionByEvictionAPI"
	evictionConditionReason = "Eviction API: evicting"
)

func (s *Server) evict(w http.ResponseWriter, r *http.Request, rt route) error {
	if _, err := checkBodyType(r); err != nil {
		return err
	}
	b, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	var ev api.Eviction
	if err := decode.DecodeInto(b, &ev); err != nil {
		return errBadRequest(fmt.Sprintf("strict decoding error: %v", err))
	}
	if err := checkEvictionKind(&ev.TypeMeta); err != nil {
		return err
	}
	if ev.Name != rt.name {
		return errBadRequest("name in URL does not match name in Eviction object")
	}
	opts, err := evictionDeleteOptions(&ev, r.URL.Query()["dryRun"])
	if err != nil {
		return err
	}
	ctx, err := deleteDryRun(r.Context(), opts)
	if err != nil {
		return err
	}
	if err := validateDeleteOptions(rt.info, rt.name, opts); err != nil {
		return err
	}
	prt := route{info: rt.info, namespace: rt.namespace, name: rt.name}
	if !isDryRun(ctx) {
		if opts, err = s.markEvicted(ctx, prt, opts); err != nil {
			return err
		}
	}
	if _, err := s.deletePod(ctx, prt, opts, nil); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, api.Status{TypeMeta: api.TypeMeta{Kind: "Status", APIVersion: "v1"}, Status: "Success", Code: http.StatusCreated})
	return nil
}

// checkEvictionKind accepts an Eviction of policy/v1 or policy/v1beta1
// (or one without apiVersion and kind).
func checkEvictionKind(tm *api.TypeMeta) error {
	if tm.Kind != "" && tm.Kind != api.EvictionKind {
		return errBadRequest(fmt.Sprintf("expected kind Eviction, got %s", tm.Kind))
	}
	switch tm.APIVersion {
	case "", api.PolicyGroup + "/v1", api.PolicyGroup + "/v1beta1":
		return nil
	}
	return errBadRequest(fmt.Sprintf("the API version in the data (%s) does not match the expected API version (policy/v1)", tm.APIVersion))
}

// evictionDeleteOptions are the eviction's deleteOptions with the
// request's dryRun pushed in, as Kubernetes' propagateDryRun: the two must
// agree when both are set.
func evictionDeleteOptions(ev *api.Eviction, queryDryRun []string) (*api.DeleteOptions, error) {
	if ev.DeleteOptions == nil {
		return &api.DeleteOptions{DryRun: queryDryRun}, nil
	}
	opts := *ev.DeleteOptions
	switch {
	case len(opts.DryRun) == 0:
		opts.DryRun = queryDryRun
	case len(queryDryRun) > 0 && !slices.Equal(queryDryRun, opts.DryRun):
		return nil, errBadRequest(fmt.Sprintf("Non-matching dry-run options in request and content: %v and %v", queryDryRun, opts.DryRun))
	}
	return &opts, nil
}

// markEvicted sets the pod's DisruptionTarget condition (the eviction's
// preconditions checked first) and returns the delete options to use: a
// resourceVersion precondition moves to the version just written.
func (s *Server) markEvicted(ctx context.Context, rt route, opts *api.DeleteOptions) (*api.DeleteOptions, error) {
	obj, err := s.guaranteedUpdate(ctx, rt.info, rt.namespace, rt.name, func(obj api.Object, _ int64) (api.Object, finishFunc, error) {
		pod := obj.(*api.Pod)
		if err := checkPreconditions(rt.info, rt.name, pod, opts.Preconditions); err != nil {
			return nil, nil, err
		}
		setPodCondition(&pod.Status, api.PodCondition{Type: podDisruptionTarget, Status: api.ConditionTrue,
			Reason: evictionByEvictionAPI, Message: evictionConditionReason, LastTransitionTime: api.Now()})
		return pod, nil, nil
	})
	if err != nil {
		return nil, mapStoreError(err, rt)
	}
	if opts.Preconditions != nil && opts.Preconditions.ResourceVersion != nil {
		out := *opts
		pre := *opts.Preconditions
		rv := obj.GetObjectMeta().ResourceVersion
		pre.ResourceVersion = &rv
		out.Preconditions = &pre
		return &out, nil
	}
	return opts, nil
}
