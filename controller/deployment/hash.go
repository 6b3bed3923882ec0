package deployment

import (
	"minik8s/pkg/api"
	"minik8s/pkg/controller"
)

// ComputeHash is the pod-template-hash of a template (controller.ComputeHash).
func ComputeHash(template *api.PodTemplateSpec, collisionCount *int32) string {
	return controller.ComputeHash(template, collisionCount)
}

// ReplicaSetName is the name of a deployment's replica set for a hash.
func ReplicaSetName(deploymentName, hash string) string {
	return deploymentName + "-" + hash
}
