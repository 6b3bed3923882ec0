package kubectl

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/intstr"

	"minik8s/pkg/api"
)

func TestParseForwardPorts(t *testing.T) {
	tests := []struct {
		args    []string
		want    []forwardPort
		wantErr string
	}{
		{args: []string{"8080:80"}, want: []forwardPort{{local: 8080, remote: "80"}}},
		{args: []string{"5000", "6000"}, want: []forwardPort{{local: 5000, remote: "5000"}, {local: 6000, remote: "6000"}}},
		{args: []string{":80"}, want: []forwardPort{{local: 0, remote: "80"}}},
		{args: []string{"8443:https"}, want: []forwardPort{{local: 8443, remote: "https"}}},
		{args: []string{"x:80"}, wantErr: "error parsing local port 'x'"},
		{args: []string{"70000:80"}, wantErr: "error parsing local port '70000'"},
		{args: []string{"1:2:3"}, wantErr: "invalid port format '1:2:3'"},
		{args: []string{"8080:"}, wantErr: "remote port must be > 0"},
	}
	for _, tt := range tests {
		got, err := parseForwardPorts(tt.args)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%v: err = %v, want %q", tt.args, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%v = %+v, %v", tt.args, got, err)
		}
	}
}

func TestForwardPortResolution(t *testing.T) {
	pod := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "web"}, Spec: api.PodSpec{Containers: []api.Container{
		{Name: "c", Ports: []api.ContainerPort{{Name: "http", ContainerPort: 8080}}}}}}
	svc := &api.Service{ObjectMeta: api.ObjectMeta{Name: "websvc"}, Spec: api.ServiceSpec{Ports: []api.ServicePort{
		{Name: "web", Port: 80, TargetPort: intstr.FromString("http")},
		{Name: "admin", Port: 9000, TargetPort: intstr.FromInt32(9090)},
		{Name: "same", Port: 7000}}}}
	for _, tt := range []struct{ remote, pod, svc, podErr, svcErr string }{
		{remote: "8080", pod: "8080", svcErr: "Service websvc does not have a service port 8080"},
		{remote: "http", pod: "8080", svcErr: "Service 'websvc' does not have a named port 'http'"},
		{remote: "80", pod: "80", svc: "8080"},
		{remote: "web", podErr: "Pod 'web' does not have a named port 'web'", svc: "8080"},
		{remote: "9000", pod: "9000", svc: "9090"},
		{remote: "7000", pod: "7000", svc: "7000"},
	} {
		p, err := podPort(pod, tt.remote)
		if tt.podErr != "" {
			if err == nil || err.Error() != tt.podErr {
				t.Errorf("podPort(%s) err = %v", tt.remote, err)
			}
		} else if err != nil || itoa(p) != tt.pod {
			t.Errorf("podPort(%s) = %d, %v", tt.remote, p, err)
		}
		s, err := servicePort(svc, pod, tt.remote)
		if tt.svcErr != "" {
			if err == nil || err.Error() != tt.svcErr {
				t.Errorf("servicePort(%s) err = %v", tt.remote, err)
			}
		} else if err != nil || s != tt.svc {
			t.Errorf("servicePort(%s) = %s, %v", tt.remote, s, err)
		}
	}
}

func itoa(p uint16) string { return strconv.Itoa(int(p)) }
