package kubectl

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
	"minik8s/pkg/client"
)

// badInvocations are command lines that must fail before reaching the
// server, with the stderr kubectl v1.32 prints for them (where it has the
// command; test/compat runs the same list through the real kubectl).
var badInvocations = []struct {
	args   []string
	stderr string
}{
	{[]string{"frobnicate"}, `Error: unknown command "frobnicate" for "kubectl"`},
	{[]string{"version", "foo"}, "error: extra arguments: [foo]"},
	{[]string{"apply"}, "error: must specify one of -f and -k"},
	{[]string{"apply", "foo.yaml"}, "error: Unexpected args: [foo.yaml]\nSee 'kubectl apply -h' for help and examples"},
	{[]string{"create"}, "error: must specify one of -f and -k"},
	{[]string{"create", "foo"}, "error: Unexpected args: [foo]\nSee 'kubectl create -h' for help and examples"},
	{[]string{"create", "namespace"}, "error: exactly one NAME is required, got 0\nSee 'kubectl create namespace -h' for help and examples"},
	{[]string{"create", "namespace", "a", "b"}, "error: exactly one NAME is required, got 2\nSee 'kubectl create namespace -h' for help and examples"},
	{[]string{"create", "deployment"}, `error: required flag(s) "image" not set`},
	{[]string{"create", "deployment", "web"}, `error: required flag(s) "image" not set`},
	{[]string{"create", "deployment", "--image=nginx"}, "error: exactly one NAME is required, got 0\nSee 'kubectl create deployment -h' for help and examples"},
	{[]string{"create", "deployment", "web", "--image=x", "--port=abc"}, "Error: invalid argument \"abc\" for \"--port\" flag: strconv.ParseInt: parsing \"abc\": invalid syntax\nSee 'kubectl create deployment --help' for usage."},
	{[]string{"create", "service", "clusterip"}, "error: exactly one NAME is required, got 0\nSee 'kubectl create service clusterip -h' for help and examples"},
	{[]string{"create", "service", "nodeport"}, "error: exactly one NAME is required, got 0\nSee 'kubectl create service nodeport -h' for help and examples"},
	{[]string{"create", "service", "clusterip", "x"}, "error: at least one tcp port specifier must be provided"},
	{[]string{"create", "service", "clusterip", "x", "--tcp=abc"}, `error: strconv.ParseUint: parsing "abc": invalid syntax`},
	{[]string{"create", "service", "foo", "x"}, "error: unknown command \"foo x\"\nSee 'kubectl create service -h' for help and examples"},
	{[]string{"config", "foo"}, "error: unknown command \"foo\"\nSee 'kubectl config -h' for help and examples"},
	{[]string{"config", "view", "x"}, "error: unexpected arguments: [x]\nSee 'kubectl config view -h' for help and examples"},
	{[]string{"api-resources", "x"}, "error: unexpected arguments: [x]\nSee 'kubectl api-resources -h' for help and examples"},
	{[]string{"get", "pods", "--bogus"}, "Error: unknown flag: --bogus\nSee 'kubectl get --help' for usage."},
	{[]string{"describe", "pods", "--bogus"}, "Error: unknown flag: --bogus\nSee 'kubectl describe --help' for usage."},
	{[]string{"logs"}, "error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command\nSee 'kubectl logs -h' for help and examples"},
	{[]string{"logs", "a", "b", "c"}, "error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command\nSee 'kubectl logs -h' for help and examples"},
	{[]string{"get", "pods", "--request-timeout=abc"}, "error: Invalid timeout value. Timeout must be a single integer in seconds, or an integer followed by a corresponding time unit (e.g. 1s | 2m | 3h)"},
	{[]string{"get"}, "You must specify the type of resource to get. Use \"kubectl api-resources\" for a complete list of supported resources.\n\n" +
		"error: Required resource not specified.\nUse \"kubectl explain <resource>\" for a detailed description of that resource (e.g. kubectl explain pods).\nSee 'kubectl get -h' for help and examples"},
	{[]string{"describe"}, "error: You must specify the type of resource to describe. Use \"kubectl api-resources\" for a complete list of supported resources."},
	{[]string{"delete"}, "error: " + resourcesRequired},
	{[]string{"scale", "--replicas=1"}, "error: " + resourcesRequired},
	{[]string{"label"}, "error: one or more resources must be specified as <resource> <name> or <resource>/<name>"},
	{[]string{"label", "pods", "x"}, "error: at least one label update is required"},
	{[]string{"wait", "pods/x"}, `error: unrecognized condition: ""`},
	{[]string{"exec"}, "error: pod, type/name or --filename must be specified"},
	{[]string{"exec", "x"}, "error: you must specify at least one command for the container"},
	{[]string{"expose"}, "error: " + resourcesRequired},
	{[]string{"run", "x"}, `error: required flag(s) "image" not set`},
	{[]string{"run", "--image=nginx"}, "error: NAME is required for run\nSee 'kubectl run -h' for help and examples"},
	{[]string{"run", "x", "--image=nginx", "--restart=Foo"}, "error: invalid restart policy: Foo\nSee 'kubectl run -h' for help and examples"},
	{[]string{"run", "-t", "--rm", "x", "--image=busybox", "--", "sh"}, "error: -i/--stdin is required for containers with -t/--tty=true\nSee 'kubectl run -h' for help and examples"},
	// minik8s only: what it does not have says so.
	{[]string{"certificate", "approve", "x"}, `error: "kubectl certificate" is not supported by minik8s: use the real kubectl, or one of: ` + supportedList},
	{[]string{"patch", "pod", "x"}, "error: must specify --patch or --patch-file containing the contents of the patch"},
	{[]string{"replace", "--grace-period=1", "-f", "x.yaml"}, "error: --grace-period must have --force specified"},
	{[]string{"create", "configmap", "x", "--from-literal=a=b", "--from-env-file=e"}, `error: from-env-file cannot be combined with from-file or from-literal`},
	{[]string{"create", "secret", "generic", "x", "--from-literal=novalue"}, `error: invalid literal source novalue, expected key=value`},
}

