package main

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
)

// Namespaces the soak owns: everything it creates lives in soak-*.
const nsPrefix = "soak-"

// scaleSteps is the churn Deployment's replica count, cycled: pods start
// and stop all the time, never more than 4 at once.
var scaleSteps = []int32{2, 4, 1, 3, 0, 4, 2, 0}

// counts tallies operations and failures by kind.
type counts struct {
	mu   sync.Mutex
	ops  map[string]int
	errs map[string]int
	last map[string]string // last error message per kind
}

func newCounts() *counts {
	return &counts{ops: map[string]int{}, errs: map[string]int{}, last: map[string]string{}}
}

func (c *counts) done(kind string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ops[kind]++
	if err != nil {
		c.errs[kind]++
		c.last[kind] = err.Error()
	}
}

// summary is "kind ops (errors)" sorted by kind, and the totals.
func (c *counts) summary() (string, int, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var kinds []string
	for k := range c.ops {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var b strings.Builder
	total, failed := 0, 0
	for _, k := range kinds {
		fmt.Fprintf(&b, "  %-16s %6d ops %4d errors", k, c.ops[k], c.errs[k])
		if m := c.last[k]; m != "" {
			fmt.Fprintf(&b, "  (last: %.100s)", m)
		}
		b.WriteString("\n")
		total += c.ops[k]
		failed += c.errs[k]
	}
	return b.String(), total, failed
}

// workload is the soak's mix in its namespaces.
type workload struct {
	c      *mkclient.Client
	ns     string // the main namespace, soak-<run>
	image  string
	counts *counts
}

func toolsTemplate(image string, labels map[string]string, rev int) api.PodTemplateSpec {
	return api.PodTemplateSpec{
		ObjectMeta: api.ObjectMeta{Labels: labels, Annotations: map[string]string{"soak/rev": strconv.Itoa(rev)}},
		Spec: api.PodSpec{
			TerminationGracePeriodSeconds: ptr(int64(2)),
			Containers: []api.Container{{Name: "tools", Image: image,
				Command: []string{"sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"}}},
		},
	}
}

func ptr[T any](v T) *T { return &v }

func (w *workload) deployment(name string, replicas int32) *api.Deployment {
	labels := map[string]string{"app": name}
	return &api.Deployment{ObjectMeta: api.ObjectMeta{Name: name}, Spec: api.DeploymentSpec{
		Replicas: &replicas, Selector: &api.LabelSelector{MatchLabels: labels},
		Template: toolsTemplate(w.image, labels, 0),
	}}
}

// setup creates the main namespace and the churn Deployment.
func (w *workload) setup(ctx context.Context) error {
	if _, err := w.c.Namespaces().Create(ctx, &api.Namespace{ObjectMeta: api.ObjectMeta{Name: w.ns}}); err != nil {
		return fmt.Errorf("creating namespace %s: %w", w.ns, err)
	}
	if _, err := w.c.Deployments(w.ns).Create(ctx, w.deployment("churn", 0)); err != nil {
		return fmt.Errorf("creating deployment churn: %w", err)
	}
	return nil
}

// run drives the mix until ctx ends: every cycle (about 1.5s) it writes
// ConfigMaps and opens and closes a watch; every 5th cycle it scales the
// churn Deployment, every 15th rolls it out, every 20th creates or deletes
// a short-lived namespace with its own Deployment and ConfigMaps; a pod
// watch is reopened every 30 cycles.
func (w *workload) run(ctx context.Context) {
	cms := mkclient.Typed[*api.ConfigMap](w.c, w.ns)
	var live []string // configmaps alive, oldest first
	tmpNS := ""
	var podWatch mkclient.Watcher
	defer func() {
		if podWatch != nil {
			podWatch.Stop()
		}
	}()
	for cycle := 0; ctx.Err() == nil; cycle++ {
		// ConfigMaps: create one, update one, delete the oldest beyond 30.
		name := fmt.Sprintf("cm-%d", cycle)
		_, err := cms.Create(ctx, &api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: name},
			Data: map[string]string{"cycle": strconv.Itoa(cycle), "blob": strings.Repeat("x", 2048)}})
		w.counts.done("configmap-create", err)
		if err == nil {
			live = append(live, name)
		}
		if len(live) > 1 {
			w.counts.done("configmap-update", w.updateConfigMap(ctx, cms, live[len(live)/2], cycle))
		}
		if len(live) > 30 {
			w.counts.done("configmap-delete", cms.Delete(ctx, live[0], nil))
			live = live[1:]
		}
		// A watch opened from the list's resourceVersion, read briefly, closed.
		w.counts.done("watch-short", w.shortWatch(ctx, cms))
		if cycle%5 == 0 {
			w.counts.done("scale", w.scale(ctx, "churn", scaleSteps[(cycle/5)%len(scaleSteps)]))
		}
		if cycle%15 == 7 {
			w.counts.done("rollout", w.rollout(ctx, "churn", cycle))
		}
		if cycle%20 == 10 {
			if tmpNS == "" {
				tmpNS = fmt.Sprintf("%s-tmp-%d", w.ns, cycle)
				w.counts.done("namespace-create", w.tmpNamespace(ctx, tmpNS))
			} else {
				w.counts.done("namespace-delete", w.c.Namespaces().Delete(ctx, tmpNS, nil))
				tmpNS = ""
			}
		}
		if cycle%30 == 0 {
			if podWatch != nil {
				podWatch.Stop()
			}
			var err error
			podWatch, err = w.c.Pods(w.ns).Watch(ctx, mkclient.ListOptions{AllowWatchBookmarks: true})
			w.counts.done("watch-long", err)
			if err == nil {
				go drain(podWatch)
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func drain(w mkclient.Watcher) {
	for range w.ResultChan() {
	}
}

func (w *workload) updateConfigMap(ctx context.Context, cms *mkclient.Resource[*api.ConfigMap], name string, cycle int) error {
	cm, err := cms.Get(ctx, name)
	if err != nil {
		return err
	}
	if cm.Data == nil {
		cm.Data = map[string]string{}
	}
	cm.Data["updated"] = strconv.Itoa(cycle)
	_, err = cms.Update(ctx, cm)
	return err
}

func (w *workload) shortWatch(ctx context.Context, cms *mkclient.Resource[*api.ConfigMap]) error {
	_, rv, err := cms.List(ctx, mkclient.ListOptions{Limit: 5})
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	wt, err := cms.Watch(wctx, mkclient.ListOptions{ResourceVersion: rv})
	if err != nil {
		return err
	}
	defer wt.Stop()
	for {
		select {
		case ev, ok := <-wt.ResultChan():
			if !ok {
				return nil
			}
			if err := ev.Err(); err != nil {
				return err
			}
		case <-wctx.Done():
			return nil
		}
	}
}

// scale sets a Deployment's replicas through its scale subresource.
func (w *workload) scale(ctx context.Context, name string, n int32) error {
	info := mkclient.Typed[*api.Deployment](w.c, w.ns).Info()
	return retryConflict(ctx, func() error {
		s, err := w.c.GetScale(ctx, info, w.ns, name)
		if err != nil {
			return err
		}
		s.Spec.Replicas = n
		_, err = w.c.UpdateScale(ctx, info, w.ns, s)
		return err
	})
}

// rollout changes the pod template: a new ReplicaSet replaces the pods.
func (w *workload) rollout(ctx context.Context, name string, rev int) error {
	return retryConflict(ctx, func() error {
		d, err := w.c.Deployments(w.ns).Get(ctx, name)
		if err != nil {
			return err
		}
		d.Spec.Template.Annotations = map[string]string{"soak/rev": strconv.Itoa(rev)}
		_, err = w.c.Deployments(w.ns).Update(ctx, d)
		return err
	})
}

func (w *workload) tmpNamespace(ctx context.Context, ns string) error {
	if _, err := w.c.Namespaces().Create(ctx, &api.Namespace{ObjectMeta: api.ObjectMeta{Name: ns}}); err != nil {
		return err
	}
	for i := 0; i < 5; i++ {
		if _, err := mkclient.Typed[*api.ConfigMap](w.c, ns).Create(ctx, &api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: fmt.Sprintf("cm-%d", i)}}); err != nil {
			return err
		}
	}
	_, err := w.c.Deployments(ns).Create(ctx, w.deployment("one", 1))
	return err
}

func retryConflict(ctx context.Context, f func() error) error {
	var err error
	for i := 0; i < 5; i++ {
		if err = f(); err == nil || !mkclient.IsConflict(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return err
}

// cleanup deletes every soak-* namespace and waits (bounded) until they
// are gone, pods included.
func cleanup(ctx context.Context, c *mkclient.Client, timeout time.Duration) (int, error) {
	nss, _, err := c.Namespaces().List(ctx, mkclient.ListOptions{})
	if err != nil {
		return 0, fmt.Errorf("listing namespaces: %w", err)
	}
	var ours []string
	for _, ns := range nss {
		if strings.HasPrefix(ns.Name, nsPrefix) {
			ours = append(ours, ns.Name)
			if err := c.Namespaces().Delete(ctx, ns.Name, nil); err != nil && !mkclient.IsNotFound(err) {
				return 0, fmt.Errorf("deleting namespace %s: %w", ns.Name, err)
			}
		}
	}
	deadline := time.Now().Add(timeout)
	for _, ns := range ours {
		for {
			_, err := c.Namespaces().Get(ctx, ns)
			if mkclient.IsNotFound(err) {
				break
			}
			if time.Now().After(deadline) {
				return len(ours), fmt.Errorf("namespace %s still there after %s", ns, timeout)
			}
			time.Sleep(time.Second)
		}
	}
	return len(ours), nil
}
