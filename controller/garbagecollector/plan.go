package garbagecollector

import (
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"minik8s/pkg/api"
)

// The garbage collector's finalizers.
const (
	finalizerOrphan     = metav1.FinalizerOrphanDependents // "orphan"
	finalizerForeground = metav1.FinalizerDeleteDependents // "foregroundDeletion"
)

// ownerState is what became of one owner of a dependent.
type ownerState int

const (
	ownerSolid    ownerState = iota // exists and is not deleting its dependents first
	ownerDangling                   // gone (absent, or the name now has another UID)
	ownerWaiting                    // being deleted in the foreground: waits for its dependents
)

// action is what the collector does to a dependent.
type action int

const (
	actNone       action = iota
	actRemoveRefs        // drop the owner references in plan.RemoveRefs
	actDelete            // delete the dependent with plan.Policy
)

// plan is the decision for one dependent.
type plan struct {
	Action     action
	RemoveRefs []string // owner UIDs, for actRemoveRefs
	Policy     metav1.DeletionPropagation
}

// ownerRefState is one owner reference of a dependent with its owner's state.
type ownerRefState struct {
	UID   string
	State ownerState
}

// planDependent decides for an object with owner references (Kubernetes'
// attemptToDeleteItem): with a live owner left, references to owners that
// are gone or waiting are dropped; with only waiting owners (and maybe gone
// ones) the object is deleted in the foreground; with every owner gone it
// is deleted, by the policy its own finalizers ask for (orphan, foreground)
// or in the background.
func planDependent(refs []ownerRefState, finalizers []string) plan {
	if len(refs) == 0 {
		return plan{}
	}
	var solid, waiting int
	var drop []string
	for _, r := range refs {
		switch r.State {
		case ownerSolid:
			solid++
		case ownerWaiting:
			waiting++
			drop = append(drop, r.UID)
		default:
			drop = append(drop, r.UID)
		}
	}
	switch {
	case solid > 0:
		if len(drop) == 0 {
			return plan{}
		}
		return plan{Action: actRemoveRefs, RemoveRefs: drop}
	case waiting > 0:
		return plan{Action: actDelete, Policy: metav1.DeletePropagationForeground}
	case slices.Contains(finalizers, finalizerOrphan):
		return plan{Action: actDelete, Policy: metav1.DeletePropagationOrphan}
	case slices.Contains(finalizers, finalizerForeground):
		return plan{Action: actDelete, Policy: metav1.DeletePropagationForeground}
	default:
		return plan{Action: actDelete, Policy: metav1.DeletePropagationBackground}
	}
}

// dependentState is one dependent of an owner deleted in the foreground.
type dependentState struct {
	UID      string
	Deleting bool // has a deletionTimestamp
	Blocking bool // its reference to the owner has blockOwnerDeletion: true
}

// planForeground decides for an owner deleted in the foreground
// (Kubernetes' processDeletingDependentsItem): every dependent not yet
// deleting is looked at (planDependent deletes it, or drops its reference
// if it has another live owner); the owner's finalizer goes once no
// blocking dependent is left.
func planForeground(deps []dependentState) (look []string, removeFinalizer bool) {
	blocking := 0
	for _, d := range deps {
		if d.Blocking {
			blocking++
		}
		if !d.Deleting {
			look = append(look, d.UID)
		}
	}
	return look, blocking == 0
}

// removeOwnerRefs returns refs without those whose UID is in uids.
func removeOwnerRefs(refs []api.OwnerReference, uids []string) []api.OwnerReference {
	return slices.DeleteFunc(slices.Clone(refs), func(r api.OwnerReference) bool { return slices.Contains(uids, r.UID) })
}
