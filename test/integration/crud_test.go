package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
)

// sample returns a small valid object of each kind, named name.
func sample(kind, name string) string {
	tmpl := `{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}`
	m := map[string]string{
		"Namespace": `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"%s"}}`,
		"Node":      `{"apiVersion":"v1","kind":"Node","metadata":{"name":"%s","labels":{"tier":"x"}},"spec":{"podCIDR":"10.244.1.0/24"}}`,
		"Pod":       `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s","labels":{"tier":"x"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}`,
		"Service":   `{"apiVersion":"v1","kind":"Service","metadata":{"name":"%s","labels":{"tier":"x"}},"spec":{"selector":{"app":"web"},"ports":[{"port":80,"targetPort":8080}]}}`,
		"Endpoints": `{"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"%s","labels":{"tier":"x"}},"subsets":[{"addresses":[{"ip":"10.244.1.5"}],"ports":[{"port":8080}]}]}`,
		"Event": `{"apiVersion":"v1","kind":"Event","metadata":{"name":"%s","labels":{"tier":"x"}},"involvedObject":{"kind":"Pod","name":"p","namespace":"default"},` +
			`"reason":"Started","message":"hi","type":"Normal","count":1,"source":{"component":"test"},"reportingComponent":"test","reportingInstance":"t"}`,
		"ReplicaSet":            `{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"%s","labels":{"tier":"x"}},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},"template":` + tmpl + `}}`,
		"ReplicationController": `{"apiVersion":"v1","kind":"ReplicationController","metadata":{"name":"%s","labels":{"tier":"x"}},"spec":{"replicas":2,"selector":{"app":"web"},"template":` + tmpl + `}}`,
		"Deployment":            `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"%s","labels":{"tier":"x"}},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},"template":` + tmpl + `}}`,
		"HorizontalPodAutoscaler": `{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"%s","labels":{"tier":"x"}},` +
			`"spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},"minReplicas":1,"maxReplicas":5,` +
			`"metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":50}}}]}}`,
		"EndpointSlice": `{"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"%s","labels":{"tier":"x"}},"addressType":"IPv4",` +
			`"endpoints":[{"addresses":["10.244.1.5"],"conditions":{"ready":true}}],"ports":[{"name":"http","port":8080,"protocol":"TCP"}]}`,
		"DaemonSet":          `{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"%s","labels":{"tier":"x"}},"spec":{"selector":{"matchLabels":{"app":"web"}},"template":` + tmpl + `}}`,
		"ConfigMap":          `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"%s","labels":{"tier":"x"}},"data":{"a":"1"}}`,
		"Secret":             `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"%s","labels":{"tier":"x"}},"data":{"a":"MQ=="}}`,
		"ServiceAccount":     `{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"%s","labels":{"tier":"x"}}}`,
		"ControllerRevision": `{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":"%s","labels":{"tier":"x"}},"data":{"spec":{}},"revision":1}`,
		"Ingress": `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"%s","labels":{"tier":"x"}},"spec":{"rules":[{"host":"shop.example","http":{"paths":` +
			`[{"path":"/a","pathType":"Prefix","backend":{"service":{"name":"web","port":{"number":80}}}}]}}]}}`,
		"IngressClass": `{"apiVersion":"networking.k8s.io/v1","kind":"IngressClass","metadata":{"name":"%s","labels":{"tier":"x"}},"spec":{"controller":"example.com/ingress"}}`,
		"Job":          `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"%s","labels":{"tier":"x"}},"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"busybox"}]}}}}`,
		"CronJob": `{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"%s","labels":{"tier":"x"}},"spec":{"schedule":"@hourly","jobTemplate":` +
			`{"spec":{"template":{"spec":{"restartPolicy":"OnFailure","containers":[{"name":"c","image":"busybox"}]}}}}}}`,
		"Lease": `{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"%s","labels":{"tier":"x"}},"spec":{"holderIdentity":"a","leaseDurationSeconds":15}}`,
	}
	return fmt.Sprintf(m[kind], name)
}

