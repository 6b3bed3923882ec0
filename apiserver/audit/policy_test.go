package audit

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"minik8s/pkg/auth/authorizer"
	"minik8s/pkg/auth/user"
)

// The requests and rules of Kubernetes' policy/checker_test.go.
var (
	tim   = &user.Info{Name: "tim@k8s.io", Groups: []string{"humans", "developers"}}
	attrs = map[string]authorizer.Attributes{
		"namespaced": {User: tim, Verb: "get", Namespace: "default", APIVersion: "v1", Resource: "pods", Name: "busybox",
			ResourceRequest: true, Path: "/api/v1/namespaces/default/pods/busybox"},
		"cluster": {User: tim, Verb: "get", APIGroup: "rbac.authorization.k8s.io", APIVersion: "v1beta1", Resource: "clusterroles",
			Name: "edit", ResourceRequest: true, Path: "/apis/rbac.authorization.k8s.io/v1beta1/clusterroles/edit"},
		"nonResource": {User: tim, Verb: "get", Path: "/logs/kubelet.log"},
		"subresource": {User: tim, Verb: "get", Namespace: "default", APIVersion: "v1", Resource: "pods", Subresource: "log",
			Name: "busybox", ResourceRequest: true, Path: "/api/v1/namespaces/default/pods/busybox"},
		"Unauthorized": {Verb: "get", Namespace: "default", APIVersion: "v1", Resource: "pods", Name: "busybox",
			ResourceRequest: true, Path: "/api/v1/namespaces/default/pods/busybox"},
	}
	rules = map[string]PolicyRule{
		"default":                           {Level: LevelMetadata},
		"create":                            {Level: LevelRequest, Verbs: []string{"create"}},
		"tims":                              {Level: LevelMetadata, Users: []string{"tim@k8s.io"}},
		"humans":                            {Level: LevelMetadata, UserGroups: []string{"humans"}},
		"serviceAccounts":                   {Level: LevelRequest, UserGroups: []string{"system:serviceaccounts"}},
		"getPods":                           {Level: LevelRequestResponse, Verbs: []string{"get"}, Resources: []GroupResources{{Resources: []string{"pods"}}}},
		"getPodLogs":                        {Level: LevelRequest, Verbs: []string{"get"}, Resources: []GroupResources{{Resources: []string{"pods/log"}}}},
		"getPodWildcardMatching":            {Level: LevelRequest, Verbs: []string{"get"}, Resources: []GroupResources{{Resources: []string{"*"}}}},
		"getPodResourceWildcardMatching":    {Level: LevelRequest, Verbs: []string{"get"}, Resources: []GroupResources{{Resources: []string{"*/log"}}}},
		"getPodSubResourceWildcardMatching": {Level: LevelRequest, Verbs: []string{"get"}, Resources: []GroupResources{{Resources: []string{"pods/*"}}}},
		"getClusterRoles": {Level: LevelRequestResponse, Verbs: []string{"get"},
			Resources: []GroupResources{{Group: "rbac.authorization.k8s.io", Resources: []string{"clusterroles"}}}, Namespaces: []string{""}},
		"getLogs":    {Level: LevelRequestResponse, Verbs: []string{"get"}, NonResourceURLs: []string{"/logs*"}},
		"getMetrics": {Level: LevelRequest, Verbs: []string{"get"}, NonResourceURLs: []string{"/metrics"}},
		"clusterRoleEdit": {Level: LevelRequest,
			Resources: []GroupResources{{Group: "rbac.authorization.k8s.io", Resources: []string{"clusterroles"}, ResourceNames: []string{"edit"}}}},
		"omit RequestReceived": {Level: LevelRequest, OmitStages: []Stage{StageRequestReceived}},
		"only audit panic":     {Level: LevelRequest, OmitStages: []Stage{StageRequestReceived, StageResponseStarted, StageResponseComplete}},
	}
)

type checkCase struct {
	req   string
	level Level
	rules []string
}

