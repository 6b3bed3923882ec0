package validation

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"

	"minik8s/pkg/api"
)

func basePod() *api.Pod {
	return &api.Pod{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default", Labels: map[string]string{"app": "web"}},
		Spec: api.PodSpec{
			Containers: []api.Container{
				{Name: "a", Image: "minik8s/testserver:latest", Ports: []api.ContainerPort{{Name: "http", ContainerPort: 8080}}},
				{Name: "b", Image: "minik8s/tools:latest", Ports: []api.ContainerPort{{ContainerPort: 3000}},
					VolumeMounts: []api.VolumeMount{{Name: "data", MountPath: "/data"}}},
			},
			Volumes: []api.Volume{{Name: "data", VolumeSource: api.VolumeSource{EmptyDir: &api.EmptyDirVolumeSource{}}}},
		},
	}
}

func baseService() *api.Service {
	return &api.Service{
		ObjectMeta: api.ObjectMeta{Name: "svc"},
		Spec: api.ServiceSpec{
			Selector: map[string]string{"app": "web"},
			Ports:    []api.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080)}},
		},
	}
}

func baseDeployment() *api.Deployment {
	p := basePod()
	return &api.Deployment{
		ObjectMeta: api.ObjectMeta{Name: "d"},
		Spec: api.DeploymentSpec{
			Replicas: ptr(int32(3)),
			Selector: &api.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: map[string]string{"app": "web"}}, Spec: p.Spec},
		},
	}
}

func baseReplicaSet() *api.ReplicaSet {
	d := baseDeployment()
	return &api.ReplicaSet{ObjectMeta: api.ObjectMeta{Name: "rs"},
		Spec: api.ReplicaSetSpec{Replicas: d.Spec.Replicas, Selector: d.Spec.Selector, Template: d.Spec.Template}}
}

func baseHPA() *api.HorizontalPodAutoscaler {
	return &api.HorizontalPodAutoscaler{
		ObjectMeta: api.ObjectMeta{Name: "h"},
		Spec: api.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: api.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "d"},
			MinReplicas:    ptr(int32(3)), MaxReplicas: 6,
			Metrics: []api.MetricSpec{{Type: "Resource", Resource: &api.ResourceMetricSource{Name: "cpu",
				Target: api.MetricTarget{Type: "Utilization", AverageUtilization: ptr(int32(40))}}}},
			Behavior: &api.HorizontalPodAutoscalerBehavior{ScaleDown: &api.HPAScalingRules{
				Policies: []api.HPAScalingPolicy{{Type: "Percent", Value: 10, PeriodSeconds: 60}}}},
		},
	}
}

