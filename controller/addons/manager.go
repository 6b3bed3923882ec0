package addons

import (
	"context"
	"fmt"
	"log"
	"strings"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/client/cache"
	"minik8s/pkg/client/workqueue"
)

// Backstop is how often every add-on object is looked at without an event.
const Backstop = time.Minute

// Manager keeps add-on objects in the cluster.
type Manager struct {
	client  *client.Client
	desired map[string]managed // by key: group/Kind/namespace/name
	synced  []func() bool
	queue   *workqueue.Queue
	logf    func(format string, args ...any)
}

type managed struct {
	obj  api.Object
	info *api.ResourceInfo
	inf  *cache.SharedInformer
}

func keyOf(info *api.ResourceInfo, ns, name string) string {
	if !info.Namespaced {
		ns = ""
	}
	return info.Group + "/" + info.Kind + "/" + ns + "/" + name
}

// New returns a manager of objs (pkg/addons.Load), watching their kinds
// through the factory's shared informers. Start the factory after New.
func New(c *client.Client, f *cache.SharedInformerFactory, objs []api.Object) (*Manager, error) {
	m := &Manager{client: c, desired: map[string]managed{},
		queue: workqueue.New(100*time.Millisecond, 30*time.Second), logf: log.Printf}
	watched := map[*api.ResourceInfo]bool{}
	for _, o := range objs {
		tm, om := o.GetTypeMeta(), o.GetObjectMeta()
		info, err := api.ForKind(tm.APIVersion, tm.Kind)
		if err != nil {
			return nil, fmt.Errorf("add-on %s %s: %w", tm.Kind, om.Name, err)
		}
		inf := f.ForResource(info)
		m.desired[keyOf(info, om.Namespace, om.Name)] = managed{obj: o, info: info, inf: inf}
		if watched[info] {
			continue
		}
		watched[info] = true
		event := func(o api.Object) {
			k := keyOf(info, o.GetObjectMeta().Namespace, o.GetObjectMeta().Name)
			if _, ok := m.desired[k]; ok {
				m.queue.Add(k)
			}
		}
		reg := inf.AddEventHandler(cache.HandlerFuncs{AddFunc: event, UpdateFunc: func(_, n api.Object) { event(n) }, DeleteFunc: event})
		m.synced = append(m.synced, inf.HasSynced, reg.HasSynced)
	}
	return m, nil
}

// Run keeps the objects until ctx ends.
func (m *Manager) Run(ctx context.Context) error {
	if !cache.WaitForCacheSync(ctx, m.synced...) {
		return nil
	}
	for k := range m.desired {
		m.queue.Add(k)
	}
	m.logf("addons: managing %d objects", len(m.desired))
	workqueue.RunWorkers(ctx, m.queue, 1, m.sync, func(key string, err error) { m.logf("addons: %s: %v (retrying)", key, err) })
	return nil
}

// sync creates or restores one object from the informer's current state.
func (m *Manager) sync(ctx context.Context, key string) (time.Duration, error) {
	d, ok := m.desired[key]
	if !ok {
		return 0, nil
	}
	om := d.obj.GetObjectMeta()
	var live api.Object
	if o, ok := d.inf.Store().GetByName(om.Namespace, om.Name); ok {
		live = o
	}
	act, err := decide(d.obj, live)
	if err != nil {
		return 0, err
	}
	what := strings.ToLower(d.info.Kind) + " " + nsName(om)
	switch act {
	case actionSkip:
		m.logf("addons: %s has no %s label: not managed", what, "addonmanager.kubernetes.io/mode")
		return 0, nil
	case actionCreate:
		if _, err := m.client.Create(ctx, d.info, om.Namespace, d.obj); err != nil && !client.IsAlreadyExists(err) {
			return 0, fmt.Errorf("creating %s: %w", what, err)
		}
		m.logf("addons: created %s", what)
	case actionRestore:
		patch, err := restorePatch(d.obj)
		if err != nil {
			return 0, err
		}
		if _, err := m.client.Patch(ctx, d.info, om.Namespace, om.Name, client.MergePatchType, patch); err != nil && !client.IsNotFound(err) {
			return 0, fmt.Errorf("restoring %s: %w", what, err)
		}
		m.logf("addons: restored %s to its manifest (%s had changed)", what, difference(d.obj, live))
	}
	return Backstop, nil
}

func nsName(m *api.ObjectMeta) string {
	if m.Namespace == "" {
		return m.Name
	}
	return m.Namespace + "/" + m.Name
}
