package apiserver

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"minik8s/pkg/api"
	"minik8s/pkg/api/validation"
	"minik8s/pkg/podsecurity"
)

// Pod Security admission, as Kubernetes' PodSecurity plugin
// (k8s.io/pod-security-admission/admission) with its default
// configuration: every namespace without labels is privileged, nothing is
// exempt. Namespaces: the policy labels must be valid, and a stricter
// enforce level warns about the existing pods it would reject. Pods:
// enforce rejects (403), warn sends Warning headers, audit annotates the
// audit event. Workloads with a pod template: warn and audit only.
//
// The pure functions below decide; admitPodSecurity reads the namespace
// and its pods and acts.

const (
	// namespaceMaxPodsToCheck caps the pods a namespace relabel checks,
	// as Kubernetes' defaultNamespaceMaxPodsToCheck.
	namespaceMaxPodsToCheck     = 3000
	podSecurityAnnotationPrefix = "pod-security.kubernetes.io/"
)

// admitPodSecurity is the admission hook of creates (old nil) and updates
// of every resource; it acts on namespaces, pods and pod templates.
func (s *Server) admitPodSecurity(ctx context.Context, info *api.ResourceInfo, sub string, obj, old api.Object) error {
	if sub != "" { // status, scale, binding, ...: nothing PodSecurity checks changes
		return nil
	}
	switch o := obj.(type) {
	case *api.Namespace:
		return s.admitNamespaceLabels(ctx, info, o, old)
	case *api.Pod:
		if old != nil && !significantPodUpdate(o, old.(*api.Pod)) {
			return nil
		}
		return s.admitPodSpec(ctx, info, o.Namespace, o.Name, &o.ObjectMeta, &o.Spec, true)
	}
	if meta, spec, ok := podTemplateOf(obj); ok {
		m := obj.GetObjectMeta()
		return s.admitPodSpec(ctx, info, m.Namespace, m.Name, meta, spec, false)
	}
	return nil
}

// admitPodSpec evaluates a pod (enforce) or a pod template against its
// namespace's policy.
func (s *Server) admitPodSpec(ctx context.Context, info *api.ResourceInfo, namespace, name string, meta *api.ObjectMeta, spec *api.PodSpec, enforce bool) error {
	policy, perrs, err := s.namespacePolicy(ctx, namespace)
	if err != nil {
		if !enforce { // a workload is admitted anyway, as Kubernetes
			addAuditAnnotation(ctx, podSecurityAnnotationPrefix+"error", fmt.Sprintf("failed to lookup namespace %q: %v", namespace, err))
			return nil
		}
		return errInternal(fmt.Errorf("failed to lookup namespace %q", namespace))
	}
	if len(perrs) == 0 && (enforce && policy.FullyPrivileged() ||
		!enforce && policy.Warn.Level == podsecurity.LevelPrivileged && policy.Audit.Level == podsecurity.LevelPrivileged) {
		return nil
	}
	v := podSecurityVerdict(policy, perrs, meta, spec, enforce)
	for k, val := range v.annotations {
		addAuditAnnotation(ctx, podSecurityAnnotationPrefix+k, val)
	}
	if v.forbidden != "" {
		return errForbidden(info, name, v.forbidden)
	}
	for _, w := range v.warnings {
		addWarning(ctx, w)
	}
	return nil
}

// namespacePolicy reads a namespace's policy labels.
func (s *Server) namespacePolicy(ctx context.Context, namespace string) (podsecurity.Policy, []podsecurity.LabelError, error) {
	obj, _, err := s.getObject(ctx, namespaceInfo(), "", namespace)
	if err != nil {
		return podsecurity.Policy{}, nil, err
	}
	p, errs := podsecurity.PolicyToEvaluate(obj.(*api.Namespace).Labels, podsecurity.DefaultPolicy())
	return p, errs, nil
}

// admitNamespaceLabels refuses invalid policy labels (on an update only if
// they changed) and warns, when the enforce level gets stricter, about the
// existing pods the new level would reject.
func (s *Server) admitNamespaceLabels(ctx context.Context, info *api.ResourceInfo, ns *api.Namespace, old api.Object) error {
	var oldLabels map[string]string
	if old != nil {
		oldLabels = old.(*api.Namespace).Labels
	}
	errs, enforce, check := namespaceLabelDecision(ns.Labels, oldLabels, old == nil)
	if len(errs) > 0 {
		return errInvalid(info, ns.Name, errs)
	}
	if !check {
		return nil
	}
	pods, err := s.namespacePods(ctx, ns.Name)
	if err != nil {
		addWarning(ctx, "failed to list pods while checking new PodSecurity enforce level")
		return nil
	}
	for _, w := range namespacePodWarnings(ns.Name, enforce, pods, namespaceMaxPodsToCheck) {
		addWarning(ctx, w)
	}
	return nil
}

