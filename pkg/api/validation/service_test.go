package validation

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/intstr"

	"minik8s/pkg/api"
)

// TestValidateServiceRules: the rules of Kubernetes' ValidateService
// beyond the basic ones in TestValidate, with Kubernetes' messages.
func TestValidateServiceRules(t *testing.T) {
	svc := func(edit func(s *api.ServiceSpec)) func() api.Object {
		return func() api.Object { s := baseService(); edit(&s.Spec); return s }
	}
	tests := []struct {
		name string
		obj  func() api.Object
		want []string
	}{
		{"two ports need names", svc(func(s *api.ServiceSpec) { s.Ports = []api.ServicePort{{Port: 80}, {Name: "b", Port: 81}} }),
			[]string{"spec.ports[0].name: Required value"}},
		{"one port needs no name", svc(func(s *api.ServiceSpec) { s.Ports = []api.ServicePort{{Port: 80}} }), nil},
		{"port names unique", svc(func(s *api.ServiceSpec) { s.Ports = []api.ServicePort{{Name: "a", Port: 80}, {Name: "a", Port: 81}} }),
			[]string{`spec.ports[1].name: Duplicate value: "a"`}},
		{"port name a DNS-1123 label", svc(func(s *api.ServiceSpec) { s.Ports[0].Name = "Web_1" }),
			[]string{`spec.ports[0].name: Invalid value: "Web_1": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`}},
		{"UDP and SCTP", svc(func(s *api.ServiceSpec) {
			s.Ports = []api.ServicePort{{Name: "a", Port: 53, Protocol: "UDP"}, {Name: "b", Port: 53, Protocol: "SCTP"}, {Name: "c", Port: 53, Protocol: "TCP"}}
		}), nil},
		{"targetPort number range", svc(func(s *api.ServiceSpec) { s.Ports[0].TargetPort = intstr.FromInt32(70000) }),
			[]string{"spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive"}},
		{"targetPort IANA name too long", svc(func(s *api.ServiceSpec) { s.Ports[0].TargetPort = intstr.FromString("abcdefghijklmnop") }),
			[]string{`spec.ports[0].targetPort: Invalid value: "abcdefghijklmnop": must be no more than 15 characters`}},
		{"targetPort name ok", svc(func(s *api.ServiceSpec) { s.Ports[0].TargetPort = intstr.FromString("http-alt") }), nil},
		{"duplicate nodePort", svc(func(s *api.ServiceSpec) {
			s.Type = "NodePort"
			s.Ports = []api.ServicePort{{Name: "a", Port: 80, NodePort: 30001}, {Name: "b", Port: 81, NodePort: 30001}}
		}), []string{"spec.ports[1].nodePort: Duplicate value: 30001"}},
		{"headless NodePort", svc(func(s *api.ServiceSpec) { s.Type = "NodePort"; s.ClusterIP = "None" }),
			[]string{`spec.clusterIP: Invalid value: "None": may not be set to 'None' for NodePort services`}},
		{"ExternalName with a clusterIP", svc(func(s *api.ServiceSpec) {
			s.Type, s.ExternalName, s.ClusterIP = "ExternalName", "db.example.com", "10.96.0.9"
		}), []string{"spec.clusterIPs: Forbidden: may not be set for ExternalName services"}},
		{"ExternalName name", svc(func(s *api.ServiceSpec) { s.Type, s.ExternalName = "ExternalName", "db_1" }),
			[]string{`spec.externalName: Invalid value: "db_1": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`}},
		{"ExternalName trailing dot", svc(func(s *api.ServiceSpec) { s.Type, s.ExternalName = "ExternalName", "db.example.com." }), nil},
		{"affinity timeout 0", svc(func(s *api.ServiceSpec) {
			s.SessionAffinity = "ClientIP"
			s.SessionAffinityConfig = &api.SessionAffinityConfig{ClientIP: &api.ClientIPConfig{TimeoutSeconds: ptr(int32(0))}}
		}), []string{"spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 0: must be greater than 0 and less than 86400"}},
		{"affinity timeout a day", svc(func(s *api.ServiceSpec) {
			s.SessionAffinity = "ClientIP"
			s.SessionAffinityConfig = &api.SessionAffinityConfig{ClientIP: &api.ClientIPConfig{TimeoutSeconds: ptr(int32(86400))}}
		}), nil},
		{"affinity config without ClientIP", svc(func(s *api.ServiceSpec) {
			s.SessionAffinity = "None"
			s.SessionAffinityConfig = &api.SessionAffinityConfig{ClientIP: &api.ClientIPConfig{TimeoutSeconds: ptr(int32(10))}}
		}), []string{"spec.sessionAffinityConfig: Forbidden: must not be set when session affinity is None"}},
		{"externalTrafficPolicy on ClusterIP", svc(func(s *api.ServiceSpec) { s.ExternalTrafficPolicy = "Local" }),
			[]string{`spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services`}},
		{"externalTrafficPolicy on ClusterIP with externalIPs", svc(func(s *api.ServiceSpec) {
			s.ExternalTrafficPolicy, s.ExternalIPs = "Local", []string{"192.0.2.4"}
		}), nil},
		{"externalTrafficPolicy value", svc(func(s *api.ServiceSpec) { s.Type = "NodePort"; s.ExternalTrafficPolicy = "Nearest" }),
			[]string{`spec.externalTrafficPolicy: Unsupported value: "Nearest": supported values: "Cluster", "Local"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, e := range Validate(tc.obj()) {
				got = append(got, e.Error())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}
