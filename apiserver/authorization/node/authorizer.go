// Package node is Kubernetes' Node authorizer (plugin/pkg/auth/authorizer/
// node) and the parts of the NodeRestriction admission the apiserver
// applies to kubelets: a kubelet (system:node:NAME in system:nodes) may
// read and write its own Node and Lease and the pods bound to it, read the
// Secrets, ConfigMaps, ServiceAccounts and PVCs those pods use, and what
// NodeRules grants every node; anyone else gets no opinion.
package node

import (
	"context"
	"fmt"
	"strings"

	"minik8s/apiserver/authorization/rbac"
	"minik8s/pkg/api"
	"minik8s/pkg/auth/authorizer"
	"minik8s/pkg/auth/user"
	"minik8s/pkg/fields"
)

// NamespaceNodeLease is where the node Leases live.
const NamespaceNodeLease = "kube-node-lease"

// Identity returns the node a user is, as Kubernetes' default node
// identifier: a name system:node:NAME and the group system:nodes. isNode
// with an empty name is a node whose name is unknown.
func Identity(u *user.Info) (name string, isNode bool) {
	if u == nil || !strings.HasPrefix(u.Name, user.NodeUserPrefix) || !u.InGroup(user.NodesGroup) {
		return "", false
	}
	return strings.TrimPrefix(u.Name, user.NodeUserPrefix), true
}

// Authorizer is the Node authorizer over a Graph.
type Authorizer struct {
	graph *Graph
	rules []api.PolicyRule
}

var _ authorizer.Authorizer = (*Authorizer)(nil)

// NewAuthorizer returns the Node authorizer; rules are what every node may
// do outside the graph's subdivided resources (NodeRules()).
func NewAuthorizer(g *Graph, rules []api.PolicyRule) *Authorizer {
	return &Authorizer{graph: g, rules: rules}
}

// Authorize implements authorizer.Authorizer.
func (r *Authorizer) Authorize(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
	nodeName, isNode := Identity(a.User)
	if !isNode {
		return authorizer.DecisionNoOpinion, "", nil
	}
	if nodeName == "" {
		return authorizer.DecisionNoOpinion, fmt.Sprintf("unknown node for user %q", a.User.Name), nil
	}
	if a.ResourceRequest {
		switch a.APIGroup + "/" + a.Resource {
		case "/secrets":
			return r.readNamespaced(nodeName, KindSecret, a)
		case "/configmaps":
			return r.readNamespaced(nodeName, KindConfigMap, a)
		case "/persistentvolumeclaims":
			return r.get(nodeName, KindPVC, a)
		case "/serviceaccounts":
			return r.createToken(nodeName, a)
		case "coordination.k8s.io/leases":
			return authorizeLease(nodeName, a)
		case "/nodes":
			return authorizeNode(nodeName, a)
		case "/pods":
			return r.authorizePod(nodeName, a)
		}
	}
	if rbac.RulesAllow(a, r.rules...) {
		return authorizer.DecisionAllow, "", nil
	}
	return authorizer.DecisionNoOpinion, "", nil
}

// get allows a get of one object related to the node.
func (r *Authorizer) get(nodeName, kind string, a authorizer.Attributes) (authorizer.Decision, string, error) {
	if a.Verb != "get" {
		return authorizer.DecisionNoOpinion, "can only get individual resources of this type", nil
	}
	if a.Subresource != "" {
		return authorizer.DecisionNoOpinion, "cannot get subresource", nil
	}
	return r.related(nodeName, kind, a)
}

// readNamespaced allows get, and list/watch pinned to one name
// (fieldSelector metadata.name=X), of an object related to the node.
func (r *Authorizer) readNamespaced(nodeName, kind string, a authorizer.Attributes) (authorizer.Decision, string, error) {
	switch a.Verb {
	case "get", "list", "watch":
	default:
		return authorizer.DecisionNoOpinion, "can only read resources of this type", nil
	}
	if a.Subresource != "" {
		return authorizer.DecisionNoOpinion, "cannot read subresource", nil
	}
	if a.Namespace == "" {
		return authorizer.DecisionNoOpinion, "can only read namespaced object of this type", nil
	}
	return r.related(nodeName, kind, a)
}