func (s *Server) namespacePods(ctx context.Context, namespace string) ([]*api.Pod, error) {
	info, _ := api.ForResource("", "v1", "pods")
	return listStored[*api.Pod](ctx, s.store, info, namespace)
}

// namespaceLabelDecision is Kubernetes' ValidateNamespace: the label
// errors to refuse the write with, and whether (and at which enforce
// level) to check the existing pods: only on an update whose enforce
// level or version changed to something not privileged and not a
// relaxation at the same version.
func namespaceLabelDecision(labels, oldLabels map[string]string, create bool) (validation.ErrorList, podsecurity.LevelVersion, bool) {
	policy, errs := podsecurity.PolicyToEvaluate(labels, podsecurity.DefaultPolicy())
	if create {
		return podSecurityLabelErrors(errs), policy.Enforce, false
	}
	oldPolicy, oldErrs := podsecurity.PolicyToEvaluate(oldLabels, podsecurity.DefaultPolicy())
	if len(errs) > 0 && (len(oldErrs) == 0 || !reflect.DeepEqual(errs, oldErrs)) {
		return podSecurityLabelErrors(errs), policy.Enforce, false
	}
	n, o := policy.Enforce, oldPolicy.Enforce
	switch {
	case n == o, n.Level == podsecurity.LevelPrivileged:
		return nil, n, false
	case n.Version == o.Version && podsecurity.CompareLevels(n.Level, o.Level) < 1:
		return nil, n, false
	}
	return nil, n, true
}

func podSecurityLabelErrors(errs []podsecurity.LabelError) validation.ErrorList {
	var out validation.ErrorList
	for _, e := range errs {
		out = append(out, validation.Invalid(validation.Path(e.Field()), e.Value, e.Message))
	}
	return out
}

// namespacePodWarnings is Kubernetes' EvaluatePodsInNamespace: one pod per
// controller first, at most max pods, then one warning per distinct set of
// violated checks, prefixed with the first pod name and how many other
// pods share it, after a summary line.
func namespacePodWarnings(namespace string, enforce podsecurity.LevelVersion, pods []*api.Pod, max int) []string {
	pods = podSecurityPrioritize(pods)
	total := len(pods)
	if len(pods) > max {
		pods = pods[:max]
	}
	type count struct {
		pod string
		n   int
	}
	counts := map[string]*count{}
	var reasons []string
	for _, p := range pods {
		a := podsecurity.Check(enforce, &p.ObjectMeta, &p.Spec)
		if a.Allowed {
			continue
		}
		r := a.ForbiddenReason()
		c, seen := counts[r]
		if !seen {
			c = &count{pod: p.Name}
			counts[r] = c
			reasons = append(reasons, r)
		} else if p.Name < c.pod {
			c.pod = p.Name
		}
		c.n++
	}
	var warnings []string
	if len(pods) < total {
		warnings = append(warnings, fmt.Sprintf("new PodSecurity enforce level only checked against the first %d of %d existing pods", len(pods), total))
	}
	if len(reasons) > 0 {
		warnings = append(warnings, fmt.Sprintf("existing pods in namespace %q violate the new PodSecurity enforce level %q", namespace, enforce.String()))
	}
	podWarnings := make([]string, len(reasons))
	for i, r := range reasons {
		c := counts[r]
		switch c.n {
		case 1:
			podWarnings[i] = fmt.Sprintf("%s: %s", c.pod, r)
		case 2:
			podWarnings[i] = fmt.Sprintf("%s (and 1 other pod): %s", c.pod, r)
		default:
			podWarnings[i] = fmt.Sprintf("%s (and %d other pods): %s", c.pod, c.n-1, r)
		}
	}
	sort.Strings(podWarnings)
	return append(warnings, podWarnings...)
}

// podSecurityPrioritize puts the first pod of each controller (and every pod
// without one) ahead of the other replicas, as Kubernetes does.
func podSecurityPrioritize(pods []*api.Pod) []*api.Pod {
	out := make([]*api.Pod, 0, len(pods))
	var replicas []*api.Pod
	seen := map[string]bool{}
	for _, p := range pods {
		uid := podControllerUID(&p.ObjectMeta)
		switch {
		case uid == "":
			out = append(out, p)
		case seen[uid]:
			replicas = append(replicas, p)
		default:
			seen[uid] = true
			out = append(out, p)
		}
	}
	return append(out, replicas...)
}

