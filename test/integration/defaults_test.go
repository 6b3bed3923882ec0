package integration

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"

	"minik8s/apiserver"
	"minik8s/apiserver/storage"
	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
)

// defaultsSpecOf GETs an object and returns its spec as generic JSON.
func defaultsSpecOf(t *testing.T, url string) map[string]any {
	t.Helper()
	var obj struct {
		Spec map[string]any `json:"spec"`
	}
	if err := json.Unmarshal(mustDo(t, http.StatusOK, "GET", url, "", ""), &obj); err != nil {
		t.Fatal(err)
	}
	return obj.Spec
}

func defaultsJSONOf(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestPodDefaultsAsKubernetes: a minimal pod reads back with the spec
// Kubernetes 1.32 gives it (pkg/apis/core/v1/defaults.go, the
// ServiceAccount, Priority and DefaultTolerationSeconds admission plugins),
// short of the service account token volume minik8s does not mount; a
// pod template gets the defaults but not the admission's; a mirror pod
// gets no service account.
func TestPodDefaultsAsKubernetes(t *testing.T) {
	ts := testserver.Start(t)
	pods := ts.URL + "/api/v1/namespaces/default/pods"
	mustDo(t, http.StatusCreated, "POST", pods, "application/json",
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"minimal"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}`)
	want := defaultsJSONOf(t, `{
		"containers":[{"name":"c","image":"busybox","imagePullPolicy":"Always","resources":{},
			"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}],
		"dnsPolicy":"ClusterFirst","enableServiceLinks":true,"priority":0,"restartPolicy":"Always",
		"schedulerName":"default-scheduler","securityContext":{},"serviceAccount":"default","serviceAccountName":"default",
		"terminationGracePeriodSeconds":30,
		"tolerations":[
			{"effect":"NoExecute","key":"node.kubernetes.io/not-ready","operator":"Exists","tolerationSeconds":300},
			{"effect":"NoExecute","key":"node.kubernetes.io/unreachable","operator":"Exists","tolerationSeconds":300}]}`)
	if got := defaultsSpecOf(t, pods+"/minimal"); !reflect.DeepEqual(got, want) {
		t.Errorf("minimal pod spec:\n got %v\nwant %v", got, want)
	}

	// The deprecated serviceAccount names the account when
	// serviceAccountName is empty; an explicit one is kept.
	mustDo(t, http.StatusCreated, "POST", pods, "application/json",
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"old"},"spec":{"serviceAccount":"builder","containers":[{"name":"c","image":"busybox:1.36"}]}}`)
	if s := defaultsSpecOf(t, pods+"/old"); s["serviceAccountName"] != "builder" || s["serviceAccount"] != "builder" {
		t.Errorf("deprecated serviceAccount: %v", s)
	}
	// A mirror pod has no service account.
	mustDo(t, http.StatusCreated, "POST", pods, "application/json",
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"mirror","annotations":{"kubernetes.io/config.mirror":"x"}},"spec":{"nodeName":"n1","containers":[{"name":"c","image":"busybox"}]}}`)
	if s := defaultsSpecOf(t, pods+"/mirror"); s["serviceAccountName"] != nil || s["serviceAccount"] != nil {
		t.Errorf("mirror pod service account: %v", s)
	}
	// A field minik8s does not implement is refused, not dropped.
	code, b := do(t, "POST", pods, "application/json",
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"sc"},"spec":{"os":{"name":"linux"},"containers":[{"name":"c","image":"busybox"}]}}`)
	if code != http.StatusBadRequest && code != http.StatusUnprocessableEntity {
		t.Errorf("pod with spec.os: %d %s", code, b)
	}
	// An update that sends the pod back as read keeps it valid.
	cur := mustDo(t, http.StatusOK, "GET", pods+"/minimal", "", "")
	mustDo(t, http.StatusOK, "PUT", pods+"/minimal", "application/json", string(cur))
	// So does one that leaves the server-set fields out: they are kept.
	mustDo(t, http.StatusOK, "PUT", pods+"/minimal", "application/json",
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"minimal","labels":{"v":"2"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}`)
	if got := defaultsSpecOf(t, pods+"/minimal"); !reflect.DeepEqual(got, want) {
		t.Errorf("after a PUT without defaults:\n got %v\nwant %v", got, want)
	}

	// A Deployment's template: defaults, not the pod admission's.
	mustDo(t, http.StatusCreated, "POST", ts.URL+"/apis/apps/v1/namespaces/default/deployments", "application/json",
		`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":0,"selector":{"matchLabels":{"app":"d"}},
		"template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}}}`)
	tmpl := defaultsSpecOf(t, ts.URL+"/apis/apps/v1/namespaces/default/deployments/d")["template"].(map[string]any)["spec"].(map[string]any)
	if !reflect.DeepEqual(tmpl["securityContext"], map[string]any{}) || tmpl["serviceAccountName"] != nil || tmpl["priority"] != nil || tmpl["tolerations"] != nil {
		t.Errorf("deployment template spec: %v", tmpl)
	}
}

// TestNamespaceMetadataNameLabel: every namespace carries
// kubernetes.io/metadata.name=<name>, which an update can neither change
// nor remove; a system namespace stored without it (an older minik8s)
// gets it when the apiserver starts.
func TestNamespaceMetadataNameLabel(t *testing.T) {
	emb, err := storage.StartEmbedded(storage.EmbeddedConfig{DataDir: t.TempDir(), NoFsync: true, LogLevel: "fatal"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emb.Close)
	st, err := storage.NewEtcd([]string{emb.ClientURL()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	old := `{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"kube-public","uid":"u1","creationTimestamp":"2025-01-01T00:00:00Z","labels":{"keep":"me"}},` +
		`"spec":{"finalizers":["kubernetes"]},"status":{"phase":"Active"}}`
	if _, err := st.Create(context.Background(), "/registry/namespaces/kube-public", []byte(old)); err != nil {
		t.Fatal(err)
	}
	ts := testserver.StartWithOptions(t, func(o *apiserver.Options) { o.EtcdServers = []string{emb.ClientURL()} })
	nsURL := ts.URL + "/api/v1/namespaces"

	labelsOf := func(name string) map[string]string {
		t.Helper()
		return decodeInto[api.Namespace](t, mustDo(t, http.StatusOK, "GET", nsURL+"/"+name, "", "")).Labels
	}
	for _, n := range []string{"default", "kube-system", "kube-node-lease"} {
		if l := labelsOf(n); !reflect.DeepEqual(l, map[string]string{"kubernetes.io/metadata.name": n}) {
			t.Errorf("namespace %s labels %v", n, l)
		}
	}
	if l := labelsOf("kube-public"); !reflect.DeepEqual(l, map[string]string{"keep": "me", "kubernetes.io/metadata.name": "kube-public"}) {
		t.Errorf("stored kube-public labels %v", l)
	}

	mustDo(t, http.StatusCreated, "POST", nsURL, "application/json",
		`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"lab","labels":{"kubernetes.io/metadata.name":"other","team":"a"}}}`)
	created := decodeInto[api.Namespace](t, mustDo(t, http.StatusCreated, "POST", nsURL, "application/json",
		`{"apiVersion":"v1","kind":"Namespace","metadata":{"generateName":"gen-"}}`))
	if created.Labels["kubernetes.io/metadata.name"] != created.Name {
		t.Errorf("generated namespace %s labels %v", created.Name, created.Labels)
	}
	for _, tc := range []struct{ name, ct, patch string }{
		{"merge change", "application/merge-patch+json", `{"metadata":{"labels":{"kubernetes.io/metadata.name":"x"}}}`},
		{"merge remove", "application/merge-patch+json", `{"metadata":{"labels":{"kubernetes.io/metadata.name":null}}}`},
		{"json remove", "application/json-patch+json", `[{"op":"remove","path":"/metadata/labels/kubernetes.io~1metadata.name"}]`},
		{"drop all", "application/merge-patch+json", `{"metadata":{"labels":null}}`},
	} {
		mustDo(t, http.StatusOK, "PATCH", nsURL+"/lab", tc.ct, tc.patch)
		if l := labelsOf("lab"); l["kubernetes.io/metadata.name"] != "lab" {
			t.Errorf("%s: labels %v", tc.name, l)
		}
	}
	// PUT without labels: the label is back.
	mustDo(t, http.StatusOK, "PUT", nsURL+"/lab", "application/json", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"lab"}}`)
	if l := labelsOf("lab"); !reflect.DeepEqual(l, map[string]string{"kubernetes.io/metadata.name": "lab"}) {
		t.Errorf("after PUT: labels %v", l)
	}
}