func TestCRUDEveryResource(t *testing.T) {
	ts := testserver.Start(t)
	for _, info := range api.Resources {
		t.Run(info.Resource, func(t *testing.T) {
			name := "obj-" + strings.ToLower(info.Kind)
			coll := ts.URL + info.Path("default", "")
			item := ts.URL + info.Path("default", name)

			b := mustDo(t, http.StatusCreated, "POST", coll, "application/json", sample(info.Kind, name))
			var created map[string]any
			json.Unmarshal(b, &created)
			meta := created["metadata"].(map[string]any)
			if created["kind"] != info.Kind || created["apiVersion"] != info.APIVersion() {
				t.Errorf("created kind/apiVersion: %v %v", created["kind"], created["apiVersion"])
			}
			for _, f := range []string{"uid", "creationTimestamp", "resourceVersion"} {
				if meta[f] == nil || meta[f] == "" {
					t.Errorf("server did not set metadata.%s: %s", f, b)
				}
			}
			if info.Namespaced && meta["namespace"] != "default" {
				t.Errorf("namespace = %v, want default", meta["namespace"])
			}
			if !info.Namespaced && meta["namespace"] != nil {
				t.Errorf("cluster-scoped object has namespace %v", meta["namespace"])
			}
			if meta["generation"] != float64(1) {
				t.Errorf("generation = %v, want 1", meta["generation"])
			}

			// A second create is AlreadyExists.
			code, b := do(t, "POST", coll, "application/json", sample(info.Kind, name))
			if st := status(t, b); code != http.StatusConflict || st.Reason != "AlreadyExists" {
				t.Errorf("duplicate create: %d %s", code, b)
			}

			got := mustDo(t, http.StatusOK, "GET", item, "", "")
			var gotObj map[string]any
			json.Unmarshal(got, &gotObj)
			if gotObj["metadata"].(map[string]any)["uid"] != meta["uid"] {
				t.Errorf("get returned a different object: %s", got)
			}

			// Update: add a label with the current resourceVersion.
			gotObj["metadata"].(map[string]any)["labels"] = map[string]any{"tier": "y"}
			upd, _ := json.Marshal(gotObj)
			b = mustDo(t, http.StatusOK, "PUT", item, "application/json", string(upd))
			var updated map[string]any
			json.Unmarshal(b, &updated)
			um := updated["metadata"].(map[string]any)
			if um["labels"].(map[string]any)["tier"] != "y" || um["resourceVersion"] == meta["resourceVersion"] {
				t.Errorf("update not applied: %s", b)
			}
			if um["uid"] != meta["uid"] || um["creationTimestamp"] != meta["creationTimestamp"] {
				t.Errorf("update changed server-set fields: %s", b)
			}

			// The same body again is stale: 409 Conflict.
			code, b = do(t, "PUT", item, "application/json", string(upd))
			st := status(t, b)
			wantMsg := fmt.Sprintf("Operation cannot be fulfilled on %s %q: the object has been modified; please apply your changes to the latest version and try again", info.GroupResource(), name)
			if code != http.StatusConflict || st.Reason != "Conflict" || st.Message != wantMsg {
				t.Errorf("stale update: %d %s", code, b)
			}

			// List with a label selector.
			b = mustDo(t, http.StatusOK, "GET", coll+"?labelSelector=tier%3Dy", "", "")
			list := decodeInto[api.List[map[string]any]](t, b)
			if list.Kind != info.ListKind() || list.ResourceVersion == "" {
				t.Errorf("list kind %q rv %q", list.Kind, list.ResourceVersion)
			}
			found := false
			for _, it := range list.Items {
				found = found || it["metadata"].(map[string]any)["name"] == name
			}
			if !found {
				t.Errorf("list with tier=y does not have %s: %s", name, b)
			}
			b = mustDo(t, http.StatusOK, "GET", coll+"?labelSelector=tier%3Dx", "", "")
			for _, it := range decodeInto[api.List[map[string]any]](t, b).Items {
				if it["metadata"].(map[string]any)["name"] == name {
					t.Errorf("list with tier=x has %s", name)
				}
			}

			if info.Resource == "namespaces" {
				return // namespace deletion has its own test
			}
			b = mustDo(t, http.StatusOK, "DELETE", item, "", "")
			if !strings.Contains(string(b), name) {
				t.Errorf("delete answer does not name the object: %s", b)
			}
			code, b = do(t, "GET", item, "", "")
			st = status(t, b)
			if code != http.StatusNotFound || st.Reason != "NotFound" || st.Message != fmt.Sprintf("%s %q not found", info.GroupResource(), name) {
				t.Errorf("get after delete: %d %s", code, b)
			}
			code, _ = do(t, "DELETE", item, "", "")
			if code != http.StatusNotFound {
				t.Errorf("second delete: %d", code)
			}
		})
	}
}

