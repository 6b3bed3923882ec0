package validation

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/intstr"

	"minik8s/pkg/api"
)

// Default values, as Kubernetes sets them.
const (
	DefaultSchedulerName                 = "default-scheduler"
	DefaultTerminationGracePeriodSeconds = 30
	DefaultTerminationMessagePath        = "/dev/termination-log"
	DefaultClientIPTimeoutSeconds        = 10800
	DefaultHPACPUUtilization             = api.DefaultHPACPUUtilization
	DefaultRevisionHistoryLimit          = 10
	DefaultProgressDeadlineSeconds       = 600
)

func ptr[T any](v T) *T { return &v }

// Default fills in Kubernetes' defaults on a new object; it only sets what
// is unset. A ReplicaSet or Deployment without a selector does not get one
// from its template labels (that is a validation error, as in apps/v1).
func Default(obj api.Object) {
	switch o := obj.(type) {
	case *api.Namespace:
		if o.Status.Phase == "" {
			o.Status.Phase = api.NamespaceActive
		}
		defaultNamespaceLabel(o)
	case *api.Pod:
		DefaultPodSpec(&o.Spec)
	case *api.Secret:
		defaultSecret(o)
	case *api.ReplicaSet:
		if o.Spec.Replicas == nil {
			o.Spec.Replicas = ptr(int32(1))
		}
		DefaultPodSpec(&o.Spec.Template.Spec)
	case *api.ReplicationController:
		defaultReplicationController(o)
	case *api.Deployment:
		defaultDeployment(o)
	case *api.DaemonSet:
		defaultDaemonSet(o)
	case *api.Job:
		defaultJobSpec(&o.Spec, o.Name, o.UID)
	case *api.CronJob:
		defaultCronJob(o)
	case *api.Service:
		defaultService(&o.Spec)
	case *api.HorizontalPodAutoscaler:
		defaultHPA(&o.Spec)
	case *api.EndpointSlice:
		defaultEndpointSlice(o)
	case *api.Endpoints:
		for i := range o.Subsets {
			for j := range o.Subsets[i].Ports {
				if o.Subsets[i].Ports[j].Protocol == "" {
					o.Subsets[i].Ports[j].Protocol = "TCP"
				}
			}
		}
	}
}

// LabelMetadataName is the label every namespace carries with its own
// name (Kubernetes' v1.LabelMetadataName).
const LabelMetadataName = "kubernetes.io/metadata.name"

// defaultNamespaceLabel sets kubernetes.io/metadata.name to the namespace's
// name on every write, so it can be neither changed nor removed (Kubernetes'
// SetDefaults_Namespace). A namespace without a name yet (generateName) gets
// it once it has one.
func defaultNamespaceLabel(ns *api.Namespace) {
	if ns.Name == "" {
		return
	}
	if ns.Labels == nil {
		ns.Labels = map[string]string{}
	}
	ns.Labels[LabelMetadataName] = ns.Name
}

// DefaultPodSpec fills in the defaults of a pod spec (also used for templates).
func DefaultPodSpec(s *api.PodSpec) {
	if s.RestartPolicy == "" {
		s.RestartPolicy = api.RestartAlways
	}
	if s.DNSPolicy == "" {
		s.DNSPolicy = "ClusterFirst"
	}
	if s.TerminationGracePeriodSeconds == nil {
		s.TerminationGracePeriodSeconds = ptr(int64(DefaultTerminationGracePeriodSeconds))
	}
	if s.SchedulerName == "" {
		s.SchedulerName = DefaultSchedulerName
	}
	if s.EnableServiceLinks == nil {
		s.EnableServiceLinks = ptr(true)
	}
	if s.SecurityContext == nil {
		s.SecurityContext = &api.PodSecurityContext{}
	}
	// v1's serviceAccount is the deprecated name of serviceAccountName:
	// read when the latter is empty, always written as its copy (as
	// Kubernetes' v1 conversion of PodSpec).
	if s.ServiceAccountName == "" {
		s.ServiceAccountName = s.DeprecatedServiceAccount
	}
	s.DeprecatedServiceAccount = s.ServiceAccountName
	for i := range s.Volumes {
		v := &s.Volumes[i]
		defaultConfigVolume(&v.VolumeSource)
		if v.HostPath == nil && v.EmptyDir == nil && !isConfigVolume(&v.VolumeSource) {
			v.EmptyDir = &api.EmptyDirVolumeSource{} // as Kubernetes: no source means emptyDir
		}
		if v.HostPath != nil && v.HostPath.Type == nil {
			v.HostPath.Type = ptr("")
		}
	}
	for i := range s.InitContainers {
		defaultContainer(&s.InitContainers[i], s.HostNetwork)
	}
	for i := range s.Containers {
		defaultContainer(&s.Containers[i], s.HostNetwork)
	}
	for i := range s.Tolerations {
		if s.Tolerations[i].Operator == "" {
			s.Tolerations[i].Operator = "Equal"
		}
	}
}