// TestBadInvocationsFailWithAMessage: every bad command line exits non-zero
// with kubectl's message on stderr and nothing on stdout.
func TestBadInvocationsFailWithAMessage(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	for _, tc := range badInvocations {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, errOut, err := run(t, "http://127.0.0.1:1", "", tc.args...)
			if err == nil {
				t.Fatalf("succeeded, want failure; stdout %q", out)
			}
			var rep *reportedError
			if !errors.As(err, &rep) {
				t.Errorf("error %v was not printed by kubectl's error printer", err)
			}
			if strings.TrimRight(errOut, "\n") != tc.stderr {
				t.Fatalf("stderr\n got %q\nwant %q", errOut, tc.stderr)
			}
			if out != "" {
				t.Fatalf("stdout %q, want none", out)
			}
		})
	}
}

// TestGroupCommandsWithoutSubcommandFail: `config` and `create service`
// alone print their help on stderr and fail, as kubectl does.
func TestGroupCommandsWithoutSubcommandFail(t *testing.T) {
	for _, args := range [][]string{{"config"}, {"create", "service"}} {
		out, errOut, err := run(t, "http://127.0.0.1:1", "", args...)
		if err == nil || out != "" || !strings.Contains(errOut, "Usage:") {
			t.Fatalf("kubectl %v: err %v, stdout %q, stderr %q; want failure with the help on stderr", args, err, out, errOut)
		}
	}
}

