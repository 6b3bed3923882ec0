package apiserver

import (
	"minik8s/pkg/api"
)

// Versions served besides the storage version (api.OtherVersions, e.g.
// autoscaling/v1 HorizontalPodAutoscalers beside the stored autoscaling/v2):
// a route's info is always the storage version, which every handler,
// strategy and storage key works with; view, when set, is the version the
// client speaks. Bodies are converted to the storage version as they are
// decoded (decodeBody, patch) and objects back to the client's version as
// they are written (writeObject, list, watch), so an object is stored once.

// served is the version the request speaks.
func (rt route) served() *api.ResourceInfo {
	if rt.view != nil {
		return rt.view
	}
	return rt.info
}

// toServed converts a stored object to the request's version.
func (rt route) toServed(obj api.Object) (api.Object, error) {
	if rt.view == nil {
		return obj, nil
	}
	out, err := rt.view.Convert.FromStorage(obj)
	if err != nil {
		return nil, errInternal(err)
	}
	return out, nil
}

// toServedAll converts a list of stored objects.
func (rt route) toServedAll(objs []api.Object) ([]api.Object, error) {
	if rt.view == nil {
		return objs, nil
	}
	out := make([]api.Object, len(objs))
	for i, o := range objs {
		var err error
		if out[i], err = rt.toServed(o); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// toStorage converts an object of the request's version to the storage version.
func (rt route) toStorage(obj api.Object) (api.Object, error) {
	if rt.view == nil {
		return obj, nil
	}
	out, err := rt.view.Convert.ToStorage(obj)
	if err != nil {
		return nil, errBadRequest(err.Error())
	}
	return out, nil
}

// routeFor is the route of a served resource version (namespace and name
// still to set).
func routeFor(info *api.ResourceInfo) route {
	if info.Convert != nil {
		return route{info: info.Storage(), view: info}
	}
	return route{info: info}
}
