package node

import "minik8s/pkg/api"

var read = []string{"get", "list", "watch"}

func rule(verbs []string, group string, resources ...string) api.PolicyRule {
	return api.PolicyRule{Verbs: verbs, APIGroups: []string{group}, Resources: resources}
}

// NodeRules is what every node may do outside the resources the
// authorizer subdivides (Kubernetes' bootstrappolicy.NodeRules, less what
// minik8s does not serve; endpoints and endpointslices are readable in
// full because a node's kube-proxy runs as the node).
func NodeRules() []api.PolicyRule {
	return []api.PolicyRule{
		// Checking API access: non-mutating creates.
		rule([]string{"create"}, "authentication.k8s.io", "tokenreviews"),
		rule([]string{"create"}, "authorization.k8s.io", "subjectaccessreviews", "localsubjectaccessreviews"),
		// Service environment variables, and kube-proxy.
		rule(read, "", "services"),
		rule(read, "", "endpoints"),
		rule(read, "discovery.k8s.io", "endpointslices"),
		// Events about its pods and itself.
		rule([]string{"create", "update", "patch"}, "", "events"),
		rule([]string{"create", "update", "patch"}, "events.k8s.io", "events"),
		// Its pods' volumes.
		rule([]string{"get"}, "", "persistentvolumes"),
		// Certificate rotation.
		rule([]string{"create", "get", "list", "watch"}, "certificates.k8s.io", "certificatesigningrequests"),
		// RuntimeClasses and CSI are read by kubelets.
		rule(read, "node.k8s.io", "runtimeclasses"),
	}
}
