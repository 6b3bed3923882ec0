package rbac

import (
	"minik8s/pkg/api"
	"minik8s/pkg/auth/user"
)

// Bootstrap policy: Kubernetes' plugin/pkg/auth/authorizer/rbac/
// bootstrappolicy, the ClusterRoles and ClusterRoleBindings the apiserver
// reconciles at start (apiserver/rbac_bootstrap.go), for the resources
// minik8s serves. The controller-manager's and scheduler's roles are the
// union of what minik8s' controllers and scheduler do under their one
// identity each (docs/security/rbac.md).

// Bootstrap labels and annotations, as Kubernetes.
const (
	BootstrapLabel       = "kubernetes.io/bootstrapping"
	BootstrapLabelValue  = "rbac-defaults"
	AutoUpdateAnnotation = "rbac.authorization.kubernetes.io/autoupdate"
	AggregateToAdmin     = "rbac.authorization.k8s.io/aggregate-to-admin"
	AggregateToEdit      = "rbac.authorization.k8s.io/aggregate-to-edit"
	AggregateToView      = "rbac.authorization.k8s.io/aggregate-to-view"
)

var (
	read       = []string{"get", "list", "watch"}
	write      = []string{"create", "delete", "deletecollection", "patch", "update"}
	readWrite  = []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}
	eventWrite = []string{"create", "patch", "update"}
)

// rule builds a resource rule.
func rule(verbs []string, groups []string, resources ...string) api.PolicyRule {
	return api.PolicyRule{Verbs: verbs, APIGroups: groups, Resources: resources}
}

// urlRule builds a non-resource rule.
func urlRule(verbs []string, urls ...string) api.PolicyRule {
	return api.PolicyRule{Verbs: verbs, NonResourceURLs: urls}
}

func g(groups ...string) []string { return groups }

var (
	core        = g("")
	apps        = g("apps")
	autoscaling = g("autoscaling")
	batch       = g("batch")
	policy      = g("policy")
	networking  = g("networking.k8s.io")
	discoveryG  = g("discovery.k8s.io")
	coordG      = g("coordination.k8s.io")
	eventsG     = g("events.k8s.io")
	rbacG       = g(api.RBACGroup)
	authzG      = g(api.AuthorizationGroup)
	authnG      = g("authentication.k8s.io")
	anyG        = g("*")
)

func clusterRole(name string, labels map[string]string, rules ...api.PolicyRule) *api.ClusterRole {
	l := map[string]string{BootstrapLabel: BootstrapLabelValue}
	for k, v := range labels {
		l[k] = v
	}
	return &api.ClusterRole{
		TypeMeta:   api.TypeMeta{APIVersion: api.RBACGroup + "/v1", Kind: "ClusterRole"},
		ObjectMeta: api.ObjectMeta{Name: name, Labels: l, Annotations: map[string]string{AutoUpdateAnnotation: "true"}},
		Rules:      rules,
	}
}

func aggregated(name string, labels map[string]string, selectLabel string) *api.ClusterRole {
	r := clusterRole(name, labels)
	r.AggregationRule = &api.AggregationRule{ClusterRoleSelectors: []api.LabelSelector{{MatchLabels: map[string]string{selectLabel: "true"}}}}
	return r
}

// NodeRules are the rules of system:node (the Node authorizer narrows
// them to a kubelet's own objects).
func NodeRules() []api.PolicyRule {
	return []api.PolicyRule{
		rule(g("create"), authnG, "tokenreviews"),
		rule(g("create"), authzG, "subjectaccessreviews", "localsubjectaccessreviews"),
		rule(read, core, "services"),
		rule(g("create", "get", "list", "watch"), core, "nodes"),
		rule(g("update", "patch"), core, "nodes/status"),
		rule(g("update", "patch"), core, "nodes"),
		rule(eventWrite, core, "events"),
		rule(read, core, "pods"),
		rule(g("create", "delete"), core, "pods"),
		rule(g("update", "patch"), core, "pods/status"),
		rule(g("create"), core, "pods/eviction"),
		rule(g("get"), core, "secrets", "configmaps"),
		rule(g("create"), core, "serviceaccounts/token"),
		rule(g("get", "create", "update", "patch", "delete"), coordG, "leases"),
	}
}