func (r *Authorizer) related(nodeName, kind string, a authorizer.Attributes) (authorizer.Decision, string, error) {
	if a.Name == "" {
		return authorizer.DecisionNoOpinion, "No Object name found", nil
	}
	if !r.graph.Related(nodeName, kind, a.Namespace, a.Name) {
		return authorizer.DecisionNoOpinion, fmt.Sprintf("no relationship found between node '%s' and this object", nodeName), nil
	}
	return authorizer.DecisionAllow, "", nil
}

// createToken allows serviceaccounts/token create for the service
// accounts of the node's pods.
func (r *Authorizer) createToken(nodeName string, a authorizer.Attributes) (authorizer.Decision, string, error) {
	if a.Verb != "create" || a.Name == "" {
		return authorizer.DecisionNoOpinion, "can only create tokens for individual service accounts", nil
	}
	if a.Subresource != "token" {
		return authorizer.DecisionNoOpinion, "can only create token subresource of serviceaccount", nil
	}
	return r.related(nodeName, KindServiceAccount, a)
}

// authorizeLease allows the node's own Lease in kube-node-lease.
func authorizeLease(nodeName string, a authorizer.Attributes) (authorizer.Decision, string, error) {
	switch a.Verb {
	case "get", "create", "update", "patch", "delete":
	default:
		return authorizer.DecisionNoOpinion, "can only get, create, update, patch, or delete a node lease", nil
	}
	if a.Namespace != NamespaceNodeLease {
		return authorizer.DecisionNoOpinion, fmt.Sprintf("can only access leases in the %q system namespace", NamespaceNodeLease), nil
	}
	// A create's name is checked by admission (CheckLease).
	if a.Verb != "create" && a.Name != nodeName {
		return authorizer.DecisionNoOpinion, "can only access node lease with the same name as the requesting node", nil
	}
	return authorizer.DecisionAllow, "", nil
}

// authorizeNode: every node may read every Node (the network agent and
// kube-proxy of a node share its identity in minik8s and route to the
// other nodes); it may write only its own Node and status. A create's name
// is checked by admission (CheckNode).
func authorizeNode(nodeName string, a authorizer.Attributes) (authorizer.Decision, string, error) {
	switch a.Subresource {
	case "":
		switch a.Verb {
		case "get", "list", "watch", "create":
			return authorizer.DecisionAllow, "", nil
		case "update", "patch":
			if a.Name == nodeName {
				return authorizer.DecisionAllow, "", nil
			}
			return authorizer.DecisionNoOpinion, fmt.Sprintf("node '%s' cannot modify node '%s'", nodeName, a.Name), nil
		}
	case "status":
		switch a.Verb {
		case "update", "patch":
			if a.Name == nodeName {
				return authorizer.DecisionAllow, "", nil
			}
			return authorizer.DecisionNoOpinion, fmt.Sprintf("node '%s' cannot modify node '%s'", nodeName, a.Name), nil
		}
	}
	return authorizer.DecisionNoOpinion, "", nil
}

// authorizePod (Kubernetes 1.32 with AuthorizeNodeWithSelectors): get of
// its own pods, list/watch only with fieldSelector spec.nodeName=itself
// (or pinned to one of its pods), status and delete of its own pods,
// create (mirror pods; admission checks the binding).
func (r *Authorizer) authorizePod(nodeName string, a authorizer.Attributes) (authorizer.Decision, string, error) {
	switch a.Subresource {
	case "":
		switch a.Verb {
		case "get":
			return r.related(nodeName, KindPod, a)
		case "list", "watch":
			if selectsNode(a.FieldSelector, nodeName) {
				return authorizer.DecisionAllow, "", nil
			}
			if a.Name != "" {
				return r.related(nodeName, KindPod, a)
			}
			return authorizer.DecisionNoOpinion, "can only list/watch pods with spec.nodeName field selector", nil
		case "create":
			return authorizer.DecisionAllow, "", nil
		case "delete":
			return r.related(nodeName, KindPod, a)
		}
	case "status":
		switch a.Verb {
		case "update", "patch":
			return r.related(nodeName, KindPod, a)
		}
	case "eviction":
		if a.Verb == "create" {
			return r.related(nodeName, KindPod, a)
		}
	}
	return authorizer.DecisionNoOpinion, "", nil
}

// selectsNode reports whether a field selector has spec.nodeName=nodeName.
func selectsNode(selector, nodeName string) bool {
	sel, err := fields.Parse(selector)
	if err != nil {
		return false
	}
	for _, t := range fields.Terms(sel) {
		if t.Key == "spec.nodeName" && !t.NotEquals && t.Value == nodeName {
			return true
		}
	}
	return false
}