func q(s string) api.Quantity { return resource.MustParse(s) }

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		obj  func() api.Object
		want []string // exact error strings, in order; nil = valid
	}{
		{"valid pod", func() api.Object { return basePod() }, nil},
		{"valid service", func() api.Object { return baseService() }, nil},
		{"valid deployment", func() api.Object { return baseDeployment() }, nil},
		{"valid replicaset", func() api.Object { return baseReplicaSet() }, nil},
		{"valid hpa", func() api.Object { return baseHPA() }, nil},
		{"valid namespace", func() api.Object { return &api.Namespace{ObjectMeta: api.ObjectMeta{Name: "team-a"}} }, nil},

		// int64 seconds: activeDeadlineSeconds is bounded, a huge grace
		// period is valid (the apiserver and kubelet saturate it).
		{"activeDeadlineSeconds beyond int32", func() api.Object { p := basePod(); p.Spec.ActiveDeadlineSeconds = ptr(int64(1) << 31); return p },
			[]string{"spec.activeDeadlineSeconds: Invalid value: 2147483648: must be between 1 and 2147483647, inclusive"}},
		{"activeDeadlineSeconds max int32", func() api.Object { p := basePod(); p.Spec.ActiveDeadlineSeconds = ptr(int64(1)<<31 - 1); return p }, nil},
		{"terminationGracePeriodSeconds 2^63-1", func() api.Object {
			p := basePod()
			p.Spec.TerminationGracePeriodSeconds = ptr(int64(1<<63 - 1))
			return p
		}, nil},

		// metadata
		{"missing name", func() api.Object { p := basePod(); p.Name = ""; return p },
			[]string{"metadata.name: Required value: name or generateName is required"}},
		{"invalid pod name", func() api.Object { p := basePod(); p.Name = "Web_1"; return p },
			[]string{`metadata.name: Invalid value: "Web_1": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`}},
		{"generateName ok", func() api.Object { p := basePod(); p.Name, p.GenerateName = "", "web-"; return p }, nil},
		{"namespace name is a label", func() api.Object { return &api.Namespace{ObjectMeta: api.ObjectMeta{Name: "a.b"}} },
			[]string{`metadata.name: Invalid value: "a.b": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`}},
		{"namespace on cluster-scoped", func() api.Object { return &api.Node{ObjectMeta: api.ObjectMeta{Name: "n1", Namespace: "x"}} },
			[]string{"metadata.namespace: Forbidden: not allowed on this type"}},
		{"bad label value", func() api.Object { p := basePod(); p.Labels["app"] = "-web"; return p },
			[]string{`metadata.labels: Invalid value: "-web": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`}},
		{"bad label key", func() api.Object { p := basePod(); p.Labels = map[string]string{"a/b/c": "x"}; return p },
			[]string{`metadata.labels: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`}},

		// pods
		{"no containers", func() api.Object { p := basePod(); p.Spec.Containers = nil; return p },
			[]string{"spec.containers: Required value"}},
		{"missing image", func() api.Object { p := basePod(); p.Spec.Containers[0].Image = ""; return p },
			[]string{"spec.containers[0].image: Required value"}},
		{"container port range", func() api.Object { p := basePod(); p.Spec.Containers[1].Ports[0].ContainerPort = 70000; return p },
			[]string{"spec.containers[1].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"}},
		{"container port zero", func() api.Object { p := basePod(); p.Spec.Containers[1].Ports[0].ContainerPort = 0; return p },
			[]string{"spec.containers[1].ports[0].containerPort: Invalid value: 0: must be between 1 and 65535, inclusive"}},
		{"host port range", func() api.Object { p := basePod(); p.Spec.Containers[0].Ports[0].HostPort = 65536; return p },
			[]string{"spec.containers[0].ports[0].hostPort: Invalid value: 65536: must be between 0 and 65535, inclusive"}},
		{"duplicate host port", func() api.Object {
			p := basePod()
			p.Spec.Containers[0].Ports[0].HostPort = 80
			p.Spec.Containers[1].Ports[0].HostPort = 80
			return p
		}, []string{`spec.containers[1].ports[0].hostPort: Duplicate value: "80/TCP"`}},
		{"bad protocol", func() api.Object { p := basePod(); p.Spec.Containers[0].Ports[0].Protocol = "HTTP"; return p },
			[]string{`spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "TCP", "UDP", "SCTP"`}},
		{"bad port name", func() api.Object {
			p := basePod()
			p.Spec.Containers[0].Ports[0].Name = "http--port-too-long"
			return p
		},
			[]string{`spec.containers[0].ports[0].name: Invalid value: "http--port-too-long": must be no more than 15 characters`,
				`spec.containers[0].ports[0].name: Invalid value: "http--port-too-long": must not contain consecutive hyphens`}},
		{"duplicate port name", func() api.Object {
			p := basePod()
			p.Spec.Containers[0].Ports = append(p.Spec.Containers[0].Ports, api.ContainerPort{Name: "http", ContainerPort: 8081})
			return p
		}, []string{`spec.containers[0].ports[1].name: Duplicate value: "http"`}},
		{"duplicate container name", func() api.Object { p := basePod(); p.Spec.Containers[1].Name = "a"; return p },
			[]string{`spec.containers[1].name: Duplicate value: "a"`}},
		{"bad container name", func() api.Object { p := basePod(); p.Spec.Containers[1].Name = "B"; return p },
			[]string{`spec.containers[1].name: Invalid value: "B": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`}},
		{"duplicate volume name", func() api.Object {
			p := basePod()
			p.Spec.Volumes = append(p.Spec.Volumes, api.Volume{Name: "data", VolumeSource: api.VolumeSource{EmptyDir: &api.EmptyDirVolumeSource{}}})
			return p
		}, []string{`spec.volumes[1].name: Duplicate value: "data"`}},
		{"mount of missing volume", func() api.Object { p := basePod(); p.Spec.Containers[1].VolumeMounts[0].Name = "nope"; return p },
			[]string{`spec.containers[1].volumeMounts[0].name: Not found: "nope"`}},
		{"volume without source", func() api.Object { p := basePod(); p.Spec.Volumes[0].EmptyDir = nil; return p },
			[]string{"spec.volumes[0]: Required value: must specify a volume type"}},
		{"volume with two sources", func() api.Object {
			p := basePod()
			p.Spec.Volumes[0].HostPath = &api.HostPathVolumeSource{Path: "/hw"}
			return p
		}, []string{"spec.volumes[0].emptyDir: Forbidden: may not specify more than 1 volume type"}},
		{"hostPath without path", func() api.Object {
			p := basePod()
			p.Spec.Volumes[0] = api.Volume{Name: "data", VolumeSource: api.VolumeSource{HostPath: &api.HostPathVolumeSource{}}}
			return p
		}, []string{"spec.volumes[0].hostPath.path: Required value"}},
		{"restart policy", func() api.Object { p := basePod(); p.Spec.RestartPolicy = "Sometimes"; return p },
			[]string{`spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"`}},
		{"negative quantity", func() api.Object {
			p := basePod()
			p.Spec.Containers[0].Resources.Limits = api.ResourceList{"cpu": q("-1")}
			return p
		}, []string{`spec.containers[0].resources.limits[cpu]: Invalid value: "-1": must be greater than or equal to 0`}},
		{"request above limit", func() api.Object {
			p := basePod()
			p.Spec.Containers[0].Resources = api.ResourceRequirements{Limits: api.ResourceList{"cpu": q("500m")}, Requests: api.ResourceList{"cpu": q("600m")}}
			return p
		}, []string{`spec.containers[0].resources.requests: Invalid value: "600m": must be less than or equal to cpu limit of 500m`}},
		{"unknown resource name", func() api.Object {
			p := basePod()
			p.Spec.Containers[0].Resources.Requests = api.ResourceList{"cpus": q("1")}
			return p
		}, []string{`spec.containers[0].resources.requests[cpus]: Invalid value: "cpus": must be a standard resource type or fully qualified`}},
		{"hostNetwork hostPort mismatch", func() api.Object {
			p := basePod()
			p.Spec.HostNetwork = true
			p.Spec.Containers[0].Ports[0].HostPort = 80
			return p
		}, []string{"spec.containers[0].ports[0].hostPort: Invalid value: 80: must match `containerPort` when `hostNetwork` is true"}},
		{"pull policy", func() api.Object { p := basePod(); p.Spec.Containers[0].ImagePullPolicy = "Sometimes"; return p },
			[]string{`spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"`}},
		{"dnsPolicy", func() api.Object { p := basePod(); p.Spec.DNSPolicy = "Google"; return p },
			[]string{`spec.dnsPolicy: Unsupported value: "Google": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"`}},

		// services
		{"service name is a DNS-1035 label", func() api.Object { s := baseService(); s.Name = "1svc"; return s },
			[]string{`metadata.name: Invalid value: "1svc": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`}},
		{"service without ports", func() api.Object { s := baseService(); s.Spec.Ports = nil; return s },
			[]string{"spec.ports: Required value"}},
		{"headless service without ports", func() api.Object { s := baseService(); s.Spec.Ports = nil; s.Spec.ClusterIP = "None"; return s }, nil},
		{"service type", func() api.Object { s := baseService(); s.Spec.Type = "Internal"; return s },
			[]string{`spec.type: Unsupported value: "Internal": supported values: "ClusterIP", "NodePort", "LoadBalancer", "ExternalName"`}},
		{"service port range", func() api.Object { s := baseService(); s.Spec.Ports[0].Port = 0; return s },
			[]string{"spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"}},
		{"multi-port needs names", func() api.Object {
			s := baseService()
			s.Spec.Ports = append(s.Spec.Ports, api.ServicePort{Port: 443})
			return s
		}, []string{"spec.ports[1].name: Required value"}},
		{"duplicate service port", func() api.Object {
			s := baseService()
			s.Spec.Ports = append(s.Spec.Ports, api.ServicePort{Name: "b", Port: 80})
			return s
		}, []string{`spec.ports[1]: Duplicate value: "80/TCP"`}},
		{"nodePort on ClusterIP", func() api.Object { s := baseService(); s.Spec.Ports[0].NodePort = 30001; return s },
			[]string{"spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"}},
		{"nodePort range", func() api.Object {
			s := baseService()
			s.Spec.Type = "NodePort"
			s.Spec.Ports[0].NodePort = 80
			return s
		},
			[]string{"spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767"}},
		{"nodePort ok", func() api.Object {
			s := baseService()
			s.Spec.Type = "NodePort"
			s.Spec.Ports[0].NodePort = 30001
			return s
		}, nil},
		{"clusterIP not an IP", func() api.Object { s := baseService(); s.Spec.ClusterIP = "10.96.0.300"; return s },
			[]string{`spec.clusterIP: Invalid value: "10.96.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`}},
		{"session affinity", func() api.Object { s := baseService(); s.Spec.SessionAffinity = "Cookie"; return s },
			[]string{`spec.sessionAffinity: Unsupported value: "Cookie": supported values: "ClientIP", "None"`}},
		{"bad named targetPort", func() api.Object {
			s := baseService()
			s.Spec.Ports[0].TargetPort = intstr.FromString("HTTP")
			return s
		},
			[]string{`spec.ports[0].targetPort: Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)`,
				`spec.ports[0].targetPort: Invalid value: "HTTP": must contain at least one letter (a-z)`}},
		{"service protocol", func() api.Object { s := baseService(); s.Spec.Ports[0].Protocol = "tcp"; return s },
			[]string{`spec.ports[0].protocol: Unsupported value: "tcp": supported values: "TCP", "UDP", "SCTP"`}},

		// apps
		{"deployment without selector", func() api.Object { d := baseDeployment(); d.Spec.Selector = nil; return d },
			[]string{"spec.selector: Required value"}},
		{"deployment with empty selector", func() api.Object { d := baseDeployment(); d.Spec.Selector = &api.LabelSelector{}; return d },
			[]string{"spec.selector: Invalid value: {}: empty selector is invalid for deployment"}},
		{"selector does not match template", func() api.Object {
			d := baseDeployment()
			d.Spec.Template.Labels = map[string]string{"app": "db"}
			return d
		},
			[]string{"spec.template.metadata.labels: Invalid value: {\"app\":\"db\"}: `selector` does not match template `labels`"}},
		{"bad selector operator", func() api.Object {
			d := baseDeployment()
			d.Spec.Selector.MatchExpressions = []api.LabelSelectorRequirement{{Key: "app", Operator: "Equals", Values: []string{"web"}}}
			return d
		}, []string{`spec.selector.matchExpressions[0].operator: Unsupported value: "Equals": supported values: "In", "NotIn", "Exists", "DoesNotExist"`}},
		{"negative replicas", func() api.Object { d := baseDeployment(); d.Spec.Replicas = ptr(int32(-1)); return d },
			[]string{"spec.replicas: Invalid value: -1: must be greater than or equal to 0"}},
		{"strategy type", func() api.Object { d := baseDeployment(); d.Spec.Strategy.Type = "BlueGreen"; return d },
			[]string{`spec.strategy.type: Unsupported value: "BlueGreen": supported values: "Recreate", "RollingUpdate"`}},
		{"maxSurge and maxUnavailable both 0", func() api.Object {
			d := baseDeployment()
			d.Spec.Strategy.RollingUpdate = &api.RollingUpdateDeployment{MaxSurge: ptr(intstr.FromString("0%")), MaxUnavailable: ptr(intstr.FromInt32(0))}
			return d
		}, []string{"spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0"}},
		{"bad percent", func() api.Object {
			d := baseDeployment()
			d.Spec.Strategy.RollingUpdate = &api.RollingUpdateDeployment{MaxUnavailable: ptr(intstr.FromString("120%"))}
			return d
		}, []string{`spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "120%": must not be greater than 100%`}},
		{"template restartPolicy", func() api.Object { rs := baseReplicaSet(); rs.Spec.Template.Spec.RestartPolicy = "Never"; return rs },
			[]string{`spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"`}},
		{"template pod errors have template path", func() api.Object { rs := baseReplicaSet(); rs.Spec.Template.Spec.Containers[0].Image = ""; return rs },
			[]string{"spec.template.spec.containers[0].image: Required value"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			errs := Validate(tc.obj())
			var got []string
			for _, e := range errs {
				got = append(got, e.Error())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestValidateAfterDefault(t *testing.T) {
	for _, obj := range []api.Object{basePod(), baseService(), baseDeployment(), baseReplicaSet(), baseHPA(),
		&api.Namespace{ObjectMeta: api.ObjectMeta{Name: "ns"}}} {
		Default(obj)
		if errs := Validate(obj); len(errs) > 0 {
			t.Errorf("%T after Default: %v", obj, errs)
		}
	}
}

func TestErrorListFormat(t *testing.T) {
	l := ErrorList{Required("spec.containers", ""), Invalid("spec.replicas", int32(-1), "must be greater than or equal to 0")}
	want := "[spec.containers: Required value, spec.replicas: Invalid value: -1: must be greater than or equal to 0]"
	if l.Error() != want {
		t.Errorf("Error() = %q, want %q", l.Error(), want)
	}
	if l[0].Type != TypeRequired || l[1].Field != "spec.replicas" || l[1].BadValue != int32(-1) {
		t.Errorf("fields = %+v %+v", l[0], l[1])
	}
}