func TestCreateSubcommands(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	ts := testserver.Start(t)
	s := ts.URL

	if got := mustRun(t, s, "create", "namespace", "dev"); got != "namespace/dev created\n" {
		t.Fatalf("create namespace: %q", got)
	}
	wantFail(t, s, "", `Error from server (AlreadyExists): namespaces "dev" already exists`, "create", "ns", "dev")
	mustRun(t, s, "get", "namespace", "dev")

	if got := mustRun(t, s, "create", "deployment", "web", "--image=registry.local/team/nginx:1.25", "--replicas=3", "--port=80", "-n", "dev"); got != "deployment.apps/web created\n" {
		t.Fatalf("create deployment: %q", got)
	}
	c, err := newTestClient(s)
	if err != nil {
		t.Fatal(err)
	}
	dep, err := c.Deployments("dev").Get(t.Context(), "web")
	if err != nil {
		t.Fatal(err)
	}
	ctr := dep.Spec.Template.Spec.Containers
	if *dep.Spec.Replicas != 3 || dep.Spec.Selector.MatchLabels["app"] != "web" || dep.Spec.Template.Labels["app"] != "web" ||
		len(ctr) != 1 || ctr[0].Name != "nginx" || ctr[0].Image != "registry.local/team/nginx:1.25" ||
		len(ctr[0].Ports) != 1 || ctr[0].Ports[0].ContainerPort != 80 {
		t.Fatalf("deployment %+v", dep.Spec)
	}

	if got := mustRun(t, s, "create", "service", "nodeport", "web", "--tcp=80:8080", "--node-port=30080", "-n", "dev"); got != "service/web created\n" {
		t.Fatalf("create service nodeport: %q", got)
	}
	svc, err := c.Services("dev").Get(t.Context(), "web")
	if err != nil {
		t.Fatal(err)
	}
	if p := svc.Spec.Ports; svc.Spec.Type != api.ServiceTypeNodePort || svc.Spec.Selector["app"] != "web" || len(p) != 1 ||
		p[0].Name != "80-8080" || p[0].Port != 80 || p[0].TargetPort.IntValue() != 8080 || p[0].NodePort != 30080 || p[0].Protocol != "TCP" {
		t.Fatalf("service %+v", svc.Spec)
	}
	if got := mustRun(t, s, "create", "svc", "clusterip", "db", "--tcp=5432:pg", "--tcp=9187"); got != "service/db created\n" {
		t.Fatalf("create service clusterip: %q", got)
	}
	db, err := c.Services("default").Get(t.Context(), "db")
	if err != nil {
		t.Fatal(err)
	}
	if p := db.Spec.Ports; db.Spec.Type != api.ServiceTypeClusterIP || len(p) != 2 || p[0].TargetPort.String() != "pg" || p[1].TargetPort.IntValue() != 9187 {
		t.Fatalf("service %+v", db.Spec)
	}

	// --dry-run=client prints without creating.
	out := mustRun(t, s, "create", "deployment", "x", "--image=busybox", "--dry-run=client", "-o", "yaml")
	for _, want := range []string{"kind: Deployment", "name: busybox", "app: x"} {
		if !strings.Contains(out, want) {
			t.Fatalf("dry-run yaml lacks %q:\n%s", want, out)
		}
	}
	if got := mustRun(t, s, "create", "ns", "y", "--dry-run=client"); got != "namespace/y created (dry run)\n" {
		t.Fatalf("dry run: %q", got)
	}
	wantFail(t, s, "", `Error from server (NotFound): namespaces "y" not found`, "get", "ns", "y")
}

const twoContexts = `apiVersion: v1
kind: Config
clusters:
- name: lab
  cluster:
    server: %SERVER%
    extensions:
    - name: kept
      extension: {x: 1}
- name: other
  cluster:
    server: http://127.0.0.1:1
contexts:
- name: lab
  context: {cluster: lab, user: admin}
- name: lab-dev
  context: {cluster: lab, user: admin, namespace: dev}
- name: other
  context: {cluster: other, user: admin}
current-context: lab
users:
- name: admin
  user: {}
`

