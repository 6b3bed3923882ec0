package node

import (
	"context"
	"strings"
	"testing"

	"minik8s/pkg/api"
	"minik8s/pkg/auth/authorizer"
	"minik8s/pkg/auth/user"
)

func nodeUser(name string) *user.Info {
	return &user.Info{Name: user.NodeUserPrefix + name, Groups: []string{user.NodesGroup, user.AllAuthenticated}}
}

func testGraph() *Graph {
	g := NewGraph()
	g.Replace([]*api.Pod{
		{ObjectMeta: api.ObjectMeta{Namespace: "ns", Name: "p1"}, Spec: api.PodSpec{
			NodeName: "n1", ServiceAccountName: "sa1",
			Volumes: []api.Volume{
				{Name: "s", VolumeSource: api.VolumeSource{Secret: &api.SecretVolumeSource{SecretName: "vol-secret"}}},
				{Name: "c", VolumeSource: api.VolumeSource{ConfigMap: &api.ConfigMapVolumeSource{LocalObjectReference: api.LocalObjectReference{Name: "vol-cm"}}}},
				{Name: "p", VolumeSource: api.VolumeSource{Projected: &api.ProjectedVolumeSource{Sources: []api.VolumeProjection{
					{Secret: &api.SecretProjection{LocalObjectReference: api.LocalObjectReference{Name: "proj-secret"}}}}}}},
			},
			Containers: []api.Container{{Name: "c",
				EnvFrom: []api.EnvFromSource{{ConfigMapRef: &api.ConfigMapEnvSource{LocalObjectReference: api.LocalObjectReference{Name: "envfrom-cm"}}}},
				Env: []api.EnvVar{{Name: "X", ValueFrom: &api.EnvVarSource{SecretKeyRef: &api.SecretKeySelector{
					LocalObjectReference: api.LocalObjectReference{Name: "env-secret"}, Key: "k"}}}}}},
		}},
		{ObjectMeta: api.ObjectMeta{Namespace: "ns", Name: "p2"}, Spec: api.PodSpec{NodeName: "n2",
			Volumes: []api.Volume{{Name: "s", VolumeSource: api.VolumeSource{Secret: &api.SecretVolumeSource{SecretName: "other-secret"}}}}}},
		{ObjectMeta: api.ObjectMeta{Namespace: "ns", Name: "pending"}, Spec: api.PodSpec{
			Volumes: []api.Volume{{Name: "s", VolumeSource: api.VolumeSource{Secret: &api.SecretVolumeSource{SecretName: "pending-secret"}}}}}},
	})
	return g
}

