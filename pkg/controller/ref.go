package controller

import "minik8s/pkg/api"

// ControllerOf returns the owner reference with controller: true, or nil.
func ControllerOf(m *api.ObjectMeta) *api.OwnerReference {
	for i := range m.OwnerReferences {
		if r := &m.OwnerReferences[i]; r.Controller != nil && *r.Controller {
			return r
		}
	}
	return nil
}

// IsControlledBy reports whether m's controller reference names the owner
// with uid (metav1.IsControlledBy).
func IsControlledBy(m *api.ObjectMeta, uid string) bool {
	ref := ControllerOf(m)
	return ref != nil && ref.UID == uid
}

// NewControllerRef is the reference a controller puts on what it owns:
// controller and blockOwnerDeletion true.
func NewControllerRef(owner *api.ObjectMeta, apiVersion, kind string) api.OwnerReference {
	t := true
	return api.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: owner.Name, UID: owner.UID,
		Controller: &t, BlockOwnerDeletion: &t}
}