func TestConfigContexts(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	ts := testserver.Start(t)
	kc := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(kc, []byte(strings.ReplaceAll(twoContexts, "%SERVER%", ts.URL)), 0o600); err != nil {
		t.Fatal(err)
	}
	k := func(args ...string) string { return mustRun(t, "", append([]string{"--kubeconfig", kc}, args...)...) }

	want := "CURRENT   NAME      CLUSTER   AUTHINFO   NAMESPACE\n" +
		"*         lab       lab       admin      \n" +
		"          lab-dev   lab       admin      dev\n" +
		"          other     other     admin      \n"
	if got := k("config", "get-contexts"); got != want {
		t.Fatalf("get-contexts\n got %q\nwant %q", got, want)
	}
	if got := k("config", "get-contexts", "-o", "name"); got != "lab\nlab-dev\nother\n" {
		t.Fatalf("get-contexts -o name: %q", got)
	}
	if got := k("config", "current-context"); got != "lab\n" {
		t.Fatalf("current-context: %q", got)
	}
	wantFail(t, "", "", `error: no context exists with the name: "nope"`, "--kubeconfig", kc, "config", "use-context", "nope")
	wantFail(t, "", "", "error: context nope not found", "--kubeconfig", kc, "config", "get-contexts", "nope")

	if got := k("config", "use-context", "lab-dev"); got != "Switched to context \"lab-dev\".\n" {
		t.Fatalf("use-context: %q", got)
	}
	if got := k("config", "current-context"); got != "lab-dev\n" {
		t.Fatalf("current-context after use-context: %q", got)
	}
	if got := k("config", "view", "--minify", "-o", "jsonpath={.current-context} {..namespace} {.clusters[*].name}"); got != "lab-dev dev lab" {
		t.Fatalf("config view --minify after use-context: %q", got)
	}
	if got := k("config", "view", "-o", "jsonpath={.contexts[*].name}"); got != "lab lab-dev other" {
		t.Fatalf("config view: %q", got)
	}
	// The context's namespace applies.
	k("create", "ns", "dev")
	k("create", "deployment", "web", "--image=nginx")
	if got := k("get", "deployments", "-n", "dev", "-o", "name"); got != "deployment.apps/web\n" {
		t.Fatalf("deployment not created in the context's namespace: %q", got)
	}
	// set-context --current --namespace, then back.
	if got := k("config", "set-context", "--current", "--namespace=kube-system"); got != "Context \"lab-dev\" modified.\n" {
		t.Fatalf("set-context: %q", got)
	}
	if got := k("config", "get-contexts", "lab-dev", "--no-headers"); !strings.Contains(got, "kube-system") {
		t.Fatalf("set-context did not set the namespace: %q", got)
	}
	if got := k("config", "set-context", "mine", "--cluster=lab", "--user=admin"); got != "Context \"mine\" created.\n" {
		t.Fatalf("set-context new: %q", got)
	}
	data, err := os.ReadFile(kc)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "kept") {
		t.Fatalf("editing the kubeconfig lost a field:\n%s", data)
	}
	k("config", "use-context", "other")
	wantFail(t, "", "", "The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?", "--kubeconfig", kc, "get", "pods")
}

// TestConfigContextsWithoutKubeconfig: the default cluster is the one
// context "minik8s".
func TestConfigContextsWithoutKubeconfig(t *testing.T) {
	if _, err := os.Stat(client.SystemKubeconfig); err == nil {
		t.Skipf("%s exists (a lab is up here): kubectl reads it instead of the built-in default this test checks", client.SystemKubeconfig)
	}
	t.Setenv("HOME", t.TempDir())
	if got := mustRun(t, "", "config", "current-context"); got != "minik8s\n" {
		t.Fatalf("current-context: %q", got)
	}
	if got := mustRun(t, "", "config", "get-contexts", "--no-headers"); strings.Fields(got)[1] != "minik8s" {
		t.Fatalf("get-contexts: %q", got)
	}
	if got := mustRun(t, "", "config", "use-context", "minik8s"); got != "Switched to context \"minik8s\".\n" {
		t.Fatalf("use-context: %q", got)
	}
	wantFail(t, "", "", `error: no context exists with the name: "x"`, "config", "use-context", "x")
}

func newTestClient(server string) (*client.Client, error) {
	return client.New(&client.Config{Server: server})
}
