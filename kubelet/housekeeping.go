package kubelet

import (
	"context"
	"fmt"
	"log"
	"sort"
	"strings"
	"time"

	"minik8s/kubelet/runtime"
	"minik8s/pkg/client"
	"minik8s/pkg/client/cache"
)

// orphanGrace is how long containers of pods that no longer exist get to
// stop (a pod force-deleted, or deleted while the kubelet was down).
const orphanGrace = 2 * time.Second

// runtimeFingerprints summarises, per pod UID, the runtime's sandboxes and
// containers with their states, so a relist can tell which pods changed.
func runtimeFingerprints(sbs []*runtime.Sandbox, cs []*runtime.Container) (map[string]string, map[string][2]string) {
	parts := map[string][]string{}
	names := map[string][2]string{} // uid -> namespace, name
	for _, s := range sbs {
		parts[s.PodUID] = append(parts[s.PodUID], "s:"+s.ID+":"+string(s.State))
		names[s.PodUID] = [2]string{s.Namespace, s.Name}
	}
	for _, c := range cs {
		parts[c.PodUID] = append(parts[c.PodUID], fmt.Sprintf("c:%s:%s:%d", c.ID, c.State, c.Attempt))
		if _, ok := names[c.PodUID]; !ok {
			names[c.PodUID] = [2]string{c.Labels[runtime.LabelPodNamespace], c.Labels[runtime.LabelPodName]}
		}
	}
	out := map[string]string{}
	for uid, p := range parts {
		sort.Strings(p)
		out[uid] = strings.Join(p, ",")
	}
	return out, names
}

// relistLoop lists the runtime every RelistInterval, and at once when a
// pod sync asks (after it changed something), like Kubernetes' PLEG. It is
// the only lister that fills the runtime cache and reaps exited containers.
func (k *Kubelet) relistLoop(ctx context.Context) {
	t := time.NewTicker(k.opts.RelistInterval)
	defer t.Stop()
	for {
		if err := k.relist(ctx); err != nil && ctx.Err() == nil {
			log.Printf("kubelet: relist: %v", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-k.relistNow:
		}
	}
}

// requestRelist asks the relist loop for a relist now.
func (k *Kubelet) requestRelist() {
	select {
	case k.relistNow <- struct{}{}:
	default:
	}
}

// relist lists the runtime once: it reaps each newly exited container (once:
// only the relist reaps), fills the runtime cache, queues the pods whose
// runtime state changed and cleans up what belongs to pods that are gone.
func (k *Kubelet) relist(ctx context.Context) error {
	start := time.Now()
	sbs, err := k.rt.ListPodSandboxes(ctx)
	if err != nil {
		return fmt.Errorf("list sandboxes: %w", err)
	}
	cs, err := k.rt.ListContainers(ctx)
	if err != nil {
		return fmt.Errorf("list containers: %w", err)
	}
	cs = k.reap(ctx, cs)
	k.cache.set(start, sbs, cs)
	fps, names := runtimeFingerprints(sbs, cs)
	if k.informer == nil {
		return nil
	}
	synced := k.informer.HasSynced()
	byUID := map[string]string{}
	for _, o := range k.informer.Store().List() {
		byUID[o.GetObjectMeta().UID] = cache.Key(o)
	}
	k.mu.Lock()
	var changed []string
	for uid, fp := range fps {
		if key, ok := byUID[uid]; ok && k.lastSeen[uid] != fp {
			changed = append(changed, key)
		}
	}
	k.lastSeen = fps
	k.mu.Unlock()
	for _, key := range changed {
		k.queue.Add(key)
	}
	if !synced {
		return nil
	}
	for uid := range fps {
		if _, ok := byUID[uid]; ok || uid == "" {
			continue
		}
		k.cleanupOrphan(ctx, uid, names[uid])
	}
	return nil
}

// reap records the exit of every listed container that needs it. One that
// cannot be reaped now keeps its last cached state (not a guessed exit
// reason) and is tried again at the next relist.
func (k *Kubelet) reap(ctx context.Context, cs []*runtime.Container) []*runtime.Container {
	out := make([]*runtime.Container, 0, len(cs))
	for _, c := range cs {
		if c.NeedsReap {
			reaped, err := k.rt.ReapContainer(ctx, c.ID)
			switch {
			case err == nil:
				c = reaped
				if c.Reason == "OOMKilled" {
					k.recorder().Eventf(k.nodeRef(), eventWarning, reasonOOMKilling,
						"Memory cgroup out of memory: killed container %s of pod %s/%s",
						c.Name, c.Labels[runtime.LabelPodNamespace], c.Labels[runtime.LabelPodName])
				}
			case k.cache.container(c.ID) != nil:
				log.Printf("kubelet: reaping container %s: %v", short(c.ID), err)
				c = k.cache.container(c.ID)
			default:
				log.Printf("kubelet: reaping container %s: %v", short(c.ID), err)
			}
		}
		out = append(out, c)
	}
	return out
}

// cleanupOrphan removes, in the background, what the runtime has of a pod
// that is not in the kubelet's cache, after checking with the apiserver
// that the pod (with that UID) is really gone.
func (k *Kubelet) cleanupOrphan(ctx context.Context, uid string, nsName [2]string) {
	t, ok := k.beginTerminating(uid, orphanGrace)
	if !ok {
		return
	}
	k.wg.Add(1)
	go func() {
		defer k.wg.Done()
		defer k.endTerminating(uid)
		if nsName[1] != "" {
			p, err := k.client.Pods(nsName[0]).Get(ctx, nsName[1])
			switch {
			case err == nil && p.UID == uid && p.Spec.NodeName == k.opts.NodeName:
				return // not in the cache yet
			case err != nil && !client.IsNotFound(err):
				return // try again at the next relist
			}
		}
		log.Printf("kubelet: removing containers of pod %s/%s (uid %s), which no longer exists", nsName[0], nsName[1], uid)
		if err := k.terminate(ctx, uid, nil, t); err != nil && ctx.Err() == nil {
			log.Printf("kubelet: cleaning up pod %s: %v", uid, err)
		}
	}()
}
