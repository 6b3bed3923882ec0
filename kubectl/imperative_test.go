package kubectl

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"minik8s/pkg/api"
)

func TestResourcesAndPairs(t *testing.T) {
	for _, tc := range []struct {
		args            []string
		resources, pair []string
		err             string
	}{
		{[]string{"pod", "web", "a=b", "c-"}, []string{"pod", "web"}, []string{"a=b", "c-"}, ""},
		{[]string{"pod/web", "=x"}, []string{"pod/web", "=x"}, nil, ""},
		{[]string{"pod", "web", "-", "a=b"}, []string{"pod", "web", "-"}, []string{"a=b"}, ""},
		{[]string{"pod", "a=b", "web"}, nil, nil, "all resources must be specified before label changes: web"},
	} {
		r, p, err := resourcesAndPairs(tc.args, "label")
		if (err != nil && err.Error() != tc.err) || (err == nil && tc.err != "") {
			t.Errorf("%v: err %v, want %q", tc.args, err, tc.err)
			continue
		}
		if !reflect.DeepEqual(r, tc.resources) || !reflect.DeepEqual(p, tc.pair) {
			t.Errorf("%v: got %q %q", tc.args, r, p)
		}
	}
}

func TestParseLabelsAndPairs(t *testing.T) {
	for _, tc := range []struct {
		pairs  []string
		set    map[string]string
		remove []string
		err    string
	}{
		{[]string{"a=b", "c-"}, map[string]string{"a": "b"}, []string{"c"}, ""},
		{[]string{"a="}, map[string]string{"a": ""}, nil, ""},
		{[]string{"a=b=c"}, nil, nil, "invalid label spec: a=b=c"},
		{[]string{"a=b c"}, nil, nil, `invalid label value: "a=b c": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`},
		{[]string{"x"}, nil, nil, "unknown label spec: x"},
	} {
		set, remove, err := parseLabels(tc.pairs)
		if (err != nil && err.Error() != tc.err) || (err == nil && tc.err != "") {
			t.Errorf("%v: err %v, want %q", tc.pairs, err, tc.err)
			continue
		}
		if err == nil && (!reflect.DeepEqual(set, tc.set) || !reflect.DeepEqual(remove, tc.remove)) {
			t.Errorf("%v: got %v %v", tc.pairs, set, remove)
		}
	}
	set, remove, err := parsePairs([]string{"a=b=c", "d-", "x", "-"}, "annotation")
	if err == nil || err.Error() != "invalid annotation format: x, -" || set != nil || remove != nil {
		t.Errorf("parsePairs: %v %v %v", set, remove, err)
	}
	if set, _, err := parsePairs([]string{"a=b=c"}, "annotation"); err != nil || set["a"] != "b=c" {
		t.Errorf("parsePairs a=b=c: %v %v", set, err)
	}
}