func TestNodeAuthorizer(t *testing.T) {
	az := NewAuthorizer(testGraph(), NodeRules())
	allow, no := authorizer.DecisionAllow, authorizer.DecisionNoOpinion
	res := func(verb, group, resource, sub, ns, name string) authorizer.Attributes {
		return authorizer.Attributes{User: nodeUser("n1"), Verb: verb, ResourceRequest: true, APIGroup: group,
			Resource: resource, Subresource: sub, Namespace: ns, Name: name}
	}
	withSel := func(a authorizer.Attributes, sel string) authorizer.Attributes { a.FieldSelector = sel; return a }
	withUser := func(a authorizer.Attributes, u *user.Info) authorizer.Attributes { a.User = u; return a }
	cases := []struct {
		name   string
		a      authorizer.Attributes
		want   authorizer.Decision
		reason string
	}{
		// Not a node: no opinion, whatever the request.
		{"other user", withUser(res("get", "", "secrets", "", "ns", "vol-secret"), &user.Info{Name: "alice"}), no, ""},
		{"node name without group", withUser(res("get", "", "pods", "", "ns", "p1"), &user.Info{Name: "system:node:n1"}), no, ""},
		{"node without name", withUser(res("get", "", "pods", "", "ns", "p1"), &user.Info{Name: "system:node:", Groups: []string{user.NodesGroup}}), no, `unknown node for user "system:node:"`},
		// Pods.
		{"get own pod", res("get", "", "pods", "", "ns", "p1"), allow, ""},
		{"get other node's pod", res("get", "", "pods", "", "ns", "p2"), no, "no relationship found between node 'n1' and this object"},
		{"get unbound pod", res("get", "", "pods", "", "ns", "pending"), no, "no relationship found between node 'n1' and this object"},
		{"list all pods", res("list", "", "pods", "", "", ""), no, "can only list/watch pods with spec.nodeName field selector"},
		{"list pods of a namespace", res("list", "", "pods", "", "ns", ""), no, "can only list/watch pods with spec.nodeName field selector"},
		{"list own pods", withSel(res("list", "", "pods", "", "", ""), "spec.nodeName=n1"), allow, ""},
		{"watch own pods ==", withSel(res("watch", "", "pods", "", "", ""), "status.phase!=Failed,spec.nodeName==n1"), allow, ""},
		{"list other node's pods", withSel(res("list", "", "pods", "", "", ""), "spec.nodeName=n2"), no, "can only list/watch pods with spec.nodeName field selector"},
		{"list not own pods", withSel(res("list", "", "pods", "", "", ""), "spec.nodeName!=n1"), no, "can only list/watch pods with spec.nodeName field selector"},
		{"watch one own pod by name", res("watch", "", "pods", "", "ns", "p1"), allow, ""},
		{"watch one other pod by name", res("watch", "", "pods", "", "ns", "p2"), no, "no relationship found between node 'n1' and this object"},
		{"update own pod status", res("update", "", "pods", "status", "ns", "p1"), allow, ""},
		{"patch other pod status", res("patch", "", "pods", "status", "ns", "p2"), no, "no relationship found between node 'n1' and this object"},
		{"update own pod spec", res("update", "", "pods", "", "ns", "p1"), no, ""},
		{"delete own pod", res("delete", "", "pods", "", "ns", "p1"), allow, ""},
		{"delete other pod", res("delete", "", "pods", "", "ns", "p2"), no, "no relationship found between node 'n1' and this object"},
		{"create pod (mirror, admission checks)", res("create", "", "pods", "", "ns", ""), allow, ""},
		{"evict own pod", res("create", "", "pods", "eviction", "ns", "p1"), allow, ""},
		{"exec into own pod", res("create", "", "pods", "exec", "ns", "p1"), no, ""},
		// Secrets and config maps through the graph.
		{"secret of a volume", res("get", "", "secrets", "", "ns", "vol-secret"), allow, ""},
		{"secret of a projected volume", res("get", "", "secrets", "", "ns", "proj-secret"), allow, ""},
		{"secret of an env var", res("get", "", "secrets", "", "ns", "env-secret"), allow, ""},
		{"secret watched by name", res("watch", "", "secrets", "", "ns", "env-secret"), allow, ""},
		{"secret of another node's pod", res("get", "", "secrets", "", "ns", "other-secret"), no, "no relationship found between node 'n1' and this object"},
		{"secret of an unbound pod", res("get", "", "secrets", "", "ns", "pending-secret"), no, "no relationship found between node 'n1' and this object"},
		{"same name other namespace", res("get", "", "secrets", "", "other", "vol-secret"), no, "no relationship found between node 'n1' and this object"},
		{"list secrets", res("list", "", "secrets", "", "ns", ""), no, "No Object name found"},
		{"update a used secret", res("update", "", "secrets", "", "ns", "vol-secret"), no, "can only read resources of this type"},
		{"configmap of a volume", res("get", "", "configmaps", "", "ns", "vol-cm"), allow, ""},
		{"configmap of envFrom", res("get", "", "configmaps", "", "ns", "envfrom-cm"), allow, ""},
		{"unused configmap", res("get", "", "configmaps", "", "ns", "nope"), no, "no relationship found between node 'n1' and this object"},
		// Service account tokens.
		{"token of own pod's sa", res("create", "", "serviceaccounts", "token", "ns", "sa1"), allow, ""},
		{"token of another sa", res("create", "", "serviceaccounts", "token", "ns", "default"), no, "no relationship found between node 'n1' and this object"},
		{"get a sa", res("get", "", "serviceaccounts", "", "ns", "sa1"), no, "can only create tokens for individual service accounts"},
		// Leases.
		{"own lease", res("update", "coordination.k8s.io", "leases", "", "kube-node-lease", "n1"), allow, ""},
		{"create lease", res("create", "coordination.k8s.io", "leases", "", "kube-node-lease", ""), allow, ""},
		{"other node's lease", res("update", "coordination.k8s.io", "leases", "", "kube-node-lease", "n2"), no, "can only access node lease with the same name as the requesting node"},
		{"lease elsewhere", res("get", "coordination.k8s.io", "leases", "", "kube-system", "n1"), no, `can only access leases in the "kube-node-lease" system namespace`},
		{"list leases", res("list", "coordination.k8s.io", "leases", "", "kube-node-lease", ""), no, "can only get, create, update, patch, or delete a node lease"},
		// Nodes.
		{"list nodes", res("list", "", "nodes", "", "", ""), allow, ""},
		{"get other node", res("get", "", "nodes", "", "", "n2"), allow, ""},
		{"update own node", res("update", "", "nodes", "", "", "n1"), allow, ""},
		{"patch own node status", res("patch", "", "nodes", "status", "", "n1"), allow, ""},
		{"update other node", res("update", "", "nodes", "", "", "n2"), no, "node 'n1' cannot modify node 'n2'"},
		{"update other node status", res("update", "", "nodes", "status", "", "n2"), no, "node 'n1' cannot modify node 'n2'"},
		{"delete own node", res("delete", "", "nodes", "", "", "n1"), no, ""},
		// Static rules.
		{"create event", res("create", "", "events", "", "ns", ""), allow, ""},
		{"list services", res("list", "", "services", "", "", ""), allow, ""},
		{"watch endpointslices", res("watch", "discovery.k8s.io", "endpointslices", "", "", ""), allow, ""},
		{"create tokenreview", res("create", "authentication.k8s.io", "tokenreviews", "", "", ""), allow, ""},
		{"create subjectaccessreview", res("create", "authorization.k8s.io", "subjectaccessreviews", "", "", ""), allow, ""},
		{"delete service", res("delete", "", "services", "", "ns", "x"), no, ""},
		{"list deployments", res("list", "apps", "deployments", "", "", ""), no, ""},
		{"non-resource", authorizer.Attributes{User: nodeUser("n1"), Verb: "get", Path: "/healthz"}, no, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, reason, err := az.Authorize(context.Background(), tc.a)
			if err != nil || d != tc.want || reason != tc.reason {
				t.Errorf("got %v %q %v, want %v %q", d, reason, err, tc.want, tc.reason)
			}
		})
	}
}