func podControllerUID(m *api.ObjectMeta) string {
	for _, r := range m.OwnerReferences {
		if r.Controller != nil && *r.Controller {
			return r.UID
		}
	}
	return ""
}

// psaVerdict is what PodSecurity decides about one pod or template: a
// forbidden message (enforce), warnings and audit annotations (keys
// without the plugin prefix).
type psaVerdict struct {
	forbidden   string
	warnings    []string
	annotations map[string]string
}

// podSecurityVerdict is Kubernetes' EvaluatePod: enforce (pods only),
// audit, then warn (only when not forbidden); a level and version shared
// by two modes is evaluated once.
func podSecurityVerdict(policy podsecurity.Policy, perrs []podsecurity.LabelError, meta *api.ObjectMeta, spec *api.PodSpec, enforce bool) psaVerdict {
	v := psaVerdict{annotations: map[string]string{}}
	if len(perrs) > 0 {
		msgs := make([]string, len(perrs))
		for i, e := range perrs {
			msgs[i] = e.Error()
		}
		agg := msgs[0]
		if len(msgs) > 1 {
			agg = "[" + strings.Join(msgs, ", ") + "]"
		}
		v.annotations["error"] = "Failed to parse policy: " + agg
	}
	cache := map[podsecurity.LevelVersion]podsecurity.Aggregate{}
	check := func(lv podsecurity.LevelVersion) podsecurity.Aggregate {
		if a, ok := cache[lv]; ok {
			return a
		}
		a := podsecurity.Check(lv, meta, spec)
		cache[lv] = a
		return a
	}
	if enforce {
		v.annotations[podsecurity.EnforcedPolicyAnnotationKey] = policy.Enforce.String()
		if a := check(policy.Enforce); !a.Allowed {
			v.forbidden = fmt.Sprintf("violates PodSecurity %q: %s", policy.Enforce.String(), a.ForbiddenDetail())
		}
	}
	if a := check(policy.Audit); !a.Allowed {
		v.annotations[podsecurity.AuditViolationsAnnotationKey] = fmt.Sprintf("would violate PodSecurity %q: %s", policy.Audit.String(), a.ForbiddenDetail())
	}
	if v.forbidden == "" {
		if a := check(policy.Warn); !a.Allowed {
			v.warnings = append(v.warnings, fmt.Sprintf("would violate PodSecurity %q: %s", policy.Warn.String(), a.ForbiddenDetail()))
		}
	}
	return v
}

// podTemplateOf is the pod template of a workload (Kubernetes'
// DefaultPodSpecExtractor): Deployment, ReplicaSet, DaemonSet, Job,
// CronJob (its job's template) and ReplicationController.
func podTemplateOf(obj api.Object) (*api.ObjectMeta, *api.PodSpec, bool) {
	var t *api.PodTemplateSpec
	switch o := obj.(type) {
	case *api.Deployment:
		t = &o.Spec.Template
	case *api.ReplicaSet:
		t = &o.Spec.Template
	case *api.DaemonSet:
		t = &o.Spec.Template
	case *api.Job:
		t = &o.Spec.Template
	case *api.CronJob:
		t = &o.Spec.JobTemplate.Spec.Template
	case *api.ReplicationController:
		t = o.Spec.Template
	}
	if t == nil {
		return nil, nil, false
	}
	return &t.ObjectMeta, &t.Spec, true
}

// significantPodUpdate is Kubernetes' isSignificantPodUpdate: only a
// change of the containers (their number or an image) or of a container's
// seccomp annotation makes an update be checked again.
func significantPodUpdate(pod, old *api.Pod) bool {
	if len(pod.Spec.Containers) != len(old.Spec.Containers) || len(pod.Spec.InitContainers) != len(old.Spec.InitContainers) {
		return true
	}
	changed := func(c, oc *api.Container) bool {
		key := "container.seccomp.security.alpha.kubernetes.io/" + c.Name
		return c.Image != oc.Image || pod.Annotations[key] != old.Annotations[key]
	}
	for i := range pod.Spec.Containers {
		if changed(&pod.Spec.Containers[i], &old.Spec.Containers[i]) {
			return true
		}
	}
	for i := range pod.Spec.InitContainers {
		if changed(&pod.Spec.InitContainers[i], &old.Spec.InitContainers[i]) {
			return true
		}
	}
	return false
}
