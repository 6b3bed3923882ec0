package integration

// The Deployment controller (controller/deployment, run by the
// controller-manager) against a real apiserver, driven by our kubectl and
// the real one. No replica set controller runs here: rsStatusFaker plays
// it, reporting every replica set's pods as created and available at once.

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	"minik8s/apiserver/testserver"
	"minik8s/controller"
	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
)

// withoutReplicaSetController leaves the replica sets to rsStatusFaker.
func withoutReplicaSetController(o *controller.Options) { o.ReplicaSetController = false }

// rsStatusFaker sets each replica set's status to its spec, and watches
// the invariants of the rollout it sees.
type rsStatusFaker struct {
	mu       sync.Mutex
	maxTotal map[string]int32 // per deployment: most pods asked for at once
	overlap  map[string]bool  // per deployment: two replica sets scaled up at once
}

func startRSStatusFaker(t *testing.T, c *mkclient.Client, ns string) *rsStatusFaker {
	f := &rsStatusFaker{maxTotal: map[string]int32{}, overlap: map[string]bool{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			rss, _, err := c.ReplicaSets(ns).List(ctx, mkclient.ListOptions{})
			if err == nil {
				f.observe(rss)
				for _, rs := range rss {
					if strings.Contains(rs.Spec.Template.Spec.Containers[0].Image, "stuck") {
						continue // pods that never come up
					}
					want := *rs.Spec.Replicas
					if rs.Status.Replicas == want && rs.Status.AvailableReplicas == want && rs.Status.ObservedGeneration == rs.Generation {
						continue
					}
					rs.Status = api.ReplicaSetStatus{Replicas: want, FullyLabeledReplicas: want, ReadyReplicas: want, AvailableReplicas: want, ObservedGeneration: rs.Generation}
					_, _ = c.ReplicaSets(ns).UpdateStatus(ctx, rs) // a conflict is retried next round
				}
			}
			select {
			case <-ctx.Done():
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	return f
}

func (f *rsStatusFaker) observe(rss []*api.ReplicaSet) {
	total := map[string]int32{}
	active := map[string]int{}
	for _, rs := range rss {
		for _, ref := range rs.OwnerReferences {
			if ref.Kind == "Deployment" {
				total[ref.Name] += *rs.Spec.Replicas
				if *rs.Spec.Replicas > 0 || rs.Status.Replicas > 0 {
					active[ref.Name]++
				}
			}
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for d, n := range total {
		f.maxTotal[d] = max(f.maxTotal[d], n)
	}
	for d, n := range active {
		if n > 1 {
			f.overlap[d] = true
		}
	}
}

func (f *rsStatusFaker) reset(d string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.maxTotal, d)
	delete(f.overlap, d)
}

func webDeployment(name string, replicas int32, image string) *api.Deployment {
	lbl := map[string]string{"app": name}
	return &api.Deployment{
		ObjectMeta: api.ObjectMeta{Name: name},
		Spec: api.DeploymentSpec{
			Replicas: &replicas,
			Selector: &api.LabelSelector{MatchLabels: lbl},
			Template: api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: lbl},
				Spec: api.PodSpec{Containers: []api.Container{{Name: "web", Image: image}}}},
		},
	}
}

// replicaSetsOf lists the deployment's replica sets by image.
func replicaSetsOf(t *testing.T, c *mkclient.Client, ns, deploy string) map[string]*api.ReplicaSet {
	t.Helper()
	rss, _, err := c.ReplicaSets(ns).List(context.Background(), mkclient.ListOptions{LabelSelector: "app=" + deploy})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*api.ReplicaSet{}
	for _, rs := range rss {
		out[rs.Spec.Template.Spec.Containers[0].Image] = rs
	}
	return out
}

// waitRolledOut waits until the deployment runs replicas pods of image
// and nothing else, and returns the replica set of image.
func waitRolledOut(t *testing.T, c *mkclient.Client, ns, deploy, image string, replicas int32) *api.ReplicaSet {
	t.Helper()
	var rs *api.ReplicaSet
	waitUntil(t, 30*time.Second, deploy+" rolled out to "+image, func() (bool, string) {
		d, err := c.Deployments(ns).Get(context.Background(), deploy)
		if err != nil {
			return false, err.Error()
		}
		rss := replicaSetsOf(t, c, ns, deploy)
		state := fmt.Sprintf("status %+v;", d.Status)
		for img, r := range rss {
			state += fmt.Sprintf(" %s=%s:%d", r.Name, img, *r.Spec.Replicas)
		}
		rs = rss[image]
		if rs == nil || *rs.Spec.Replicas != replicas || d.Spec.Template.Spec.Containers[0].Image != image {
			return false, state
		}
		for img, r := range rss {
			if img != image && *r.Spec.Replicas != 0 {
				return false, state
			}
		}
		s := d.Status
		done := s.ObservedGeneration == d.Generation && s.Replicas == replicas && s.UpdatedReplicas == replicas && s.AvailableReplicas == replicas
		return done, state
	})
	return rs
}

func condition(d *api.Deployment, typ string) *api.DeploymentCondition {
	for i := range d.Status.Conditions {
		if d.Status.Conditions[i].Type == typ {
			return &d.Status.Conditions[i]
		}
	}
	return nil
}

func kubectlOK(t *testing.T, server string, want string, args ...string) {
	t.Helper()
	out, errs, code := ourKubectl(t, server, "", args...)
	if code != 0 || (want != "" && out != want) {
		t.Fatalf("kubectl %s: exit %d, stdout %q (want %q), stderr %q", strings.Join(args, " "), code, out, want, errs)
	}
}

func TestDeploymentRollingUpdateUndoPause(t *testing.T) {
	ts := testserver.Start(t)
	c, err := mkclient.New(&mkclient.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	startControllerManagerWith(t, ts.URL, withoutReplicaSetController)
	fake := startRSStatusFaker(t, c, "default")

	d := webDeployment("web", 4, "img:v1")
	one, zero := intstr.FromInt32(1), intstr.FromInt32(0)
	d.Spec.Strategy = api.DeploymentStrategy{Type: api.RollingUpdateDeploymentStrategyType,
		RollingUpdate: &api.RollingUpdateDeployment{MaxSurge: &one, MaxUnavailable: &zero}}
	if _, err := c.Deployments("default").Create(ctx, d); err != nil {
		t.Fatal(err)
	}

	// v1: one replica set named <deployment>-<pod-template-hash>, revision 1.
	v1 := waitRolledOut(t, c, "default", "web", "img:v1", 4)
	hash := v1.Labels["pod-template-hash"]
	if hash == "" || v1.Name != "web-"+hash || v1.Spec.Selector.MatchLabels["pod-template-hash"] != hash ||
		v1.Spec.Template.Labels["pod-template-hash"] != hash {
		t.Errorf("replica set %s: labels %v, selector %v: want web-<hash> with the hash label everywhere", v1.Name, v1.Labels, v1.Spec.Selector.MatchLabels)
	}
	if v1.Annotations["deployment.kubernetes.io/revision"] != "1" {
		t.Errorf("v1 annotations %v: want revision 1", v1.Annotations)
	}
	if ref := v1.OwnerReferences; len(ref) != 1 || ref[0].Kind != "Deployment" || ref[0].Name != "web" || ref[0].Controller == nil || !*ref[0].Controller {
		t.Errorf("v1 owner references %+v", ref)
	}
	var got *api.Deployment
	waitUntil(t, 10*time.Second, "conditions of a complete rollout", func() (bool, string) {
		got, _ = c.Deployments("default").Get(ctx, "web")
		p, a := condition(got, "Progressing"), condition(got, "Available")
		return p != nil && p.Reason == "NewReplicaSetAvailable" && a != nil && a.Reason == "MinimumReplicasAvailable" && a.Status == "True",
			fmt.Sprintf("%+v", got.Status.Conditions)
	})
	if got.Annotations["deployment.kubernetes.io/revision"] != "1" {
		t.Errorf("deployment annotations %v: want revision 1", got.Annotations)
	}
	kubectlOK(t, ts.URL, "deployment \"web\" successfully rolled out\n", "rollout", "status", "deployment/web", "--timeout=20s")

	// v2 through `kubectl set image`: a new replica set, the old one scaled
	// down, never more than replicas + maxSurge pods.
	fake.reset("web")
	kubectlOK(t, ts.URL, "deployment.apps/web image updated\n", "set", "image", "deployment/web", "web=img:v2")
	if out, errs, code := ourKubectl(t, ts.URL, "", "rollout", "status", "deployment", "web", "--timeout=20s"); code != 0 || !strings.HasSuffix(out, "deployment \"web\" successfully rolled out\n") {
		t.Fatalf("rollout status during v2: exit %d, %q %q", code, out, errs)
	}
	v2 := waitRolledOut(t, c, "default", "web", "img:v2", 4)
	if v2.Name == v1.Name || v2.Annotations["deployment.kubernetes.io/revision"] != "2" {
		t.Errorf("v2 %s annotations %v: want a new replica set at revision 2", v2.Name, v2.Annotations)
	}
	fake.mu.Lock()
	if fake.maxTotal["web"] > 5 {
		t.Errorf("rolling update asked for %d pods at once, want at most 4 + maxSurge 1", fake.maxTotal["web"])
	}
	fake.mu.Unlock()
	waitUntil(t, 10*time.Second, "ScalingReplicaSet events", func() (bool, string) {
		evs, _, err := c.Events("default").List(ctx, mkclient.ListOptions{})
		if err != nil {
			return false, err.Error()
		}
		var msgs []string
		up, down := false, false
		for _, e := range evs {
			if e.Reason != "ScalingReplicaSet" || e.InvolvedObject.Name != "web" {
				continue
			}
			msgs = append(msgs, e.Message)
			up = up || e.Message == fmt.Sprintf("Scaled up replica set %s from 0 to 1", v2.Name)
			down = down || e.Message == fmt.Sprintf("Scaled down replica set %s from 4 to 3", v1.Name)
		}
		return up && down && strings.Contains(strings.Join(msgs, "|"), fmt.Sprintf("Scaled up replica set %s from 0 to 4", v1.Name)), strings.Join(msgs, "\n")
	})
	kubectlOK(t, ts.URL, "deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n", "rollout", "history", "deployment/web")

	// Undo: back to v1's replica set, which becomes revision 3.
	kubectlOK(t, ts.URL, "deployment.apps/web rolled back\n", "rollout", "undo", "deployment/web")
	back := waitRolledOut(t, c, "default", "web", "img:v1", 4)
	if back.Name != v1.Name {
		t.Errorf("undo made replica set %s, want %s back", back.Name, v1.Name)
	}
	waitUntil(t, 10*time.Second, "revision 3 on the v1 replica set", func() (bool, string) {
		rs, _ := c.ReplicaSets("default").Get(ctx, v1.Name)
		dep, _ := c.Deployments("default").Get(ctx, "web")
		return rs.Annotations["deployment.kubernetes.io/revision"] == "3" && rs.Annotations["deployment.kubernetes.io/revision-history"] == "1" &&
			dep.Annotations["deployment.kubernetes.io/revision"] == "3", fmt.Sprintf("rs %v deployment %v", rs.Annotations, dep.Annotations)
	})
	kubectlOK(t, ts.URL, "deployment.apps/web \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n", "rollout", "history", "deployment/web")
	kubectlOK(t, ts.URL, "deployment.apps/web rolled back\n", "rollout", "undo", "deployment/web", "--to-revision=2")
	waitRolledOut(t, c, "default", "web", "img:v2", 4)

	// Paused: a template change rolls nothing out until resumed.
	kubectlOK(t, ts.URL, "deployment.apps/web paused\n", "rollout", "pause", "deployment/web")
	if _, errs, code := ourKubectl(t, ts.URL, "", "rollout", "pause", "deployment/web"); code != 1 || errs != "error: deployments.apps \"web\" is already paused\n" {
		t.Errorf("pause twice: exit %d, %q", code, errs)
	}
	kubectlOK(t, ts.URL, "deployment.apps/web image updated\n", "set", "image", "deployment/web", "web=img:v3")
	waitUntil(t, 10*time.Second, "the paused deployment's change observed", func() (bool, string) {
		dep, _ := c.Deployments("default").Get(ctx, "web")
		p := condition(dep, "Progressing")
		return dep.Status.ObservedGeneration == dep.Generation && p != nil && p.Reason == "DeploymentPaused", fmt.Sprintf("%+v", dep.Status)
	})
	if rs := replicaSetsOf(t, c, "default", "web")["img:v3"]; rs != nil {
		t.Errorf("paused deployment created replica set %s", rs.Name)
	}
	if _, errs, code := ourKubectl(t, ts.URL, "", "rollout", "undo", "deployment/web"); code == 0 || !strings.Contains(errs, "paused") {
		t.Errorf("undo of a paused deployment: exit %d, %q", code, errs)
	}
	kubectlOK(t, ts.URL, "deployment.apps/web resumed\n", "rollout", "resume", "deployment/web")
	waitRolledOut(t, c, "default", "web", "img:v3", 4)

	// Scale, and restart (a new template annotation: a new replica set).
	kubectlOK(t, ts.URL, "deployment.apps/web scaled\n", "scale", "deployment", "web", "--replicas=6")
	waitRolledOut(t, c, "default", "web", "img:v3", 6)
	kubectlOK(t, ts.URL, "deployment.apps/web restarted\n", "rollout", "restart", "deployment/web")
	waitUntil(t, 30*time.Second, "restart rolled out", func() (bool, string) {
		rss, _, err := c.ReplicaSets("default").List(ctx, mkclient.ListOptions{LabelSelector: "app=web"})
		if err != nil {
			return false, err.Error()
		}
		restarted, others := false, int32(0)
		for _, rs := range rss {
			if rs.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"] != "" {
				restarted = *rs.Spec.Replicas == 6
			} else {
				others += *rs.Spec.Replicas
			}
		}
		return restarted && others == 0, fmt.Sprintf("%d replica sets, %d old pods", len(rss), others)
	})

	// revisionHistoryLimit: old replica sets beyond it are deleted.
	kubectlOK(t, ts.URL, "", "rollout", "status", "deployment/web", "--timeout=20s")
	lim := []byte(`{"spec":{"revisionHistoryLimit":1}}`)
	if _, err := c.Deployments("default").Patch(ctx, "web", mkclient.MergePatchType, lim); err != nil {
		t.Fatal(err)
	}
	kubectlOK(t, ts.URL, "", "set", "image", "deployment/web", "web=img:v4")
	waitRolledOut(t, c, "default", "web", "img:v4", 6)
	waitUntil(t, 10*time.Second, "one old replica set kept", func() (bool, string) {
		rss, _, _ := c.ReplicaSets("default").List(ctx, mkclient.ListOptions{LabelSelector: "app=web"})
		var names []string
		for _, rs := range rss {
			names = append(names, rs.Name)
		}
		return len(rss) == 2, strings.Join(names, " ")
	})
}

func TestDeploymentRecreate(t *testing.T) {
	ts := testserver.Start(t)
	c, err := mkclient.New(&mkclient.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	startControllerManagerWith(t, ts.URL, withoutReplicaSetController)
	fake := startRSStatusFaker(t, c, "default")
	d := webDeployment("db", 3, "db:v1")
	d.Spec.Strategy = api.DeploymentStrategy{Type: api.RecreateDeploymentStrategyType}
	if _, err := c.Deployments("default").Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	v1 := waitRolledOut(t, c, "default", "db", "db:v1", 3)
	fake.reset("db")
	kubectlOK(t, ts.URL, "deployment.apps/db image updated\n", "set", "image", "deployment/db", "*=db:v2")
	v2 := waitRolledOut(t, c, "default", "db", "db:v2", 3)
	if v2.Name == v1.Name {
		t.Fatalf("no new replica set")
	}
	fake.mu.Lock()
	if fake.overlap["db"] {
		t.Errorf("Recreate ran old and new pods at once")
	}
	if fake.maxTotal["db"] > 3 {
		t.Errorf("Recreate asked for %d pods at once, want at most 3", fake.maxTotal["db"])
	}
	fake.mu.Unlock()

	// The replica sets name the deployment as their controller, so the
	// garbage collector deletes them with it.
	kubectlOK(t, ts.URL, "deployment.apps \"db\" deleted\n", "delete", "deployment", "db")
	waitUntil(t, 20*time.Second, "replica sets deleted with their deployment", func() (bool, string) {
		rss, _, err := c.ReplicaSets("default").List(ctx, mkclient.ListOptions{LabelSelector: "app=db"})
		if err != nil {
			return false, err.Error()
		}
		return len(rss) == 0, fmt.Sprintf("%d left", len(rss))
	})
}

func TestDeploymentValidation(t *testing.T) {
	ts := testserver.Start(t)
	c, err := mkclient.New(&mkclient.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	bad := webDeployment("bad", 1, "x")
	bad.Spec.Selector = &api.LabelSelector{MatchLabels: map[string]string{"app": "other"}}
	_, err = c.Deployments("default").Create(context.Background(), bad)
	if !mkclient.IsInvalid(err) || !strings.Contains(err.Error(), "spec.template.metadata.labels") || !strings.Contains(err.Error(), "`selector` does not match template `labels`") {
		t.Errorf("mismatched selector: %v", err)
	}
	neg := webDeployment("neg", -1, "x")
	_, err = c.Deployments("default").Create(context.Background(), neg)
	if !mkclient.IsInvalid(err) || !strings.Contains(err.Error(), "spec.replicas") {
		t.Errorf("negative replicas: %v", err)
	}
}

// TestDeploymentRealKubectl: the real kubectl's rollout status, history and
// undo (client-side) against our apiserver and controller.
func TestDeploymentRealKubectl(t *testing.T) {
	real := needRealKubectl(t)
	ts := testserver.Start(t)
	c, err := mkclient.New(&mkclient.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	startControllerManagerWith(t, ts.URL, withoutReplicaSetController)
	startRSStatusFaker(t, c, "default")
	kc := writeKubeconfig(t, ts.URL)
	kubectl := func(args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, real, append([]string{"--kubeconfig", kc}, args...)...)
		cmd.Env = append(cmd.Environ(), "HOME="+t.TempDir())
		out, err := cmd.Output()
		if err != nil {
			stderr := ""
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = string(ee.Stderr)
			}
			t.Fatalf("kubectl %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr)
		}
		return string(out)
	}
	kubectl("create", "deployment", "web", "--image=img:v1", "--replicas=2")
	if out := kubectl("rollout", "status", "deployment/web", "--timeout=30s"); !strings.HasSuffix(out, "deployment \"web\" successfully rolled out\n") {
		t.Errorf("rollout status: %q", out)
	}
	kubectl("set", "image", "deployment/web", "img=img:v2")
	if out := kubectl("rollout", "status", "deployment/web", "--timeout=30s"); !strings.HasSuffix(out, "deployment \"web\" successfully rolled out\n") {
		t.Errorf("rollout status v2: %q", out)
	}
	if out := kubectl("rollout", "history", "deployment/web"); out != "deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n" {
		t.Errorf("rollout history: %q", out)
	}
	realRev := kubectl("rollout", "history", "deployment/web", "--revision=1")
	if ours, errs, code := ourKubectl(t, ts.URL, "", "rollout", "history", "deployment/web", "--revision=1"); code != 0 || ours != realRev {
		t.Errorf("history --revision=1: ours (exit %d, %s)\n%q\nreal kubectl's\n%q", code, errs, ours, realRev)
	}
	if out := kubectl("rollout", "undo", "deployment/web"); out != "deployment.apps/web rolled back\n" {
		t.Errorf("rollout undo: %q", out)
	}
	waitRolledOut(t, c, "default", "web", "img:v1", 2)
	if out := kubectl("rollout", "undo", "deployment/web", "--to-revision=2"); out != "deployment.apps/web rolled back\n" {
		t.Errorf("rollout undo --to-revision=2: %q", out)
	}
	waitRolledOut(t, c, "default", "web", "img:v2", 2)
	kubectl("rollout", "status", "deployment/web", "--timeout=30s")
	if out := kubectl("rollout", "pause", "deployment/web"); out != "deployment.apps/web paused\n" {
		t.Errorf("rollout pause: %q", out)
	}
	if out := kubectl("rollout", "resume", "deployment/web"); out != "deployment.apps/web resumed\n" {
		t.Errorf("rollout resume: %q", out)
	}
	if out := kubectl("rollout", "restart", "deployment/web"); out != "deployment.apps/web restarted\n" {
		t.Errorf("rollout restart: %q", out)
	}
	if out := kubectl("rollout", "status", "deployment/web", "--timeout=30s"); !strings.HasSuffix(out, "deployment \"web\" successfully rolled out\n") {
		t.Errorf("rollout status after restart: %q", out)
	}
	if out := kubectl("rollout", "history", "deployment/web"); !strings.HasSuffix(out, "3         <none>\n4         <none>\n5         <none>\n\n") {
		t.Errorf("rollout history after restart: %q", out)
	}
	out := kubectl("get", "deployments")
	if lines := strings.Split(out, "\n"); len(lines) < 2 || !strings.HasPrefix(lines[0], "NAME   READY   UP-TO-DATE   AVAILABLE   AGE") ||
		!strings.HasPrefix(lines[1], "web    2/2     2            2           ") {
		t.Errorf("get deployments:\n%s", out)
	}
}

func TestDeploymentProgressDeadline(t *testing.T) {
	ts := testserver.Start(t)
	c, err := mkclient.New(&mkclient.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	startControllerManagerWith(t, ts.URL, withoutReplicaSetController)
	startRSStatusFaker(t, c, "default")
	d := webDeployment("stuck", 2, "stuck:v1")
	pds := int32(2)
	d.Spec.ProgressDeadlineSeconds = &pds
	if _, err := c.Deployments("default").Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 20*time.Second, "ProgressDeadlineExceeded", func() (bool, string) {
		got, err := c.Deployments("default").Get(ctx, "stuck")
		if err != nil {
			return false, err.Error()
		}
		p, a := condition(got, "Progressing"), condition(got, "Available")
		return p != nil && p.Status == "False" && p.Reason == "ProgressDeadlineExceeded" &&
			strings.HasPrefix(p.Message, `ReplicaSet "stuck-`) && strings.HasSuffix(p.Message, `" has timed out progressing.`) &&
			a != nil && a.Status == "False" && a.Reason == "MinimumReplicasUnavailable", fmt.Sprintf("%+v", got.Status.Conditions)
	})
	out, errs, code := ourKubectl(t, ts.URL, "", "rollout", "status", "deployment/stuck", "--timeout=10s")
	if code == 0 || errs != "error: deployment \"stuck\" exceeded its progress deadline\n" {
		t.Errorf("rollout status of a stuck deployment: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	out, _, code = ourKubectl(t, ts.URL, "", "rollout", "status", "deployment/web", "--watch=false")
	if code == 0 {
		t.Errorf("rollout status of a missing deployment: exit 0, %q", out)
	}
}