func TestGraphUpdates(t *testing.T) {
	g := testGraph()
	if !g.Related("n1", KindSecret, "ns", "vol-secret") {
		t.Fatal("vol-secret not related to n1")
	}
	// Moving the secret's only pod away (a new pod with the same name on
	// another node) moves the relation.
	g.SetPod(&api.Pod{ObjectMeta: api.ObjectMeta{Namespace: "ns", Name: "p1"}, Spec: api.PodSpec{NodeName: "n2",
		Volumes: []api.Volume{{Name: "s", VolumeSource: api.VolumeSource{Secret: &api.SecretVolumeSource{SecretName: "vol-secret"}}}}}})
	if g.Related("n1", KindSecret, "ns", "vol-secret") || !g.Related("n2", KindSecret, "ns", "vol-secret") {
		t.Error("vol-secret did not follow p1 to n2")
	}
	if g.Related("n1", KindConfigMap, "ns", "vol-cm") {
		t.Error("vol-cm still related after p1 dropped it")
	}
	// Two pods on n2 use other-secret's name now; deleting one keeps it.
	g.SetPod(&api.Pod{ObjectMeta: api.ObjectMeta{Namespace: "ns", Name: "p3"}, Spec: api.PodSpec{NodeName: "n2",
		Volumes: []api.Volume{{Name: "s", VolumeSource: api.VolumeSource{Secret: &api.SecretVolumeSource{SecretName: "other-secret"}}}}}})
	g.DeletePod("ns", "p2")
	if !g.Related("n2", KindSecret, "ns", "other-secret") {
		t.Error("other-secret lost while p3 still uses it")
	}
	g.DeletePod("ns", "p3")
	if g.Related("n2", KindSecret, "ns", "other-secret") || g.PodNode("ns", "p3") != "" {
		t.Error("other-secret still related after its pods are gone")
	}
	if len(g.uses[vertex{KindSecret, "ns", "other-secret"}]) != 0 {
		t.Error("graph leaks counts")
	}
}