// levelCases is Kubernetes' testAuditLevel.
var levelCases = []checkCase{
	{"namespaced", LevelMetadata, []string{"default"}},
	{"namespaced", LevelNone, []string{"create"}},
	{"namespaced", LevelMetadata, []string{"tims"}},
	{"namespaced", LevelMetadata, []string{"humans"}},
	{"namespaced", LevelNone, []string{"serviceAccounts"}},
	{"namespaced", LevelRequestResponse, []string{"getPods"}},
	{"namespaced", LevelNone, []string{"getClusterRoles"}},
	{"namespaced", LevelNone, []string{"getLogs"}},
	{"namespaced", LevelNone, []string{"getMetrics"}},
	{"namespaced", LevelMetadata, []string{"getMetrics", "serviceAccounts", "default"}},
	{"namespaced", LevelRequestResponse, []string{"getMetrics", "getPods", "default"}},
	{"namespaced", LevelRequestResponse, []string{"getPodLogs", "getPods"}},
	{"cluster", LevelMetadata, []string{"default"}},
	{"cluster", LevelNone, []string{"create"}},
	{"cluster", LevelMetadata, []string{"tims"}},
	{"cluster", LevelMetadata, []string{"humans"}},
	{"cluster", LevelNone, []string{"serviceAccounts"}},
	{"cluster", LevelNone, []string{"getPods"}},
	{"cluster", LevelRequestResponse, []string{"getClusterRoles"}},
	{"cluster", LevelRequest, []string{"clusterRoleEdit", "getClusterRoles"}},
	{"cluster", LevelNone, []string{"getLogs"}},
	{"cluster", LevelNone, []string{"getMetrics"}},
	{"cluster", LevelMetadata, []string{"getMetrics", "serviceAccounts", "default"}},
	{"cluster", LevelRequestResponse, []string{"getMetrics", "getClusterRoles", "default"}},
	{"cluster", LevelNone, []string{"getPodLogs", "getPods"}},
	{"nonResource", LevelMetadata, []string{"default"}},
	{"nonResource", LevelNone, []string{"create"}},
	{"nonResource", LevelMetadata, []string{"tims"}},
	{"nonResource", LevelMetadata, []string{"humans"}},
	{"nonResource", LevelNone, []string{"serviceAccounts"}},
	{"nonResource", LevelNone, []string{"getPods"}},
	{"nonResource", LevelNone, []string{"getClusterRoles"}},
	{"nonResource", LevelRequestResponse, []string{"getLogs"}},
	{"nonResource", LevelNone, []string{"getMetrics"}},
	{"nonResource", LevelMetadata, []string{"getMetrics", "serviceAccounts", "default"}},
	{"nonResource", LevelRequestResponse, []string{"getLogs", "getClusterRoles", "default"}},
	{"nonResource", LevelNone, []string{"getPodLogs", "getPods"}},
	{"subresource", LevelRequest, []string{"getPodLogs", "getPods"}},
	{"subresource", LevelRequest, []string{"getPodWildcardMatching"}},
	{"subresource", LevelRequest, []string{"getPodResourceWildcardMatching"}},
	{"subresource", LevelRequest, []string{"getPodSubResourceWildcardMatching"}},
	{"Unauthorized", LevelNone, []string{"tims"}},
	{"Unauthorized", LevelMetadata, []string{"tims", "default"}},
	{"Unauthorized", LevelNone, []string{"humans"}},
	{"Unauthorized", LevelMetadata, []string{"humans", "default"}},
}

func check(t *testing.T, c checkCase, policyStages, wantStages []Stage) {
	t.Helper()
	p := &Policy{OmitStages: policyStages}
	for _, r := range c.rules {
		p.Rules = append(p.Rules, rules[r])
	}
	level, stages := p.LevelAndStages(attrs[c.req])
	slices.Sort(stages)
	want := slices.Clone(wantStages)
	slices.Sort(want)
	if level != c.level || !slices.Equal(stages, want) {
		t.Errorf("%s with %v: %s %v, want %s %v", c.req, c.rules, level, stages, c.level, want)
	}
}

// TestChecker is Kubernetes' TestChecker and TestCheckerPolicyOmitStages.
func TestChecker(t *testing.T) {
	for _, policyStages := range [][]Stage{nil, {StageRequestReceived, StageResponseStarted}} {
		for _, c := range levelCases {
			check(t, c, policyStages, policyStages)
		}
	}
	rr, all := []Stage{StageRequestReceived}, []Stage{StageRequestReceived, StageResponseStarted, StageResponseComplete}
	for _, req := range []string{"namespaced", "cluster", "nonResource"} {
		check(t, checkCase{req, LevelRequest, []string{"omit RequestReceived", "getPods", "default"}}, nil, rr)
		check(t, checkCase{req, LevelRequest, []string{"only audit panic", "getPods", "default"}}, nil, all)
		check(t, checkCase{req, LevelRequest, []string{"omit RequestReceived", "getPods", "default"}},
			[]Stage{StageRequestReceived, StageResponseStarted}, []Stage{StageRequestReceived, StageResponseStarted})
		check(t, checkCase{req, LevelRequest, []string{"only audit panic", "getPods", "default"}},
			[]Stage{StageRequestReceived, StageResponseStarted}, all)
	}
}