func defaultContainer(c *api.Container, hostNetwork bool) {
	if c.ImagePullPolicy == "" {
		c.ImagePullPolicy = DefaultImagePullPolicy(c.Image)
	}
	if c.TerminationMessagePath == "" {
		c.TerminationMessagePath = DefaultTerminationMessagePath
	}
	if c.TerminationMessagePolicy == "" {
		c.TerminationMessagePolicy = "File"
	}
	for i := range c.Ports {
		p := &c.Ports[i]
		if p.Protocol == "" {
			p.Protocol = "TCP"
		}
		if hostNetwork && p.HostPort == 0 {
			p.HostPort = p.ContainerPort // with hostNetwork the container port is the host port
		}
	}
	for i := range c.Env {
		if f := c.Env[i].ValueFrom; f != nil && f.FieldRef != nil && f.FieldRef.APIVersion == "" {
			f.FieldRef.APIVersion = "v1"
		}
	}
	for _, pr := range []*api.Probe{c.LivenessProbe, c.ReadinessProbe, c.StartupProbe} {
		if pr == nil {
			continue
		}
		if pr.TimeoutSeconds == 0 {
			pr.TimeoutSeconds = 1
		}
		if pr.PeriodSeconds == 0 {
			pr.PeriodSeconds = 10
		}
		if pr.SuccessThreshold == 0 {
			pr.SuccessThreshold = 1
		}
		if pr.FailureThreshold == 0 {
			pr.FailureThreshold = 3
		}
		if pr.HTTPGet != nil {
			if pr.HTTPGet.Path == "" {
				pr.HTTPGet.Path = "/"
			}
			if pr.HTTPGet.Scheme == "" {
				pr.HTTPGet.Scheme = "HTTP"
			}
		}
	}
}

// DefaultImagePullPolicy is Always for an image tagged :latest or untagged,
// IfNotPresent otherwise (including images pinned by digest).
func DefaultImagePullPolicy(image string) string {
	if strings.Contains(image, "@") {
		return "IfNotPresent"
	}
	name := image
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	_, tag, ok := strings.Cut(name, ":")
	if !ok || tag == "latest" {
		return "Always"
	}
	return "IfNotPresent"
}

func defaultDeployment(d *api.Deployment) {
	s := &d.Spec
	if s.Replicas == nil {
		s.Replicas = ptr(int32(1))
	}
	if s.Strategy.Type == "" {
		s.Strategy.Type = api.RollingUpdateDeploymentStrategyType
	}
	if s.Strategy.Type == api.RollingUpdateDeploymentStrategyType {
		if s.Strategy.RollingUpdate == nil {
			s.Strategy.RollingUpdate = &api.RollingUpdateDeployment{}
		}
		if s.Strategy.RollingUpdate.MaxUnavailable == nil {
			s.Strategy.RollingUpdate.MaxUnavailable = ptr(intstr.FromString("25%"))
		}
		if s.Strategy.RollingUpdate.MaxSurge == nil {
			s.Strategy.RollingUpdate.MaxSurge = ptr(intstr.FromString("25%"))
		}
	}
	if s.RevisionHistoryLimit == nil {
		s.RevisionHistoryLimit = ptr(int32(DefaultRevisionHistoryLimit))
	}
	if s.ProgressDeadlineSeconds == nil {
		s.ProgressDeadlineSeconds = ptr(int32(DefaultProgressDeadlineSeconds))
	}
	DefaultPodSpec(&s.Template.Spec)
}