func TestGenerateNameAndUnconditionalUpdate(t *testing.T) {
	ts := testserver.Start(t)
	coll := ts.URL + "/api/v1/namespaces/default/pods"
	body := `{"apiVersion":"v1","kind":"Pod","metadata":{"generateName":"web-"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}`
	names := map[string]bool{}
	for i := 0; i < 3; i++ {
		p := decodeInto[api.Pod](t, mustDo(t, http.StatusCreated, "POST", coll, "application/json", body))
		if !strings.HasPrefix(p.Name, "web-") || len(p.Name) != len("web-")+5 || names[p.Name] {
			t.Fatalf("generated name %q", p.Name)
		}
		if p.Status.Phase != "Pending" {
			t.Errorf("new pod phase %q, want Pending", p.Status.Phase)
		}
		names[p.Name] = true
	}
	// PUT without resourceVersion is unconditional.
	var name string
	for n := range names {
		name = n
	}
	mustDo(t, http.StatusOK, "PUT", coll+"/"+name, "application/json", podJSON(name, map[string]string{"v": "2"}))
	p := decodeInto[api.Pod](t, mustDo(t, http.StatusOK, "GET", coll+"/"+name, "", ""))
	if p.Labels["v"] != "2" || p.Generation != 1 {
		t.Errorf("after unconditional update: labels %v generation %d", p.Labels, p.Generation)
	}
	// Spec change bumps generation.
	p.Spec.Containers[0].Image = "nginx"
	b, _ := json.Marshal(p)
	p = decodeInto[api.Pod](t, mustDo(t, http.StatusOK, "PUT", coll+"/"+name, "application/json", string(b)))
	if p.Generation != 2 {
		t.Errorf("generation after spec change = %d, want 2", p.Generation)
	}
	// Name in body must match the URL.
	code, b2 := do(t, "PUT", coll+"/"+name, "application/json", podJSON("other", nil))
	if code != http.StatusBadRequest {
		t.Errorf("mismatched name: %d %s", code, b2)
	}
}

