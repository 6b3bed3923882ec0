package apiserver

import (
	"context"

	"minik8s/apiserver/authorization/node"
	"minik8s/pkg/api"
	"minik8s/pkg/auth/user"
)

// admitNodeRestriction is the NodeRestriction admission: a kubelet's
// create (old nil) or update of a pod, pod status, node or lease is
// checked where the authorizer could not see the object. Writes by
// anyone else pass.
func admitNodeRestriction(ctx context.Context, info *api.ResourceInfo, sub string, obj, old api.Object) error {
	u, _ := user.From(ctx)
	nodeName, isNode := node.Identity(u)
	if !isNode {
		return nil
	}
	if why := node.Admit(nodeName, info.Resource, sub, obj, old); why != "" {
		return errForbidden(info, obj.GetObjectMeta().Name, why)
	}
	return nil
}