func TestAdmit(t *testing.T) {
	mirror := func(node string, mutate func(*api.Pod)) *api.Pod {
		p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "m", Annotations: map[string]string{MirrorPodAnnotation: "x"}}, Spec: api.PodSpec{NodeName: node}}
		if mutate != nil {
			mutate(p)
		}
		return p
	}
	boundPod := func(node string, labels map[string]string) *api.Pod {
		return &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p", Labels: labels}, Spec: api.PodSpec{NodeName: node}}
	}
	node := func(name string, labels map[string]string, taints ...api.Taint) *api.Node {
		return &api.Node{ObjectMeta: api.ObjectMeta{Name: name, Labels: labels}, Spec: api.NodeSpec{Taints: taints}}
	}
	cases := []struct {
		name          string
		resource, sub string
		obj, old      api.Object
		want          string
	}{
		{"mirror pod on itself", "pods", "", mirror("n1", nil), nil, ""},
		{"plain pod", "pods", "", boundPod("n1", nil), nil, `pod does not have "kubernetes.io/config.mirror" annotation, node "n1" can only create mirror pods`},
		{"mirror pod on another node", "pods", "", mirror("n2", nil), nil, `node "n1" can only create pods with spec.nodeName set to itself`},
		{"mirror pod with a secret", "pods", "", mirror("n1", func(p *api.Pod) {
			p.Spec.Volumes = []api.Volume{{Name: "s", VolumeSource: api.VolumeSource{Secret: &api.SecretVolumeSource{SecretName: "s"}}}}
		}), nil, `node "n1" can not create pods that reference secrets`},
		{"mirror pod with a service account", "pods", "", mirror("n1", func(p *api.Pod) { p.Spec.ServiceAccountName = "default" }), nil,
			`node "n1" can not create pods that reference a service account`},
		{"own pod status", "pods", "status", boundPod("n1", nil), boundPod("n1", nil), ""},
		{"other node's pod status", "pods", "status", boundPod("n1", nil), boundPod("n2", nil), `node "n1" can only update pod status for pods with spec.nodeName set to itself`},
		{"labels through status", "pods", "status", boundPod("n1", map[string]string{"a": "b"}), boundPod("n1", nil), `node "n1" cannot update labels through pod status`},
		{"register itself", "nodes", "", node("n1", map[string]string{"kubernetes.io/hostname": "n1"}), nil, ""},
		{"register another node", "nodes", "", node("n2", nil), nil, `node "n1" is not allowed to modify node "n2"`},
		{"register with a restricted label", "nodes", "", node("n1", map[string]string{"node-restriction.kubernetes.io/pci": "y", "a.node-restriction.kubernetes.io/b": "y"}), nil,
			`node "n1" is not allowed to set the following labels: a.node-restriction.kubernetes.io/b, node-restriction.kubernetes.io/pci`},
		{"keep a restricted label", "nodes", "", node("n1", map[string]string{"node-restriction.kubernetes.io/pci": "y", "x": "1"}), node("n1", map[string]string{"node-restriction.kubernetes.io/pci": "y"}), ""},
		{"remove a restricted label", "nodes", "", node("n1", nil), node("n1", map[string]string{"node-restriction.kubernetes.io/pci": ""}),
			"is not allowed to modify labels: node-restriction.kubernetes.io/pci"},
		{"change own taints", "nodes", "", node("n1", nil), node("n1", nil, api.Taint{Key: "k", Effect: "NoSchedule"}), `node "n1" is not allowed to modify taints`},
		{"status of another node", "nodes", "status", node("n2", nil), node("n2", nil), `node "n1" is not allowed to modify node "n2"`},
		{"own lease", "leases", "", &api.Lease{ObjectMeta: api.ObjectMeta{Name: "n1"}}, nil, ""},
		{"other node's lease", "leases", "", &api.Lease{ObjectMeta: api.ObjectMeta{Name: "n2"}}, nil, "can only access node lease with the same name as the requesting node"},
	}
	for _, tc := range cases {
		if got := Admit("n1", tc.resource, tc.sub, tc.obj, tc.old); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestNodeRulesAreKubernetesShaped(t *testing.T) {
	for _, r := range NodeRules() {
		if len(r.Verbs) == 0 || len(r.APIGroups) != 1 || len(r.Resources) == 0 {
			t.Errorf("malformed rule %+v", r)
		}
		for _, v := range r.Verbs {
			if strings.Contains(v, "*") || v == "delete" {
				t.Errorf("rule %+v grants %q to every node", r, v)
			}
		}
	}
}
