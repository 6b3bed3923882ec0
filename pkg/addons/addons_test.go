package addons

import (
	"strings"
	"testing"

	"minik8s/pkg/api"
	"minik8s/pkg/api/validation"
)

func TestManifestsDecodeAndValidate(t *testing.T) {
	if got := Names(); len(got) != 2 || got[0] != "dns" || got[1] != "ingress" {
		t.Fatalf("Names() = %v", got)
	}
	objs, err := Load([]string{"dns", "ingress"})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	var workloads []api.Object // the Service, Deployment, IngressClass and DaemonSet
	for _, o := range objs {
		kinds = append(kinds, o.GetTypeMeta().Kind)
		m := o.GetObjectMeta()
		if mode := m.Labels[ModeLabel]; mode != ModeReconcile && mode != ModeEnsureExists {
			t.Errorf("%s %s: mode label %q", o.GetTypeMeta().Kind, m.Name, mode)
		}
		switch o.(type) {
		case *api.ServiceAccount:
			continue // validated by the ServiceAccount part
		case *api.Role, *api.ClusterRole, *api.RoleBinding, *api.ClusterRoleBinding:
			validation.DefaultRBAC(o)
			if errs := validation.ValidateRBAC(o); len(errs) > 0 {
				t.Errorf("%s %s invalid: %v", o.GetTypeMeta().Kind, m.Name, errs)
			}
			continue
		}
		validation.Default(o)
		if errs := validation.Validate(o); len(errs) > 0 {
			t.Errorf("%s %s invalid: %v", o.GetTypeMeta().Kind, m.Name, errs)
		}
		workloads = append(workloads, o)
	}
	if got := strings.Join(kinds, ","); got != "ServiceAccount,ClusterRole,ClusterRoleBinding,Service,Deployment,"+
		"ServiceAccount,ClusterRole,ClusterRoleBinding,Role,RoleBinding,IngressClass,DaemonSet" {
		t.Fatalf("kinds %s", got)
	}
	objs = workloads

	svc := objs[0].(*api.Service)
	if svc.Namespace != "kube-system" || svc.Name != "kube-dns" || svc.Spec.ClusterIP != "10.96.0.10" || svc.Spec.Selector["k8s-app"] != "kube-dns" {
		t.Errorf("service %+v", svc.ObjectMeta)
	}
	var ports []string
	for _, p := range svc.Spec.Ports {
		ports = append(ports, p.Name+"/"+p.Protocol+"/"+p.TargetPort.String())
	}
	if got := strings.Join(ports, " "); got != "dns/UDP/53 dns-tcp/TCP/53 metrics/TCP/9153" {
		t.Errorf("service ports %s", got)
	}

	d := objs[1].(*api.Deployment)
	c := d.Spec.Template.Spec.Containers[0]
	if *d.Spec.Replicas != 2 || d.Spec.Template.Labels["k8s-app"] != "kube-dns" || d.Spec.Template.Spec.DNSPolicy != "Default" ||
		c.Image != "docker.io/minik8s/minik8s:latest" || c.ImagePullPolicy != "IfNotPresent" || strings.Join(c.Command, " ") != "/minik8s dns" {
		t.Errorf("deployment %+v / %+v", d.Spec, c)
	}
	if c.LivenessProbe.HTTPGet.Path != "/health" || c.LivenessProbe.HTTPGet.Port.IntValue() != 8080 ||
		c.ReadinessProbe.HTTPGet.Path != "/ready" || c.ReadinessProbe.HTTPGet.Port.IntValue() != 8181 {
		t.Errorf("probes %+v %+v", c.LivenessProbe, c.ReadinessProbe)
	}
	cpu, mem := c.Resources.Requests["cpu"], c.Resources.Requests["memory"]
	if cpu.String() != "100m" || mem.String() != "70Mi" {
		t.Errorf("requests %v", c.Resources.Requests)
	}

	ic := objs[2].(*api.IngressClass)
	if ic.Name != "minik8s" || ic.Spec.Controller != "minik8s.io/ingress" || ic.Annotations["ingressclass.kubernetes.io/is-default-class"] != "true" ||
		ic.Labels[ModeLabel] != ModeEnsureExists {
		t.Errorf("ingress class %+v", ic)
	}
	ds := objs[3].(*api.DaemonSet)
	ic0 := ds.Spec.Template.Spec.Containers[0]
	if !ds.Spec.Template.Spec.HostNetwork || ds.Spec.Template.Spec.DNSPolicy != "ClusterFirstWithHostNet" || ds.Namespace != "kube-system" ||
		strings.Join(ic0.Command, " ") != "/minik8s ingress" || ic0.Env[0].Name != "NODE_NAME" || ic0.Env[0].ValueFrom.FieldRef.FieldPath != "spec.nodeName" ||
		ic0.ReadinessProbe.HTTPGet.Port.IntValue() != 10254 || ic0.LivenessProbe.HTTPGet.Path != "/healthz" {
		t.Errorf("ingress daemon set %+v", ds.Spec.Template.Spec)
	}
}

func TestLoadErrors(t *testing.T) {
	if objs, err := Load([]string{"dns", "nope"}); err == nil || objs != nil || !strings.Contains(err.Error(), `unknown add-on "nope"`) {
		t.Errorf("unknown add-on: %v %v", objs, err)
	}
	// A kind this build does not know is skipped and reported; the rest loads.
	objs, err := decodeEach([]byte("apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: ns1}\n"))
	if len(objs) != 1 || objs[0].GetObjectMeta().Name != "ns1" || err == nil || !strings.Contains(err.Error(), "Gadget") {
		t.Errorf("unknown kind: %d objects, err %v", len(objs), err)
	}
}