func defaultService(s *api.ServiceSpec) {
	if s.Type == "" {
		s.Type = api.ServiceTypeClusterIP
	}
	if s.SessionAffinity == "" {
		s.SessionAffinity = "None"
	}
	if s.SessionAffinity == "ClientIP" {
		if s.SessionAffinityConfig == nil {
			s.SessionAffinityConfig = &api.SessionAffinityConfig{}
		}
		if s.SessionAffinityConfig.ClientIP == nil {
			s.SessionAffinityConfig.ClientIP = &api.ClientIPConfig{}
		}
		if s.SessionAffinityConfig.ClientIP.TimeoutSeconds == nil {
			s.SessionAffinityConfig.ClientIP.TimeoutSeconds = ptr(int32(DefaultClientIPTimeoutSeconds))
		}
	}
	if s.Type != api.ServiceTypeExternalName {
		if s.InternalTrafficPolicy == nil {
			s.InternalTrafficPolicy = ptr("Cluster")
		}
		if externallyAccessible(s) && s.ExternalTrafficPolicy == "" {
			s.ExternalTrafficPolicy = "Cluster"
		}
	}
	for i := range s.Ports {
		p := &s.Ports[i]
		if p.Protocol == "" {
			p.Protocol = "TCP"
		}
		if p.TargetPort.Type == intstr.Int && p.TargetPort.IntVal == 0 {
			p.TargetPort = intstr.FromInt32(p.Port)
		}
	}
}

func defaultHPA(s *api.HorizontalPodAutoscalerSpec) {
	if s.MinReplicas == nil {
		s.MinReplicas = ptr(int32(1))
	}
	if len(s.Metrics) == 0 {
		s.Metrics = []api.MetricSpec{{
			Type: api.ResourceMetricSourceType,
			Resource: &api.ResourceMetricSource{
				Name: "cpu",
				Target: api.MetricTarget{
					Type:               api.UtilizationMetricType,
					AverageUtilization: ptr(int32(DefaultHPACPUUtilization)),
				},
			},
		}}
	}
	// As in autoscaling/v2 (GenerateHPAScaleUpRules, GenerateHPAScaleDownRules):
	// an unset behavior stays unset (the controller uses EffectiveBehavior);
	// a set one gets every unset rule filled in, except the scale-down
	// window, which stays unset so the controller's own default applies.
	if s.Behavior != nil {
		down := DefaultScaleDownRules()
		down.StabilizationWindowSeconds = nil
		s.Behavior.ScaleUp = withDefaults(s.Behavior.ScaleUp, DefaultScaleUpRules())
		s.Behavior.ScaleDown = withDefaults(s.Behavior.ScaleDown, down)
	}
}

// DefaultScaleUpRules are Kubernetes' scale-up rules: no stabilization,
// at most +100% or +4 pods per 15 s, whichever is more.
func DefaultScaleUpRules() *api.HPAScalingRules {
	return &api.HPAScalingRules{
		StabilizationWindowSeconds: ptr(int32(0)),
		SelectPolicy:               ptr(api.MaxChangePolicySelect),
		Policies: []api.HPAScalingPolicy{
			{Type: api.PodsScalingPolicy, Value: 4, PeriodSeconds: 15},
			{Type: api.PercentScalingPolicy, Value: 100, PeriodSeconds: 15},
		},
	}
}

// DefaultScaleDownRules are Kubernetes' scale-down rules: a 300 s
// stabilization window, then up to -100% per 15 s.
func DefaultScaleDownRules() *api.HPAScalingRules {
	return &api.HPAScalingRules{
		StabilizationWindowSeconds: ptr(int32(300)),
		SelectPolicy:               ptr(api.MaxChangePolicySelect),
		Policies: []api.HPAScalingPolicy{
			{Type: api.PercentScalingPolicy, Value: 100, PeriodSeconds: 15},
		},
	}
}

// EffectiveBehavior returns the behavior an HPA controller should apply:
// the spec's behavior with every unset part filled from the defaults. It
// does not modify the HPA.
func EffectiveBehavior(s *api.HorizontalPodAutoscalerSpec) api.HorizontalPodAutoscalerBehavior {
	var up, down *api.HPAScalingRules
	if s.Behavior != nil {
		up, down = s.Behavior.ScaleUp, s.Behavior.ScaleDown
	}
	return api.HorizontalPodAutoscalerBehavior{
		ScaleUp:   withDefaults(up, DefaultScaleUpRules()),
		ScaleDown: withDefaults(down, DefaultScaleDownRules()),
	}
}

// withDefaults returns the rules with unset fields taken from def.
func withDefaults(r, def *api.HPAScalingRules) *api.HPAScalingRules {
	if r == nil {
		return def
	}
	out := *r
	if out.StabilizationWindowSeconds == nil {
		out.StabilizationWindowSeconds = def.StabilizationWindowSeconds
	}
	if out.SelectPolicy == nil {
		out.SelectPolicy = def.SelectPolicy
	}
	if out.Policies == nil {
		out.Policies = def.Policies
	}
	return &out
}
