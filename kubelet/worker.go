package kubelet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"sync"
	"time"

	"minik8s/kubelet/runtime"
	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/client/cache"
)

// defaultGrace is the termination grace period of a pod without one.
const defaultGrace = 30 * time.Second

// terminationGrace is the pod's spec.terminationGracePeriodSeconds.
func terminationGrace(pod *api.Pod) time.Duration {
	if g := pod.Spec.TerminationGracePeriodSeconds; g != nil {
		return api.Seconds(*g)
	}
	return defaultGrace
}

// deletionGrace is the grace period of a pod being deleted.
func deletionGrace(pod *api.Pod) time.Duration {
	if g := pod.DeletionGracePeriodSeconds; g != nil {
		return api.Seconds(*g)
	}
	return terminationGrace(pod)
}

// podRuntime lists what the runtime has of the pod with uid.
func (k *Kubelet) podRuntime(ctx context.Context, uid string) (*podRuntime, error) {
	sbs, err := k.rt.ListPodSandboxes(ctx)
	if err != nil {
		return nil, fmt.Errorf("list sandboxes: %w", err)
	}
	cs, err := k.rt.ListContainers(ctx)
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	var mySbs []*runtime.Sandbox
	var myCs []*runtime.Container
	for _, s := range sbs {
		if s.PodUID == uid {
			mySbs = append(mySbs, s)
		}
	}
	for _, c := range cs {
		if c.PodUID == uid {
			myCs = append(myCs, c)
		}
	}
	return newPodRuntime(mySbs, myCs), nil
}

// lastChange is when a sync last changed the runtime state of pod uid.
func (k *Kubelet) lastChange(uid string) time.Time {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.changedAt[uid]
}

// markChanged records that a sync changed the runtime state of pod uid now.
func (k *Kubelet) markChanged(uid string) time.Time {
	k.mu.Lock()
	defer k.mu.Unlock()
	t := time.Now()
	k.changedAt[uid] = t
	return t
}

func (k *Kubelet) getWaits(uid string) map[string]containerWait {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := map[string]containerWait{}
	for n, w := range k.waits[uid] {
		out[n] = w
	}
	return out
}

func (k *Kubelet) setWait(uid, name string, w *containerWait) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if w == nil {
		delete(k.waits[uid], name)
		return
	}
	if k.waits[uid] == nil {
		k.waits[uid] = map[string]containerWait{}
	}
	k.waits[uid][name] = *w
}

// termination is the kill in progress of the pod with uid, or nil.
func (k *Kubelet) termination(uid string) *termination {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.terminating[uid]
}

// syncPod reconciles one pod (by key) and reports its status. It returns
// when to sync again (0: at the periodic resync).
func (k *Kubelet) syncPod(ctx context.Context, key string) (time.Duration, error) {
	obj, ok := k.informer.Store().Get(key)
	if !ok {
		return 0, nil // gone: the relist cleans up what the runtime still has of it
	}
	pod := obj.(*api.Pod)
	if pod.Spec.NodeName != k.opts.NodeName {
		return 0, nil
	}
	if t := k.termination(pod.UID); t != nil {
		if pod.DeletionTimestamp != nil {
			if g := deletionGrace(pod); t.shorten(g) {
				log.Printf("kubelet: pod %s: grace period shortened to %s", key, g)
			}
		}
		return 0, nil
	}
	// What the runtime has of the pod, from a relist newer than this
	// kubelet's last change to it (never act on a state from before).
	prt, err := k.cache.getNewerThan(ctx, pod.UID, k.lastChange(pod.UID))
	if err != nil {
		return 0, err
	}
	now := k.now()
	if len(prt.Sandboxes) == 0 && len(prt.Containers) == 0 {
		if pod.Status.Phase == api.PodSucceeded || pod.Status.Phase == api.PodFailed {
			return 0, nil // finished (or refused): never started again
		}
		if err := admissionError(pod, k.informer.Store().List()); err != nil {
			st := refusedStatus(pod, err, k.hostIP(), api.NewTime(now))
			k.recorder().Eventf(pod, eventWarning, st.Reason, "%v", err) // as Kubernetes' rejectPod
			return 0, k.writeStatus(ctx, pod, st)
		}
	}
	plan := computePodActions(pod, prt, k.getWaits(pod.UID), k.backoff, k.probes.Results, now)
	if plan.Delete {
		k.startTermination(ctx, pod)
		return 0, nil
	}
	k.recordWaits(pod, plan.Waiting)
	k.refreshConfigVolumes(ctx, pod)
	retry, applyErr := k.apply(ctx, pod, prt, plan)
	if plan.RetryAfter > 0 && (retry == 0 || plan.RetryAfter < retry) {
		retry = plan.RetryAfter
	}
	if plan.changes() {
		changed := k.markChanged(pod.UID)
		k.requestRelist()
		if prt, err = k.cache.getNewerThan(ctx, pod.UID, changed); err != nil {
			return retry, errors.Join(applyErr, err)
		}
	}
	waits := k.getWaits(pod.UID)
	for n, w := range plan.Waiting {
		waits[n] = w
	}
	st := computePodStatus(pod, statusInput{Runtime: prt, Waits: waits, HostIP: k.hostIP(), Now: now, Probes: k.probes.Results, KubeletStart: k.started})
	k.setPodStatus(pod, st)
	k.probes.AddPod(ctx, pod)
	return retry, errors.Join(applyErr, k.writeStatus(ctx, pod, st))
}

