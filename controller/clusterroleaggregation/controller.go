// Package clusterroleaggregation is Kubernetes' ClusterRole aggregation
// controller: a ClusterRole with an aggregationRule gets the union of the
// rules of the ClusterRoles its selectors match (admin, edit and view
// gather the system:aggregate-to-* roles and any a user labels so).
package clusterroleaggregation

import (
	"context"
	"fmt"
	"log"
	"reflect"
	"sort"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/client/cache"
	"minik8s/pkg/client/workqueue"
	"minik8s/pkg/labels"
)

// Controller keeps aggregated ClusterRoles' rules.
type Controller struct {
	client *client.Client
	roles  *cache.SharedInformer
	synced []func() bool
	queue  *workqueue.Queue
	logf   func(format string, args ...any)
}

// New returns the controller over the factory's ClusterRole informer.
func New(c *client.Client, f *cache.SharedInformerFactory) *Controller {
	ctl := &Controller{
		client: c,
		roles:  cache.InformerFor[*api.ClusterRole](f),
		queue:  workqueue.New(5*time.Millisecond, 60*time.Second),
		logf:   log.Printf,
	}
	// Any change may change any aggregated role: queue them all.
	all := func(api.Object) { ctl.enqueueAggregated() }
	r := ctl.roles.AddEventHandler(cache.HandlerFuncs{AddFunc: all, UpdateFunc: func(_, o api.Object) { all(o) }, DeleteFunc: all})
	ctl.synced = []func() bool{ctl.roles.HasSynced, r.HasSynced}
	return ctl
}

func (c *Controller) enqueueAggregated() {
	for _, o := range c.roles.Store().List() {
		if r := o.(*api.ClusterRole); r.AggregationRule != nil {
			c.queue.Add(r.Name)
		}
	}
}

// Run syncs until ctx ends.
func (c *Controller) Run(ctx context.Context) error {
	if !cache.WaitForCacheSync(ctx, c.synced...) {
		return nil
	}
	c.logf("clusterrole-aggregation: controller running")
	workqueue.RunWorkers(ctx, c.queue, 1, func(ctx context.Context, key string) (time.Duration, error) {
		return 0, c.sync(ctx, key)
	}, func(key string, err error) { c.logf("clusterrole-aggregation: syncing %s: %v (retrying)", key, err) })
	return nil
}

func (c *Controller) sync(ctx context.Context, name string) error {
	o, ok := c.roles.Store().GetByName("", name)
	if !ok {
		return nil
	}
	role := o.(*api.ClusterRole)
	var all []*api.ClusterRole
	for _, x := range c.roles.Store().List() {
		all = append(all, x.(*api.ClusterRole))
	}
	rules, changed := AggregatedRules(role, all)
	if !changed {
		return nil
	}
	up := *role
	up.Rules = rules
	if _, err := client.Typed[*api.ClusterRole](c.client, "").Update(ctx, &up); err != nil {
		return fmt.Errorf("updating the rules of %s: %w", name, err)
	}
	return nil
}

// AggregatedRules is the rules role should have: those of every other
// ClusterRole one of its selectors matches, by selector then by role
// name, each rule once; changed says whether they differ from its rules.
func AggregatedRules(role *api.ClusterRole, all []*api.ClusterRole) ([]api.PolicyRule, bool) {
	if role.AggregationRule == nil {
		return role.Rules, false
	}
	sorted := append([]*api.ClusterRole(nil), all...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	rules := []api.PolicyRule{}
	for i := range role.AggregationRule.ClusterRoleSelectors {
		sel, err := labels.FromLabelSelector(&role.AggregationRule.ClusterRoleSelectors[i])
		if err != nil {
			continue
		}
		for _, r := range sorted {
			if r.Name == role.Name || !sel.Matches(r.Labels) {
				continue
			}
			for _, rule := range r.Rules {
				if !hasRule(rules, rule) {
					rules = append(rules, rule)
				}
			}
		}
	}
	if reflect.DeepEqual(rules, role.Rules) || (len(rules) == 0 && len(role.Rules) == 0) {
		return role.Rules, false
	}
	return rules, true
}

func hasRule(rules []api.PolicyRule, r api.PolicyRule) bool {
	for _, x := range rules {
		if reflect.DeepEqual(x, r) {
			return true
		}
	}
	return false
}