func TestSelectors(t *testing.T) {
	ts := testserver.Start(t)
	coll := ts.URL + "/api/v1/namespaces/default/pods"
	for i, l := range []string{"a", "b", "a"} {
		mustDo(t, http.StatusCreated, "POST", coll, "application/json", podJSON(fmt.Sprintf("p%d", i), map[string]string{"app": l}))
	}
	bind := `{"apiVersion":"v1","kind":"Binding","metadata":{"name":"p1"},"target":{"kind":"Node","name":"n1"}}`
	mustDo(t, http.StatusCreated, "POST", coll+"/p1/binding", "application/json", bind)
	mustDo(t, http.StatusCreated, "POST", ts.URL+"/api/v1/namespaces", "application/json", sample("Namespace", "other"))
	mustDo(t, http.StatusCreated, "POST", ts.URL+"/api/v1/namespaces/other/pods", "application/json", podJSON("p9", map[string]string{"app": "a"}))

	names := func(url string) string {
		t.Helper()
		l := decodeInto[api.List[api.Pod]](t, mustDo(t, http.StatusOK, "GET", url, "", ""))
		var n []string
		for _, p := range l.Items {
			n = append(n, p.Namespace+"/"+p.Name)
		}
		return strings.Join(n, ",")
	}
	tests := []struct{ url, want string }{
		{coll + "?labelSelector=app%3Da", "default/p0,default/p2"},
		{coll + "?labelSelector=app+in+(a,b)", "default/p0,default/p1,default/p2"},
		{coll + "?labelSelector=app!%3Da", "default/p1"},
		{coll + "?fieldSelector=metadata.name%3Dp2", "default/p2"},
		{coll + "?fieldSelector=spec.nodeName%3Dn1", "default/p1"},
		{coll + "?fieldSelector=spec.nodeName%3D", "default/p0,default/p2"},
		{coll + "?fieldSelector=status.phase%3DPending,metadata.name!%3Dp0", "default/p1,default/p2"},
		{ts.URL + "/api/v1/pods?labelSelector=app%3Da", "default/p0,default/p2,other/p9"},
		{ts.URL + "/api/v1/pods?fieldSelector=metadata.namespace%3Dother", "other/p9"},
	}
	for _, tt := range tests {
		if got := names(tt.url); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.url, got, tt.want)
		}
	}
	code, b := do(t, "GET", coll+"?fieldSelector=spec.bogus%3Dx", "", "")
	if st := status(t, b); code != http.StatusBadRequest || st.Reason != "BadRequest" || !strings.Contains(st.Message, "spec.bogus") {
		t.Errorf("unsupported field: %d %s", code, b)
	}
	code, b = do(t, "GET", coll+"?labelSelector=app+in+(", "", "")
	if code != http.StatusBadRequest {
		t.Errorf("bad label selector: %d %s", code, b)
	}
	// deletecollection with a label selector.
	mustDo(t, http.StatusOK, "DELETE", coll+"?labelSelector=app%3Da", "", "")
	if got := names(coll); got != "default/p1" {
		t.Errorf("after deletecollection: %s", got)
	}
}

func TestStatusSubresourceAndBinding(t *testing.T) {
	ts := testserver.Start(t)
	item := ts.URL + "/api/v1/namespaces/default/pods/p"
	p := decodeInto[api.Pod](t, mustDo(t, http.StatusCreated, "POST", ts.URL+"/api/v1/namespaces/default/pods", "application/json", podJSON("p", nil)))

	// PUT /status changes only status.
	p.Status.Phase = "Running"
	p.Status.PodIP = "10.244.1.7"
	p.Labels = map[string]string{"ignored": "yes"}
	b, _ := json.Marshal(p)
	got := decodeInto[api.Pod](t, mustDo(t, http.StatusOK, "PUT", item+"/status", "application/json", string(b)))
	if got.Status.Phase != "Running" || got.Status.PodIP != "10.244.1.7" || got.Labels["ignored"] != "" {
		t.Errorf("status update: phase %q ip %q labels %v", got.Status.Phase, got.Status.PodIP, got.Labels)
	}
	// PUT on the main resource keeps the stored status.
	got.Status.Phase = "Failed"
	got.Labels = map[string]string{"kept": "yes"}
	b, _ = json.Marshal(got)
	got = decodeInto[api.Pod](t, mustDo(t, http.StatusOK, "PUT", item, "application/json", string(b)))
	if got.Status.Phase != "Running" || got.Labels["kept"] != "yes" {
		t.Errorf("main update: phase %q labels %v", got.Status.Phase, got.Labels)
	}
	// PATCH /status.
	got = decodeInto[api.Pod](t, mustDo(t, http.StatusOK, "PATCH", item+"/status", "application/merge-patch+json", `{"status":{"phase":"Succeeded"},"spec":{"nodeName":"zzz"}}`))
	if got.Status.Phase != "Succeeded" || got.Spec.NodeName != "" {
		t.Errorf("status patch: phase %q node %q", got.Status.Phase, got.Spec.NodeName)
	}
	// GET /status.
	got = decodeInto[api.Pod](t, mustDo(t, http.StatusOK, "GET", item+"/status", "", ""))
	if got.Status.Phase != "Succeeded" {
		t.Errorf("GET status: %q", got.Status.Phase)
	}

	// Binding sets nodeName once.
	bind := `{"apiVersion":"v1","kind":"Binding","metadata":{"name":"p"},"target":{"kind":"Node","name":"n1"}}`
	mustDo(t, http.StatusCreated, "POST", item+"/binding", "application/json", bind)
	got = decodeInto[api.Pod](t, mustDo(t, http.StatusOK, "GET", item, "", ""))
	if got.Spec.NodeName != "n1" {
		t.Errorf("after binding nodeName = %q", got.Spec.NodeName)
	}
	scheduled := false
	for _, c := range got.Status.Conditions {
		scheduled = scheduled || (c.Type == api.PodScheduled && c.Status == api.ConditionTrue)
	}
	if !scheduled {
		t.Errorf("no PodScheduled condition: %+v", got.Status.Conditions)
	}
	code, b := do(t, "POST", item+"/binding", "application/json", bind)
	if st := status(t, b); code != http.StatusConflict || st.Reason != "Conflict" {
		t.Errorf("second binding: %d %s", code, b)
	}
	code, _ = do(t, "POST", ts.URL+"/api/v1/namespaces/default/pods/missing/binding", "application/json", strings.Replace(bind, `"p"`, `"missing"`, 1))
	if code != http.StatusNotFound {
		t.Errorf("binding a missing pod: %d", code)
	}
	// No status subresource on endpoints.
	code, _ = do(t, "GET", ts.URL+"/api/v1/namespaces/default/endpoints/x/status", "", "")
	if code != http.StatusNotFound {
		t.Errorf("endpoints/status: %d", code)
	}
}