// recordWaits records the back-off events of held-back containers.
func (k *Kubelet) recordWaits(pod *api.Pod, waits map[string]containerWait) {
	for _, spec := range allContainers(pod) {
		w, ok := waits[spec.Name]
		if !ok {
			continue
		}
		ref := k.containerRef(pod, spec.Name)
		switch w.Reason {
		case "CrashLoopBackOff":
			k.recorder().Eventf(ref, eventWarning, reasonBackOff, "Back-off restarting failed container %s in pod %s", spec.Name, formatPod(pod))
		case "ImagePullBackOff":
			k.recorder().Eventf(ref, eventNormal, reasonBackOff, "Back-off pulling image %q", spec.Image)
			k.recorder().Eventf(ref, eventWarning, reasonFailed, "Error: ImagePullBackOff")
		}
	}
}

// writeStatus writes st through pods/status if it differs from the pod's.
func (k *Kubelet) writeStatus(ctx context.Context, pod *api.Pod, st api.PodStatus) error {
	a, _ := json.Marshal(pod.Status)
	b, _ := json.Marshal(st)
	if string(a) == string(b) {
		return nil
	}
	p := *pod
	p.Status = st
	// The status is the kubelet's alone: write it unconditionally (the
	// cached pod may lag behind the kubelet's own last write).
	p.ResourceVersion = ""
	if _, err := k.client.Pods(pod.Namespace).UpdateStatus(ctx, &p); err != nil {
		if client.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("update status: %w", err)
	}
	return nil
}