// ControllerManagerRules are what minik8s' controllers do under the one
// identity system:kube-controller-manager: the garbage collector and the
// namespace controller read, update and delete every resource (Kubernetes'
// generic-garbage-collector and namespace-controller roles); the others
// create what they own (pods, replicasets, controllerrevisions, jobs,
// endpoints, endpointslices, events), the add-on manager creates the
// add-ons' objects, leader election uses a Lease, and the ClusterRole
// aggregation controller may escalate ClusterRoles.
func ControllerManagerRules() []api.PolicyRule {
	return []api.PolicyRule{
		rule(g("get", "list", "watch", "patch", "update", "delete", "deletecollection"), anyG, "*"),
		rule(g("create"), core, "pods", "pods/eviction", "pods/binding", "events", "endpoints", "services", "configmaps", "secrets",
			"serviceaccounts", "serviceaccounts/token", "namespaces"),
		rule(g("create"), apps, "replicasets", "controllerrevisions", "deployments", "daemonsets"),
		rule(g("create"), batch, "jobs"),
		rule(g("create"), discoveryG, "endpointslices"),
		rule(g("create"), coordG, "leases"),
		rule(g("create"), networking, "ingressclasses", "ingresses"),
		rule(eventWrite, eventsG, "events"),
		rule(g("create"), rbacG, "clusterroles", "clusterrolebindings", "roles", "rolebindings"),
		// The ClusterRole aggregation controller writes rules it need not hold.
		rule(g("escalate"), rbacG, "clusterroles"),
		rule(g("create"), authnG, "tokenreviews"),
		rule(g("create"), authzG, "subjectaccessreviews"),
	}
}

// SchedulerRules are what minik8s' scheduler does: watch pods and nodes,
// bind pods, mark unschedulable ones in status, record events, lead.
func SchedulerRules() []api.PolicyRule {
	return []api.PolicyRule{
		rule(eventWrite, core, "events"),
		rule(eventWrite, eventsG, "events"),
		rule(g("create"), coordG, "leases"),
		rule(g("get", "update"), coordG, "leases"),
		rule(read, core, "nodes", "namespaces"),
		rule(g("delete", "get", "list", "watch"), core, "pods"),
		rule(g("create"), core, "pods/binding", "bindings"),
		rule(g("patch", "update"), core, "pods/status"),
		rule(read, core, "replicationcontrollers", "services"),
		rule(read, apps, "replicasets"),
		rule(g("create"), authnG, "tokenreviews"),
		rule(g("create"), authzG, "subjectaccessreviews"),
	}
}