func TestPatches(t *testing.T) {
	ts := testserver.Start(t)
	coll := ts.URL + "/apis/apps/v1/namespaces/default/deployments"
	item := coll + "/web"
	mustDo(t, http.StatusCreated, "POST", coll, "application/json", sample("Deployment", "web"))

	d := decodeInto[api.Deployment](t, mustDo(t, http.StatusOK, "PATCH", item, "application/merge-patch+json", `{"spec":{"replicas":5}}`))
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 5 || d.Generation != 2 {
		t.Errorf("merge patch: replicas %v generation %d", d.Spec.Replicas, d.Generation)
	}
	d = decodeInto[api.Deployment](t, mustDo(t, http.StatusOK, "PATCH", item, "application/json-patch+json",
		`[{"op":"replace","path":"/spec/replicas","value":3},{"op":"add","path":"/metadata/labels/x","value":"1"}]`))
	if *d.Spec.Replicas != 3 || d.Labels["x"] != "1" {
		t.Errorf("json patch: replicas %d labels %v", *d.Spec.Replicas, d.Labels)
	}
	// Strategic merge: containers merge by name (a merge patch would replace the list).
	d = decodeInto[api.Deployment](t, mustDo(t, http.StatusOK, "PATCH", item, "application/strategic-merge-patch+json",
		`{"spec":{"template":{"spec":{"containers":[{"name":"side","image":"nginx"}]}}}}`))
	if n := len(d.Spec.Template.Spec.Containers); n != 2 {
		t.Errorf("strategic patch: %d containers, want 2", n)
	}
	// $setElementOrder and a deletion directive, as kubectl apply sends them.
	d = decodeInto[api.Deployment](t, mustDo(t, http.StatusOK, "PATCH", item, "application/strategic-merge-patch+json",
		`{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"c"}],"containers":[{"$patch":"delete","name":"side"}]}}}}`))
	if n := len(d.Spec.Template.Spec.Containers); n != 1 || d.Spec.Template.Spec.Containers[0].Name != "c" {
		t.Errorf("strategic delete: %+v", d.Spec.Template.Spec.Containers)
	}
	// Unknown fields are rejected, naming the field.
	code, b := do(t, "PATCH", item+"?fieldValidation=Strict", "application/merge-patch+json", `{"spec":{"replicaz":1}}`)
	if st := status(t, b); code != http.StatusBadRequest || !strings.Contains(st.Message, "replicaz") {
		t.Errorf("unknown field patch: %d %s", code, b)
	}
	// A stale resourceVersion in a patch is a conflict.
	code, b = do(t, "PATCH", item, "application/merge-patch+json", `{"metadata":{"resourceVersion":"1"},"spec":{"replicas":1}}`)
	if code != http.StatusConflict {
		t.Errorf("stale patch: %d %s", code, b)
	}
	code, b = do(t, "PATCH", item, "application/apply-patch+yaml", `spec: {}`)
	if st := status(t, b); code != http.StatusUnsupportedMediaType || st.Reason != "UnsupportedMediaType" {
		t.Errorf("apply patch: %d %s", code, b)
	}
	// The scale subresource, as kubectl scale uses it.
	sc := decodeInto[map[string]any](t, mustDo(t, http.StatusOK, "PATCH", item+"/scale", "application/merge-patch+json", `{"spec":{"replicas":7}}`))
	if sc["kind"] != "Scale" || sc["spec"].(map[string]any)["replicas"] != float64(7) || sc["status"].(map[string]any)["selector"] != "app=web" {
		t.Errorf("scale: %v", sc)
	}
	d = decodeInto[api.Deployment](t, mustDo(t, http.StatusOK, "GET", item, "", ""))
	if *d.Spec.Replicas != 7 {
		t.Errorf("replicas after scale: %d", *d.Spec.Replicas)
	}
	code, b = do(t, "PUT", item+"/scale", "application/json", `{"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":"web"},"spec":{"replicas":-1}}`)
	if code != http.StatusUnprocessableEntity {
		t.Errorf("negative scale: %d %s", code, b)
	}
	code, _ = do(t, "PATCH", coll+"/missing", "application/merge-patch+json", `{}`)
	if code != http.StatusNotFound {
		t.Errorf("patch missing: %d", code)
	}
}