// TestMetaEditApply: what label and annotate change, and the message
// label prints for it.
func TestMetaEditApply(t *testing.T) {
	obj := func(labels map[string]any) map[string]any {
		meta := map[string]any{"name": "web"}
		if labels != nil {
			meta["labels"] = labels
		}
		return map[string]any{"kind": "Pod", "metadata": meta}
	}
	for _, tc := range []struct {
		name      string
		in        map[string]any
		set       map[string]string
		remove    []string
		overwrite bool
		want      map[string]any // labels after
		msg, err  string
	}{
		{"add", obj(map[string]any{"app": "web"}), map[string]string{"x": "y"}, nil, false, map[string]any{"app": "web", "x": "y"}, "labeled", ""},
		{"same value", obj(map[string]any{"app": "web"}), map[string]string{"app": "web"}, nil, false, map[string]any{"app": "web"}, "not labeled", ""},
		{"other value", obj(map[string]any{"app": "web"}), map[string]string{"app": "db"}, nil, false, nil, "", "'app' already has a value (web), and --overwrite is false"},
		{"overwrite", obj(map[string]any{"app": "web"}), map[string]string{"app": "db"}, nil, true, map[string]any{"app": "db"}, "labeled", ""},
		{"remove", obj(map[string]any{"app": "web"}), nil, []string{"app"}, false, map[string]any{}, "unlabeled", ""},
		{"remove with overwrite", obj(map[string]any{"app": "web"}), nil, []string{"app"}, true, map[string]any{}, "labeled", ""},
		{"remove missing", obj(map[string]any{"app": "web"}), nil, []string{"x"}, false, map[string]any{"app": "web"}, "not labeled", ""},
		{"no labels yet", obj(nil), nil, []string{"x"}, false, map[string]any{}, "labeled", ""},
	} {
		e := metaEdit{kind: &labelKind, set: tc.set, remove: tc.remove, overwrite: tc.overwrite}
		before, _ := json.Marshal(tc.in)
		err := e.apply(tc.in)
		if (err != nil && err.Error() != tc.err) || (err == nil && tc.err != "") {
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.err)
			continue
		}
		if err != nil {
			continue
		}
		after, _ := json.Marshal(tc.in)
		if got := metaMap(tc.in, "labels"); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: labels %v, want %v", tc.name, got, tc.want)
		}
		if msg := labelChangeMsg(before, after, tc.overwrite); msg != tc.msg {
			t.Errorf("%s: message %q, want %q", tc.name, msg, tc.msg)
		}
	}
	cur := map[string]any{"a": "1", changeCause: "x", "b": "2"}
	if err := annotationConflicts(cur, map[string]string{"a": "1", "b": "3", changeCause: "y", "c": "4"}); err == nil ||
		err.Error() != "--overwrite is false but found the following declared annotation(s): 'b' already has a value (2)" {
		t.Errorf("annotationConflicts: %v", err)
	}
	if err := labelConflicts(cur, map[string]string{"a": "0", "b": "0"}); err == nil ||
		err.Error() != "['a' already has a value (1), and --overwrite is false, 'b' already has a value (2), and --overwrite is false]" {
		t.Errorf("labelConflicts: %v", err)
	}
}

func TestGracePeriod(t *testing.T) {
	for _, tc := range []struct {
		grace      int64
		now, force bool
		want       int64
		warn       bool
		err        string
	}{
		{-1, false, false, -1, false, ""},
		{-1, false, true, 0, true, ""},
		{0, false, false, 1, false, ""},
		{0, false, true, 0, true, ""},
		{5, false, false, 5, false, ""},
		{5, false, true, 0, false, "--force and --grace-period greater than 0 cannot be specified together"},
		{-1, true, false, 1, false, ""},
		{-1, true, true, 0, false, "--force and --grace-period greater than 0 cannot be specified together"},
		{3, true, false, 0, false, "--now and --grace-period cannot be specified together"},
	} {
		got, warn, err := gracePeriod(tc.grace, tc.now, tc.force)
		if (err != nil && err.Error() != tc.err) || (err == nil && tc.err != "") {
			t.Errorf("%+v: err %v", tc, err)
			continue
		}
		if err == nil && (got != tc.want || (warn == immediateDeletion) != tc.warn) {
			t.Errorf("%+v: got %d %q", tc, got, warn)
		}
	}
}

func TestJobFromCronJob(t *testing.T) {
	cj := newCronJob("cj", "busybox", "* * * * *", "", []string{"date"})
	cj.UID = "u1"
	cj.Spec.JobTemplate.Labels = map[string]string{"team": "a"}
	cj.Spec.JobTemplate.Annotations = map[string]string{"note": "x"}
	job := jobFromCronJob("manual", cj)
	if job.Annotations["cronjob.kubernetes.io/instantiate"] != "manual" || job.Annotations["note"] != "x" || job.Labels["team"] != "a" {
		t.Errorf("metadata: %+v", job.ObjectMeta)
	}
	ref := job.OwnerReferences
	if len(ref) != 1 || ref[0].Kind != "CronJob" || ref[0].Name != "cj" || ref[0].UID != "u1" || ref[0].Controller == nil || !*ref[0].Controller || ref[0].BlockOwnerDeletion != nil {
		t.Errorf("owner: %+v", ref)
	}
	spec := job.Spec.Template.Spec
	if spec.RestartPolicy != "OnFailure" || spec.Containers[0].Name != "cj" || !reflect.DeepEqual(spec.Containers[0].Command, []string{"date"}) {
		t.Errorf("spec: %+v", spec)
	}
	if j := newJob("j", "busybox", nil); j.Spec.Template.Spec.RestartPolicy != "Never" || !reflect.DeepEqual(j.Spec.Template.Spec.Containers, []api.Container{{Name: "j", Image: "busybox"}}) {
		t.Errorf("newJob: %+v", j.Spec)
	}
}