// apply carries out a plan (all but deletion).
func (k *Kubelet) apply(ctx context.Context, pod *api.Pod, prt *podRuntime, plan podActions) (time.Duration, error) {
	grace := terminationGrace(pod)
	var errs []error
	rec := k.recorder()
	if plan.KillPod {
		if plan.CreateSandbox && prt.sandbox() != nil {
			rec.Eventf(pod, eventNormal, reasonSandboxChanged, "Pod sandbox changed, it will be killed and re-created.")
		}
		errs = append(errs, k.killPod(ctx, pod, prt, grace))
	}
	for _, c := range plan.Kill {
		msg := plan.KillMessage[c.ID]
		if msg == "" {
			msg = fmt.Sprintf("Stopping container %s", c.Name)
		}
		rec.Eventf(k.containerRef(pod, c.Name), eventNormal, reasonKilling, "%s", msg)
		g, ok := plan.KillGrace[c.ID]
		if !ok {
			g = grace
		}
		errs = append(errs, k.stopContainer(ctx, pod, c, prt.podIP(), g))
	}
	for _, c := range plan.Remove {
		errs = append(errs, k.rt.RemoveContainer(ctx, c.ID))
	}
	for _, s := range plan.RemoveSandboxes {
		if err := k.rt.StopPodSandbox(ctx, s.ID); err != nil {
			errs = append(errs, err)
			continue
		}
		errs = append(errs, k.rt.RemovePodSandbox(ctx, s.ID))
	}
	if err := errors.Join(errs...); err != nil {
		return 0, err
	}
	if !plan.CreateSandbox && len(plan.Start) == 0 {
		return 0, nil
	}
	volumePaths, err := k.dirs.ensureVolumes(pod.UID, volumeSpecs(pod))
	if err != nil {
		rec.Eventf(pod, eventWarning, reasonFailedMount, "Unable to attach or mount volumes: %v", err)
		return 0, err
	}
	if _, err := k.setUpConfigVolumes(ctx, pod, volumePaths); err != nil {
		return 0, err
	}
	if err := applyFSGroup(pod, volumePaths); err != nil {
		rec.Eventf(pod, eventWarning, reasonFailedMount, "MountVolume.SetUp failed: %v", err)
		return 0, err
	}
	sb := prt.sandbox()
	if plan.CreateSandbox {
		cfg, err := k.sandboxConfig(pod)
		if err == nil {
			sb, err = k.rt.RunPodSandbox(ctx, cfg)
		}
		if err != nil {
			rec.Eventf(pod, eventWarning, reasonFailedSandbox, "Failed to create pod sandbox: %v", err)
			return 0, fmt.Errorf("create sandbox: %w", err)
		}
		log.Printf("kubelet: pod %s/%s: sandbox %s ip %s", pod.Namespace, pod.Name, short(sb.ID), sb.IP)
	}
	if sb == nil {
		return 0, fmt.Errorf("no sandbox to start containers in")
	}
	var retry time.Duration
	for _, s := range plan.Start {
		r, err := k.startContainer(ctx, pod, sb, s, volumePaths)
		errs = append(errs, err)
		if r > 0 && (retry == 0 || r < retry) {
			retry = r
		}
	}
	return retry, errors.Join(errs...)
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// volumeSpecs reduces the pod's volumes to what the kubelet handles.
func volumeSpecs(pod *api.Pod) []volumeSpec {
	var out []volumeSpec
	for _, v := range pod.Spec.Volumes {
		vs := volumeSpec{name: v.Name}
		if v.HostPath != nil {
			vs.hostPath = v.HostPath.Path
			if v.HostPath.Type != nil {
				vs.hostPathType = *v.HostPath.Type
			}
		}
		out = append(out, vs)
	}
	return out
}

// startContainer pulls, creates and starts one container. Failures the
// kubelet reports as waiting reasons (pull, create) are recorded and
// backed off; it returns when to retry.
func (k *Kubelet) startContainer(ctx context.Context, pod *api.Pod, sb *runtime.Sandbox, s containerStart, volumePaths map[string]string) (time.Duration, error) {
	spec := s.spec(pod)
	now := k.now()
	fail := func(reason string, err error) (time.Duration, error) {
		k.setWait(pod.UID, spec.Name, &containerWait{Reason: reason, Message: err.Error(), At: now})
		key := waitBackoffKey(pod, spec.Name)
		k.backoff.Next(key, now)
		log.Printf("kubelet: pod %s/%s container %s: %s: %v", pod.Namespace, pod.Name, spec.Name, reason, err)
		return k.backoff.Delay(key), nil
	}
	ref := k.containerRef(pod, spec.Name)
	rec := k.recorder()
	if reason, err := k.pullImage(ctx, pod, spec); err != nil {
		rec.Eventf(ref, eventWarning, reasonFailed, "Error: %s", reason)
		return fail(reason, err)
	}
	svcEnv, err := k.serviceEnv(ctx, pod)
	var cfg *runtime.ContainerConfig
	var refs envRefs
	if err == nil {
		refs, err = k.containerEnvRefs(ctx, pod, spec)
	}
	if err == nil {
		cfg, err = containerConfig(pod, spec, s.Attempt, podEnv{PodIP: sb.IP, HostIP: k.hostIP(), Services: svcEnv, Refs: refs}, volumePaths,
			k.dirs.log(pod.UID, spec.Name, s.Attempt))
	}
	if err != nil {
		rec.Eventf(ref, eventWarning, reasonFailed, "Error: %v", err)
		return fail("CreateContainerConfigError", err)
	}
	cfg.Security = securityConfig(pod, spec, k.seccompRoot())
	if s.Attempt > 0 {
		k.backoff.Next(backoffKey(pod, spec.Name), now)
	}
	id, err := k.rt.CreateContainer(ctx, sb.ID, cfg)
	if err != nil {
		rec.Eventf(ref, eventWarning, reasonFailed, "Error: %v", err)
		if runtime.IsConfigError(err) {
			return fail("CreateContainerConfigError", err)
		}
		return fail("CreateContainerError", err)
	}
	rec.Eventf(ref, eventNormal, reasonCreated, "Created container %s", spec.Name)
	k.setWait(pod.UID, spec.Name, nil)
	if err := k.rt.StartContainer(ctx, id); err != nil {
		// The container stays Created; the next sync treats it as a failed
		// attempt under the restart policy and back-off.
		rec.Eventf(ref, eventWarning, reasonFailed, "Error: %v", err)
		return 0, fmt.Errorf("start container %s: %w", spec.Name, err)
	}
	rec.Eventf(ref, eventNormal, reasonStarted, "Started container %s", spec.Name)
	return 0, k.runPostStart(ctx, pod, spec, id, sb.IP)
}

// killPod stops every running container (preStop hook, SIGTERM, grace,
// SIGKILL) in parallel, then every sandbox. Killing events are about pod (nil: none).
func (k *Kubelet) killPod(ctx context.Context, pod *api.Pod, prt *podRuntime, grace time.Duration) error {
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for _, c := range prt.containersOrNil() {
		if c.State == runtime.ContainerExited {
			continue
		}
		if pod != nil {
			k.recorder().Eventf(k.containerRef(pod, c.Name), eventNormal, reasonKilling, "Stopping container %s", c.Name)
		}
		wg.Add(1)
		go func(c *runtime.Container) {
			defer wg.Done()
			if err := k.stopContainer(ctx, pod, c, prt.podIP(), grace); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("stop container %s: %w", c.Name, err))
				mu.Unlock()
			}
		}(c)
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		// Cut short (e.g. a shorter grace period): the sandbox stays for the next kill.
		return errors.Join(append(errs, err)...)
	}
	for _, s := range prt.sandboxesOrNil() {
		if err := k.rt.StopPodSandbox(ctx, s.ID); err != nil {
			errs = append(errs, fmt.Errorf("stop sandbox: %w", err))
		}
	}
	return errors.Join(errs...)
}