func TestParsePolicy(t *testing.T) {
	head := "apiVersion: audit.k8s.io/v1\nkind: Policy\n"
	p, err := ParsePolicy([]byte(head + "omitStages: [RequestReceived]\nrules:\n- level: None\n  verbs: [get, list, watch]\n- level: Metadata\n"))
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := p.LevelAndStages(authorizer.Attributes{Verb: "list", ResourceRequest: true, Resource: "pods"}); l != LevelNone {
		t.Errorf("list: %s", l)
	}
	if l, s := p.LevelAndStages(authorizer.Attributes{Verb: "create", ResourceRequest: true, Resource: "pods"}); l != LevelMetadata || !slices.Equal(s, []Stage{StageRequestReceived}) {
		t.Errorf("create: %s %v", l, s)
	}
	for body, want := range map[string]string{
		"rules:\n- level: Everything\n":                                       `rules[0].level: Unsupported value: "Everything"`,
		"rules:\n- level: None\n  omitStages: [Done]\n":                       `rules[0].omitStages[0]: Invalid value: "Done"`,
		"omitStages: [Later]\nrules:\n- level: None\n":                        `omitStages[0]: Invalid value: "Later"`,
		"rules:\n- level: None\n  nonResourceURLs: ['/a*b']\n":                `rules[0].nonResourceURLs[0]: Invalid value: "/a*b": non-resource URL wildcards '*' must be the final character of the rule`,
		"rules:\n- level: None\n  nonResourceURLs: [/x]\n  namespaces: [a]\n": `rules[0].nonResourceURLs: Invalid value: []string{"/x"}: rules cannot apply to both regular resources and non-resource URLs`,
		"rules:\n- level: None\n  resources: [{resourceNames: [x]}]\n":        `rules[0].resources.resourceNames: Invalid value: []string{"x"}: using resourceNames requires at least one resource`,
		"rules:\n- level: None\n  nonResourceURLs: [healthz]\n":               `rules[0].nonResourceURLs[0]: Invalid value: "healthz": non-resource URL rules must begin with a '/' character`,
		"rules:\n- verbs: [get]\n":                                            "rules[0].level: Required value",
		"rules:\n- level: None\n  user: [bob]\n":                              `unknown field "user"`,
		"rules: []\n":                                                         "loaded illegal policy with 0 rules",
	} {
		if _, err := ParsePolicy([]byte(head + body)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err %v, want %q", body, err, want)
		}
	}
	if _, err := ParsePolicy([]byte("apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules:\n- level: None\n")); err == nil {
		t.Error("v1beta1 policy accepted")
	}
}

// TestEventJSON: the field names and formats of audit.k8s.io/v1 Event.
func TestEventJSON(t *testing.T) {
	ts := MicroTime(time.Date(2026, 12, 2, 16, 0, 0, 123456789, time.UTC))
	ev := Event{Kind: "Event", APIVersion: "audit.k8s.io/v1", Level: LevelMetadata, AuditID: "id", Stage: StageResponseComplete,
		RequestURI: "/api/v1/namespaces/default/pods", Verb: "create", User: user.Info{Name: "bob", Groups: []string{"system:authenticated"}},
		SourceIPs: []string{"127.0.0.1"}, UserAgent: "kubectl", ObjectRef: &ObjectReference{Resource: "pods", Namespace: "default", Name: "p", APIVersion: "v1"},
		ResponseStatus: &ResponseStatus{Code: 201}, RequestReceivedTimestamp: ts, StageTimestamp: ts,
		Annotations: map[string]string{DecisionAnnotation: DecisionAllow, ReasonAnnotation: ""}}
	b, _ := json.Marshal(ev)
	want := `{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"id","stage":"ResponseComplete",` +
		`"requestURI":"/api/v1/namespaces/default/pods","verb":"create","user":{"username":"bob","groups":["system:authenticated"]},` +
		`"sourceIPs":["127.0.0.1"],"userAgent":"kubectl","objectRef":{"resource":"pods","namespace":"default","name":"p","apiVersion":"v1"},` +
		`"responseStatus":{"metadata":{},"code":201},"requestReceivedTimestamp":"2026-12-02T16:00:00.123456Z","stageTimestamp":"2026-12-02T16:00:00.123456Z",` +
		`"annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}}`
	if string(b) != want {
		t.Errorf("event JSON\n got %s\nwant %s", b, want)
	}
}