func TestSetEnvParsing(t *testing.T) {
	res, env, ok := splitEnvArgs([]string{"deployment/d", "A=1", "B-", "C=x=y"})
	if !ok || !reflect.DeepEqual(res, []string{"deployment/d"}) || !reflect.DeepEqual(env, []string{"A=1", "B-", "C=x=y"}) {
		t.Errorf("splitEnvArgs: %v %v %v", res, env, ok)
	}
	if _, _, ok := splitEnvArgs([]string{"d", "A=1", "pods"}); ok {
		t.Error("splitEnvArgs accepted a resource after the variables")
	}
	vars, remove, err := parseEnv([]string{"A=1", "-", "B-"}, strings.NewReader("X=2 # two\n# comment\nY=\n"))
	if err != nil || !reflect.DeepEqual(vars, []api.EnvVar{{Name: "A", Value: "1"}, {Name: "X", Value: "2 "}, {Name: "Y"}}) || !reflect.DeepEqual(remove, []string{"B"}) {
		t.Errorf("parseEnv: %+v %v %v", vars, remove, err)
	}
	for spec, want := range map[string]string{
		"A=1,A-": "can not both modify and remove the same environment variable in the same command",
		"1A=x":   `"1A" is not a valid key name: a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')`,
	} {
		if _, _, err := parseEnv(strings.Split(spec, ","), nil); err == nil || err.Error() != want {
			t.Errorf("parseEnv %q: %v", spec, err)
		}
	}
	got := updateEnv([]api.EnvVar{{Name: "A", Value: "1"}, {Name: "B", Value: "2"}, {Name: "C", Value: "3"}},
		[]api.EnvVar{{Name: "D", Value: "4"}, {Name: "A", Value: "9"}}, []string{"B"})
	if want := []api.EnvVar{{Name: "A", Value: "9"}, {Name: "C", Value: "3"}, {Name: "D", Value: "4"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("updateEnv: %+v", got)
	}
	if err := envConflict([]api.EnvVar{{Name: "A", Value: "1"}}, []api.EnvVar{{Name: "A", Value: "1"}}); err != nil {
		t.Errorf("same value conflicts: %v", err)
	}
	if err := envConflict([]api.EnvVar{{Name: "A", Value: "1"}}, []api.EnvVar{{Name: "A", Value: "2"}}); err == nil || err.Error() != "'A' already has a value (1), and --overwrite is false" {
		t.Errorf("envConflict: %v", err)
	}
}

func TestSelectContainersAndResources(t *testing.T) {
	for _, tc := range []struct {
		s, spec string
		want    bool
	}{
		{"web", "*", true}, {"web", "web", true}, {"web", "db", false},
		{"web-side", "web*", true}, {"web-side", "*side", true}, {"side-web", "web*", true}, // kubectl's matcher does not anchor the first part
		{"a-b-c", "a*c", true}, {"a-b-d", "a*c", false},
	} {
		if got := selectString(tc.s, tc.spec); got != tc.want {
			t.Errorf("selectString(%q, %q) = %v", tc.s, tc.spec, got)
		}
	}
	spec := &api.PodSpec{Containers: []api.Container{{Name: "main"}, {Name: "side"}}, InitContainers: []api.Container{{Name: "init"}}}
	var names []string
	for _, c := range selectContainers(spec, "*") {
		names = append(names, c.Name)
	}
	if !reflect.DeepEqual(names, []string{"main", "side", "init"}) {
		t.Errorf("selectContainers: %v", names)
	}
	limits, err := parseResourceList("cpu=100m,memory=256Mi")
	if cpu := limits["cpu"]; err != nil || len(limits) != 2 || cpu.String() != "100m" {
		t.Errorf("parseResourceList: %v %v", limits, err)
	}
	if _, err := parseResourceList("cpu"); err == nil || err.Error() != "Invalid argument syntax cpu, expected <resource>=<value>" {
		t.Errorf("parseResourceList cpu: %v", err)
	}
	c := &spec.Containers[0]
	c.Resources.Limits = api.ResourceList{"memory": limits["memory"]}
	setResources(c, api.ResourceList{"cpu": limits["cpu"]}, nil)
	if len(c.Resources.Limits) != 2 || c.Resources.Requests != nil {
		t.Errorf("setResources: %+v", c.Resources)
	}
}