// removePod removes every container and sandbox of a stopped pod, its
// directories (emptyDirs, logs) and the kubelet's memory of it.
func (k *Kubelet) removePod(ctx context.Context, uid string, prt *podRuntime) error {
	var errs []error
	for _, c := range prt.containersOrNil() {
		errs = append(errs, k.rt.RemoveContainer(ctx, c.ID))
	}
	for _, s := range prt.sandboxesOrNil() {
		errs = append(errs, k.rt.RemovePodSandbox(ctx, s.ID))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := k.dirs.removePod(uid); err != nil {
		return err
	}
	k.backoff.Forget(uid + "/")
	k.forgetPodStatus(uid)
	k.mu.Lock()
	delete(k.waits, uid)
	delete(k.changedAt, uid)
	k.mu.Unlock()
	return nil
}

// terminate kills and removes everything of the pod with uid, with the
// grace period of t (killing again when a later DELETE shortens it).
// Killing events are about pod (nil: none).
func (k *Kubelet) terminate(ctx context.Context, uid string, pod *api.Pod, t *termination) error {
	for {
		prt, err := k.podRuntime(ctx, uid)
		if err != nil {
			return err
		}
		kctx, grace := t.begin(ctx)
		err = k.killPod(kctx, pod, prt, grace)
		pod = nil // one Killing event per container
		if t.end() && ctx.Err() == nil {
			log.Printf("kubelet: pod %s: killing again with the shorter grace period %s", uid, t.currentGrace())
			continue
		}
		if err != nil {
			return err
		}
		break
	}
	prt, err := k.podRuntime(ctx, uid)
	if err != nil {
		return err
	}
	return k.removePod(ctx, uid, prt)
}

// startTermination kills a pod being deleted in the background (so a long
// grace period holds no worker), then deletes it from the apiserver with
// grace 0 and a UID precondition.
func (k *Kubelet) startTermination(ctx context.Context, pod *api.Pod) {
	grace := deletionGrace(pod)
	t, ok := k.beginTerminating(pod.UID, grace)
	if !ok {
		return
	}
	key := cache.Key(pod)
	k.wg.Add(1)
	go func() {
		defer k.wg.Done()
		defer k.endTerminating(pod.UID)
		log.Printf("kubelet: pod %s is being deleted: stopping its containers (grace %s)", key, grace)
		if err := k.terminate(ctx, pod.UID, pod, t); err != nil {
			if ctx.Err() == nil {
				log.Printf("kubelet: terminating pod %s: %v", key, err)
				k.queue.AddRateLimited(key)
			}
			return
		}
		zero, uid := int64(0), pod.UID
		err := k.client.Pods(pod.Namespace).Delete(ctx, pod.Name, &api.DeleteOptions{
			GracePeriodSeconds: &zero, Preconditions: &api.Preconditions{UID: &uid}})
		if err != nil && !client.IsNotFound(err) && !client.IsConflict(err) && ctx.Err() == nil {
			log.Printf("kubelet: deleting pod %s: %v", key, err)
			k.queue.AddRateLimited(key)
			return
		}
		log.Printf("kubelet: pod %s deleted", key)
	}()
}

// beginTerminating records a kill of the pod with uid; false if one is
// already in progress.
func (k *Kubelet) beginTerminating(uid string, grace time.Duration) (*termination, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.terminating[uid] != nil {
		return nil, false
	}
	t := newTermination(grace)
	k.terminating[uid] = t
	return t, true
}

func (k *Kubelet) endTerminating(uid string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.terminating, uid)
}
