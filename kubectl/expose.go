package kubectl

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/intstr"

	"minik8s/pkg/api"
)

// `kubectl expose (deployment|replicaset|pod|service) NAME`: a service
// selecting the object's pods, as kubectl's service generator makes it:
// the object's selector (or a pod's labels) and labels, --port or the
// object's ports (named port-1, port-2, … when several), targetPort
// --target-port or the port.

type exposeFlags struct {
	createFlags
	port, targetPort, name, typ, protocol, selector, labels, clusterIP string
	sessionAffinity                                                    string
}

func newExposeCommand(o *options) *cobra.Command {
	var f exposeFlags
	cmd := &cobra.Command{
		Use:   "expose (-f FILENAME | TYPE NAME) [--port=port] [--protocol=TCP|UDP|SCTP] [--target-port=number-or-name] [--name=name] [--type=type]",
		Short: "Take a replicated application and expose it as a Kubernetes service",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return errors.New(resourcesRequired)
			}
			targets, err := parseTargets(args)
			if err != nil {
				return err
			}
			if len(targets) != 1 || len(targets[0].names) != 1 {
				return usageError(cmd, "exactly one resource is required, got %d", len(args))
			}
			c, ns, err := o.clientNS()
			if err != nil {
				return err
			}
			t := targets[0]
			obj, err := c.Get(cmd.Context(), t.info, namespaceFor(t.info, ns), t.names[0])
			if err != nil {
				return err
			}
			svc, err := exposedService(obj, &f)
			if err != nil {
				return err
			}
			f.createFlags.verb = "exposed"
			return createObject(cmd.Context(), o, &f.createFlags, svc)
		},
	}
	f.add(cmd)
	fl := cmd.Flags()
	fl.StringVar(&f.port, "port", "", "The port that the service should serve on. Copied from the resource being exposed, if unspecified")
	fl.StringVar(&f.targetPort, "target-port", "", "Name or number for the port on the container that the service should direct traffic to. Optional")
	fl.StringVar(&f.name, "name", "", "The name for the newly created object")
	fl.StringVar(&f.typ, "type", "", "Type for this service: ClusterIP, NodePort, LoadBalancer, or ExternalName. Default is 'ClusterIP'")
	fl.StringVar(&f.protocol, "protocol", "", "The network protocol for the service to be created. Default is 'TCP'")
	fl.StringVar(&f.selector, "selector", "", "A label selector to use for this service. Only equality-based selector requirements are supported")
	fl.StringVarP(&f.labels, "labels", "l", "", "Labels to apply to the service created by this call")
	fl.StringVar(&f.clusterIP, "cluster-ip", "", "ClusterIP to be assigned to the service. Leave empty to auto-allocate, or set to 'None' to create a headless service")
	fl.StringVar(&f.sessionAffinity, "session-affinity", "", "If non-empty, set the session affinity for the service to this; legal values: 'None', 'ClientIP'")
	return cmd
}

// exposeSource is what expose reads from the exposed object.
func exposeSource(obj api.Object) (selector map[string]string, ports []api.ContainerPort, err error) {
	fromTemplate := func(sel *api.LabelSelector, spec *api.PodSpec) (map[string]string, []api.ContainerPort, error) {
		if sel == nil || len(sel.MatchExpressions) > 0 {
			return nil, nil, fmt.Errorf("couldn't convert expressions - \"%+v\" to map-based selector format", sel)
		}
		return sel.MatchLabels, containerPorts(spec), nil
	}
	switch o := obj.(type) {
	case *api.Deployment:
		return fromTemplate(o.Spec.Selector, &o.Spec.Template.Spec)
	case *api.ReplicaSet:
		return fromTemplate(o.Spec.Selector, &o.Spec.Template.Spec)
	case *api.ReplicationController:
		var spec *api.PodSpec
		if o.Spec.Template != nil {
			spec = &o.Spec.Template.Spec
		}
		return o.Spec.Selector, containerPorts(spec), nil
	case *api.Pod:
		if len(o.Labels) == 0 {
			return nil, nil, fmt.Errorf("the pod has no labels and cannot be exposed")
		}
		return o.Labels, containerPorts(&o.Spec), nil
	case *api.Service:
		for _, p := range o.Spec.Ports {
			ports = append(ports, api.ContainerPort{ContainerPort: p.Port, Protocol: p.Protocol})
		}
		return o.Spec.Selector, ports, nil
	}
	return nil, nil, fmt.Errorf("cannot expose a %s", obj.GetTypeMeta().Kind)
}

func containerPorts(spec *api.PodSpec) []api.ContainerPort {
	var out []api.ContainerPort
	if spec == nil {
		return nil
	}
	for _, c := range spec.Containers {
		out = append(out, c.Ports...)
	}
	return out
}

// exposedService builds the service of `kubectl expose`.
func exposedService(obj api.Object, f *exposeFlags) (*api.Service, error) {
	selector, objPorts, err := exposeSource(obj)
	if err != nil {
		return nil, err
	}
	if f.selector != "" {
		if selector, err = parseLabelList(f.selector); err != nil {
			return nil, err
		}
	}
	labels := obj.GetObjectMeta().Labels
	if f.labels != "" {
		if labels, err = parseLabelList(f.labels); err != nil {
			return nil, err
		}
	}
	name := f.name
	if name == "" {
		name = obj.GetObjectMeta().Name
	}
	portList := f.port
	protocols := map[string]string{}
	for _, p := range objPorts {
		protocols[strconv.Itoa(int(p.ContainerPort))] = orTCP(p.Protocol)
	}
	if portList == "" {
		var ps []string
		for _, p := range objPorts {
			ps = append(ps, strconv.Itoa(int(p.ContainerPort)))
		}
		if len(ps) == 0 && f.clusterIP != "None" {
			return nil, errors.New("couldn't find port via --port flag or introspection")
		}
		portList = strings.Join(ps, ",")
	}
	svc := &api.Service{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: api.ObjectMeta{Name: name, Labels: labels},
		Spec:       api.ServiceSpec{Selector: selector, Type: f.typ, ClusterIP: f.clusterIP, SessionAffinity: f.sessionAffinity},
	}
	parts := strings.Split(portList, ",")
	for i, ps := range parts {
		if ps == "" {
			continue
		}
		port, err := strconv.Atoi(ps)
		if err != nil {
			return nil, err
		}
		pname := ""
		if len(parts) > 1 {
			pname = fmt.Sprintf("port-%d", i+1)
		}
		protocol := f.protocol
		if protocol == "" {
			protocol = "TCP"
			if p, ok := protocols[ps]; ok && f.port == "" {
				protocol = p
			}
		}
		target := intstr.FromInt32(int32(port))
		if f.targetPort != "" {
			if n, err := strconv.Atoi(f.targetPort); err == nil {
				target = intstr.FromInt32(int32(n))
			} else {
				target = intstr.FromString(f.targetPort)
			}
		}
		svc.Spec.Ports = append(svc.Spec.Ports, api.ServicePort{Name: pname, Port: int32(port), Protocol: protocol, TargetPort: target})
	}
	return svc, nil
}

func orTCP(p string) string {
	if p == "" {
		return "TCP"
	}
	return p
}

// parseLabelList reads "k=v,k2=v2".
func parseLabelList(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("invalid label spec: %s", kv)
		}
		out[k] = v
	}
	return out, nil
}