// TestDryRun: ?dryRun=All (kubectl --dry-run=server) validates and answers
// like the real request but writes nothing.
func TestDryRun(t *testing.T) {
	ts := testserver.Start(t)
	pods := ts.URL + "/api/v1/namespaces/default/pods"
	pod := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"dry"},"spec":{"containers":[{"name":"c","image":"minik8s/tools:latest"}]}}`
	mustDo(t, http.StatusCreated, "POST", pods+"?dryRun=All", "application/json", pod)
	mustDo(t, http.StatusNotFound, "GET", pods+"/dry", "", "")
	bad := strings.Replace(pod, `"name":"c"`, `"name":"C_"`, 1)
	mustDo(t, http.StatusUnprocessableEntity, "POST", pods+"?dryRun=All", "application/json", bad)
	mustDo(t, http.StatusBadRequest, "POST", pods+"?dryRun=Some", "application/json", pod)

	mustDo(t, http.StatusCreated, "POST", pods, "application/json", pod)
	mustDo(t, http.StatusOK, "PATCH", pods+"/dry?dryRun=All", "application/merge-patch+json", `{"metadata":{"labels":{"x":"y"}}}`)
	b := mustDo(t, http.StatusOK, "GET", pods+"/dry", "", "")
	if strings.Contains(string(b), `"x":"y"`) {
		t.Fatalf("a dry-run patch was stored: %s", b)
	}
	mustDo(t, http.StatusOK, "DELETE", pods+"/dry?dryRun=All", "", "")
	mustDo(t, http.StatusOK, "DELETE", pods+"/dry", "application/json", `{"kind":"DeleteOptions","apiVersion":"v1","dryRun":["All"]}`)
	mustDo(t, http.StatusOK, "GET", pods+"/dry", "", "")

	ns := ts.URL + "/api/v1/namespaces"
	mustDo(t, http.StatusCreated, "POST", ns, "application/json", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"keep"}}`)
	mustDo(t, http.StatusCreated, "POST", ns+"/keep/pods", "application/json", pod)
	mustDo(t, http.StatusOK, "DELETE", ns+"/keep?dryRun=All", "", "")
	time.Sleep(500 * time.Millisecond) // the namespace finalizer would have run by now
	b = mustDo(t, http.StatusOK, "GET", ns+"/keep", "", "")
	if strings.Contains(string(b), "Terminating") {
		t.Fatalf("a dry-run namespace delete changed the namespace: %s", b)
	}
	mustDo(t, http.StatusOK, "GET", ns+"/keep/pods/dry", "", "")
}
