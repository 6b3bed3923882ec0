package endpointutil

import (
	"minik8s/pkg/api"
	"minik8s/pkg/client/cache"
)

// KeyAdder is the work queue the handlers put service keys in.
type KeyAdder interface{ Add(key string) }

// ServiceHandler queues a Service ("namespace/name") on every event.
func ServiceHandler(q KeyAdder) cache.HandlerFuncs {
	enqueue := func(o api.Object) {
		m := o.GetObjectMeta()
		q.Add(m.Namespace + "/" + m.Name)
	}
	return cache.HandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, n api.Object) { enqueue(n) },
		DeleteFunc: enqueue,
	}
}

// PodHandler queues the Services (from the services store) that a pod's
// add, update or delete concerns: those selecting it, and on an update
// only when its labels or its endpoint changed (ServiceKeysOnPodUpdate).
func PodHandler(q KeyAdder, services *cache.Store) cache.HandlerFuncs {
	add := func(keys []string) {
		for _, k := range keys {
			q.Add(k)
		}
	}
	forPod := func(o api.Object) {
		if p, ok := o.(*api.Pod); ok {
			add(ServiceKeysForPod(services, p.Namespace, p.Labels))
		}
	}
	return cache.HandlerFuncs{
		AddFunc: forPod,
		UpdateFunc: func(o, n api.Object) {
			op, ok1 := o.(*api.Pod)
			np, ok2 := n.(*api.Pod)
			if ok1 && ok2 {
				add(ServiceKeysOnPodUpdate(services, op, np))
			}
		},
		DeleteFunc: forPod,
	}
}