// ClusterRoles is the bootstrap ClusterRoles.
func ClusterRoles() []*api.ClusterRole {
	healthURLs := []string{"/livez", "/readyz", "/healthz", "/version", "/version/"}
	return []*api.ClusterRole{
		clusterRole("cluster-admin", nil, rule(g("*"), anyG, "*"), urlRule(g("*"), "*")),
		clusterRole("system:discovery", nil, urlRule(g("get"), append(healthURLs, "/openapi", "/openapi/*", "/api", "/api/*", "/apis", "/apis/*")...)),
		clusterRole("system:monitoring", nil, urlRule(g("get"), "/metrics", "/metrics/slis", "/livez", "/readyz", "/healthz", "/livez/*", "/readyz/*", "/healthz/*")),
		clusterRole("system:basic-user", nil,
			rule(g("create"), authnG, "selfsubjectreviews"),
			rule(g("create"), authzG, "selfsubjectaccessreviews", "selfsubjectrulesreviews")),
		clusterRole("system:public-info-viewer", nil, urlRule(g("get"), healthURLs...)),

		aggregated("admin", nil, AggregateToAdmin),
		aggregated("edit", map[string]string{AggregateToAdmin: "true"}, AggregateToEdit),
		aggregated("view", map[string]string{AggregateToEdit: "true"}, AggregateToView),
		clusterRole("system:aggregate-to-admin", map[string]string{AggregateToAdmin: "true"},
			rule(readWrite, rbacG, "roles", "rolebindings"),
			rule(g("create"), authzG, "localsubjectaccessreviews")),
		clusterRole("system:aggregate-to-edit", map[string]string{AggregateToEdit: "true"},
			rule(g("impersonate"), core, "serviceaccounts"),
			rule(write, core, "pods", "pods/attach", "pods/proxy", "pods/exec", "pods/portforward"),
			rule(g("create"), core, "pods/eviction"),
			rule(write, core, "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services", "services/proxy",
				"persistentvolumeclaims", "configmaps", "secrets", "events"),
			rule(g("create"), core, "serviceaccounts/token"),
			rule(write, apps, "statefulsets", "statefulsets/scale", "daemonsets", "deployments", "deployments/scale", "deployments/rollback",
				"replicasets", "replicasets/scale"),
			rule(write, autoscaling, "horizontalpodautoscalers"),
			rule(write, batch, "jobs", "cronjobs"),
			rule(write, policy, "poddisruptionbudgets"),
			rule(write, networking, "networkpolicies", "ingresses"),
			rule(readWrite, coordG, "leases"),
			rule(read, core, "pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "secrets", "services/proxy")),
		clusterRole("system:aggregate-to-view", map[string]string{AggregateToView: "true"},
			rule(read, core, "pods", "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services", "services/status",
				"endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "configmaps"),
			rule(read, core, "bindings", "events", "limitranges", "namespaces/status", "pods/log", "pods/status",
				"replicationcontrollers/status", "resourcequotas", "resourcequotas/status"),
			rule(read, core, "namespaces"),
			rule(read, discoveryG, "endpointslices"),
			rule(read, apps, "controllerrevisions", "statefulsets", "statefulsets/scale", "statefulsets/status", "daemonsets", "daemonsets/status",
				"deployments", "deployments/scale", "deployments/status", "replicasets", "replicasets/scale", "replicasets/status"),
			rule(read, autoscaling, "horizontalpodautoscalers", "horizontalpodautoscalers/status"),
			rule(read, batch, "cronjobs", "cronjobs/status", "jobs", "jobs/status"),
			rule(read, policy, "poddisruptionbudgets", "poddisruptionbudgets/status"),
			rule(read, networking, "ingresses", "ingresses/status", "networkpolicies")),

		clusterRole("system:node", nil, NodeRules()...),
		clusterRole("system:node-proxier", nil,
			rule(g("list", "watch"), core, "services", "endpoints"),
			rule(g("get", "list", "watch"), core, "nodes"),
			rule(eventWrite, core, "events"),
			rule(eventWrite, eventsG, "events"),
			rule(g("list", "watch"), discoveryG, "endpointslices")),
		clusterRole("system:kube-scheduler", nil, SchedulerRules()...),
		clusterRole("system:kube-controller-manager", nil, ControllerManagerRules()...),
		clusterRole("system:auth-delegator", nil,
			rule(g("create"), authnG, "tokenreviews"),
			rule(g("create"), authzG, "subjectaccessreviews")),
		clusterRole("system:service-account-issuer-discovery", nil,
			urlRule(g("get"), "/.well-known/openid-configuration", "/.well-known/openid-configuration/", "/openid/v1/jwks", "/openid/v1/jwks/")),
	}
}

func clusterRoleBinding(role string, subjects ...api.Subject) *api.ClusterRoleBinding {
	return &api.ClusterRoleBinding{
		TypeMeta: api.TypeMeta{APIVersion: api.RBACGroup + "/v1", Kind: "ClusterRoleBinding"},
		ObjectMeta: api.ObjectMeta{Name: role, Labels: map[string]string{BootstrapLabel: BootstrapLabelValue},
			Annotations: map[string]string{AutoUpdateAnnotation: "true"}},
		RoleRef:  api.RoleRef{APIGroup: api.RBACGroup, Kind: "ClusterRole", Name: role},
		Subjects: subjects,
	}
}

func groupSubject(name string) api.Subject {
	return api.Subject{Kind: api.GroupKind, APIGroup: api.RBACGroup, Name: name}
}

func userSubject(name string) api.Subject {
	return api.Subject{Kind: api.UserKind, APIGroup: api.RBACGroup, Name: name}
}

// ClusterRoleBindings is the bootstrap ClusterRoleBindings (system:node is
// left unbound: the Node authorizer grants kubelets their node's share).
func ClusterRoleBindings() []*api.ClusterRoleBinding {
	return []*api.ClusterRoleBinding{
		clusterRoleBinding("cluster-admin", groupSubject(user.SystemPrivilegedGroup)),
		clusterRoleBinding("system:monitoring", groupSubject(user.MonitoringGroup)),
		clusterRoleBinding("system:discovery", groupSubject(user.AllAuthenticated)),
		clusterRoleBinding("system:basic-user", groupSubject(user.AllAuthenticated)),
		clusterRoleBinding("system:public-info-viewer", groupSubject(user.AllAuthenticated), groupSubject(user.AllUnauthenticated)),
		clusterRoleBinding("system:node-proxier", userSubject(user.KubeProxy)),
		clusterRoleBinding("system:kube-controller-manager", userSubject(user.KubeControllerManager)),
		clusterRoleBinding("system:kube-scheduler", userSubject(user.KubeScheduler)),
		clusterRoleBinding("system:service-account-issuer-discovery", groupSubject(user.AllServiceAccountsGroup)),
	}
}
