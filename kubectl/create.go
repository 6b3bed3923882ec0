package kubectl

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/intstr"

	"minik8s/pkg/api"
	"minik8s/pkg/api/decode"
	"minik8s/pkg/api/validation"
	"minik8s/pkg/client"
)

func newCreateCommand(o *options) *cobra.Command {
	var ff fileFlags
	cmd := &cobra.Command{
		Use:   "create -f FILENAME",
		Short: "Create a resource from a file or from stdin",
		Args:  noArgsUnexpected,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(ff.files) == 0 {
				return fmt.Errorf("must specify one of -f and -k")
			}
			return forEachSource(o, &ff, func(c *client.Client, info *api.ResourceInfo, src decode.Source) (string, error) {
				created, err := c.Create(cmd.Context(), info, src.Obj.GetObjectMeta().Namespace, src.Obj)
				if err != nil {
					return "", err
				}
				return created.GetObjectMeta().Name + " created", nil
			})
		},
	}
	ff.add(cmd, "to use to create the resource")
	cmd.AddCommand(newCreateNamespaceCommand(o), newCreateDeploymentCommand(o), newCreateServiceCommand(o),
		newCreateJobCommand(o), newCreateCronJobCommand(o))
	cmd.AddCommand(newCreateConfigMapCommand(o), newCreateSecretCommand(o))
	cmd.AddCommand(newCreateServiceAccountCommand(o))
	cmd.AddCommand(newCreateTokenCommand(o))
	cmd.AddCommand(newCreateRoleCommand(o), newCreateClusterRoleCommand(o), newCreateRoleBindingCommand(o), newCreateClusterRoleBindingCommand(o))
	names := make([]string, 0, len(unsupportedCreate))
	for name := range unsupportedCreate {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		cmd.AddCommand(unsupported(name, "it does not serve "+unsupportedCreate[name]))
	}
	return cmd
}

// createFlags are the output flags every `create KIND NAME` shares.
type createFlags struct {
	dryRun string
	output string
	verb   string // what the printed line says was done; "created" if empty
	// failPrefix, when set, prefixes the server's error message as
	// kubectl's create job|cronjob do ("failed to create job: ...").
	failPrefix string
}

func (f *createFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.dryRun, "dry-run", "none", `Must be "none", "server", or "client". With "client", only print the object that would be sent`)
	cmd.Flags().StringVarP(&f.output, "output", "o", "", "Output format: json, yaml or name")
}

// createObject creates obj (unless --dry-run=client) and prints it as
// kubectl does: "kind/name created" or the object in the -o format.
func createObject(ctx context.Context, o *options, f *createFlags, obj api.Object) error {
	if err := checkOutput(f.output); err != nil {
		return err
	}
	if err := checkDryRun(o, &f.dryRun); err != nil {
		return err
	}
	tm := obj.GetTypeMeta()
	info, err := api.ForKind(tm.APIVersion, tm.Kind)
	if err != nil {
		return err
	}
	ns := ""
	if info.Namespaced {
		if ns, err = o.ns(); err != nil {
			return err
		}
		// As kubectl, the object names its namespace only when -n does.
		if o.namespace != "" {
			obj.GetObjectMeta().Namespace = ns
		}
	}
	result, suffix := obj, dryRunSuffix(f.dryRun)
	if f.dryRun != "client" {
		c, err := o.client()
		if err != nil {
			return err
		}
		if result, err = createMaybeDry(ctx, c, info, ns, obj, f.dryRun == "server"); err != nil {
			if f.failPrefix != "" {
				// kubectl formats the error with %v: the server's
				// message, not "Error from server (...)".
				return fmt.Errorf("%s: %s", f.failPrefix, err.Error())
			}
			return err
		}
	}
	switch f.output {
	case "json", "yaml":
		return printObject(o.out, f.output, result)
	}
	what := kindName(info) + "/" + result.GetObjectMeta().Name
	if f.output == "name" {
		fmt.Fprintln(o.out, what)
		return nil
	}
	verb := f.verb
	if verb == "" {
		verb = "created"
	}
	fmt.Fprintf(o.out, "%s %s%s\n", what, verb, suffix)
	return nil
}

func newCreateNamespaceCommand(o *options) *cobra.Command {
	var f createFlags
	cmd := &cobra.Command{
		Use:     "namespace NAME [--dry-run=server|client|none]",
		Aliases: []string{"ns"},
		Short:   "Create a namespace with the specified name",
		Args:    exactlyOneName,
		RunE: func(cmd *cobra.Command, args []string) error {
			ns := &api.Namespace{
				TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
				ObjectMeta: api.ObjectMeta{Name: args[0]},
			}
			return createObject(cmd.Context(), o, &f, ns)
		},
	}
	f.add(cmd)
	return cmd
}

// deploymentFlags are the flags of `create deployment`.
type deploymentFlags struct {
	createFlags
	images   []string
	replicas int32
	port     int32
}

func newCreateDeploymentCommand(o *options) *cobra.Command {
	var f deploymentFlags
	cmd := &cobra.Command{
		Use:     "deployment NAME --image=image -- [COMMAND] [args...]",
		Aliases: []string{"deploy"},
		Short:   "Create a deployment with the specified name",
		Args:    cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(f.images) == 0 {
				return requiredFlag("image")
			}
			name, command, err := splitCommand(cmd, args)
			if err != nil {
				return err
			}
			if len(command) == 0 {
				command = nil
			}
			if len(f.images) > 1 && len(command) > 0 {
				return fmt.Errorf("cannot specify multiple --image options and command")
			}
			return createObject(cmd.Context(), o, &f.createFlags, newDeployment(name, f.images, command, f.replicas, f.port))
		},
	}
	f.add(cmd)
	cmd.Flags().StringSliceVar(&f.images, "image", nil, "Image names to run. A deployment can have multiple images set for multi-container pod")
	cmd.Flags().Int32VarP(&f.replicas, "replicas", "r", 1, "Number of replicas to create. Default is 1")
	cmd.Flags().Int32Var(&f.port, "port", -1, "The containerPort that this deployment exposes")
	return cmd
}

// newDeployment is the deployment kubectl create deployment makes: labels
// and selector app=NAME, one container per image named after the image.
func newDeployment(name string, images, command []string, replicas, port int32) *api.Deployment {
	labels := map[string]string{"app": name}
	var containers []api.Container
	seen := map[string]bool{}
	for _, image := range images {
		cname := path.Base(image)
		cname, _, _ = strings.Cut(cname, "@")
		cname, _, _ = strings.Cut(cname, ":")
		cname = strings.ReplaceAll(cname, "_", "-")
		if seen[cname] {
			cname = fmt.Sprintf("%s-%d", cname, len(containers))
		}
		seen[cname] = true
		containers = append(containers, api.Container{Name: cname, Image: image, Command: command})
	}
	if port >= 0 && len(containers) > 0 {
		containers[0].Ports = []api.ContainerPort{{ContainerPort: port}}
	}
	return &api.Deployment{
		TypeMeta:   api.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: api.ObjectMeta{Name: name, Labels: labels},
		Spec: api.DeploymentSpec{
			Replicas: &replicas,
			Selector: &api.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: api.PodTemplateSpec{
				ObjectMeta: api.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec:       api.PodSpec{Containers: containers},
			},
		},
	}
}

func newCreateServiceCommand(o *options) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "service",
		Aliases: []string{"svc"},
		Short:   "Create a service using a specified subcommand",
		RunE:    groupRun,
	}
	cmd.AddCommand(
		newCreateServiceTypeCommand(o, "clusterip", api.ServiceTypeClusterIP),
		newCreateServiceTypeCommand(o, "nodeport", api.ServiceTypeNodePort),
		unsupported("loadbalancer", "it has no load balancer provider (use nodeport)"),
		newCreateServiceTypeCommand(o, "externalname", api.ServiceTypeExternalName),
	)
	return cmd
}

// serviceFlags are the flags of `create service clusterip|nodeport|externalname`.
type serviceFlags struct {
	createFlags
	tcp          []string
	clusterIP    string
	nodePort     int
	externalName string
}

func newCreateServiceTypeCommand(o *options, use, typ string) *cobra.Command {
	var f serviceFlags
	cmd := &cobra.Command{
		Use:   use + " NAME [--tcp=<port>:<targetPort>]",
		Short: "Create a " + typ + " service",
		Args:  exactlyOneName,
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := newService(args[0], typ, f)
			if err != nil {
				return err
			}
			return createObject(cmd.Context(), o, &f.createFlags, svc)
		},
	}
	f.add(cmd)
	cmd.Flags().StringSliceVar(&f.tcp, "tcp", nil, "Port pairs can be specified as '<port>:<targetPort>'")
	switch typ {
	case api.ServiceTypeClusterIP:
		cmd.Flags().StringVar(&f.clusterIP, "clusterip", "", "Assign your own ClusterIP or set to 'None' for a 'headless' service (no loadbalancing)")
	case api.ServiceTypeNodePort:
		cmd.Flags().IntVar(&f.nodePort, "node-port", 0, "Port used to expose the service on each node in a cluster")
	case api.ServiceTypeExternalName:
		cmd.Use = use + " NAME --external-name external.name"
		cmd.Flags().StringVar(&f.externalName, "external-name", "", "External name of service")
		_ = cmd.MarkFlagRequired("external-name")
	}
	return cmd
}

// newService is the service kubectl create service makes: labels and
// selector app=NAME, one TCP port per --tcp named "port-target"; checked
// as kubectl's ServiceOptions.Validate (a headless or ExternalName
// service needs no port).
func newService(name, typ string, f serviceFlags) (*api.Service, error) {
	tcp, clusterIP, nodePort := f.tcp, f.clusterIP, f.nodePort
	if clusterIP == clusterIPNone && typ != api.ServiceTypeClusterIP {
		return nil, fmt.Errorf("ClusterIP=None can only be used with ClusterIP service type")
	}
	if clusterIP != clusterIPNone && len(tcp) == 0 && typ != api.ServiceTypeExternalName {
		return nil, fmt.Errorf("at least one tcp port specifier must be provided")
	}
	if typ == api.ServiceTypeExternalName && len(validation.IsDNS1123Subdomain(f.externalName)) > 0 {
		return nil, fmt.Errorf("invalid service external name %s", f.externalName)
	}
	svc := &api.Service{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: api.ObjectMeta{Name: name, Labels: map[string]string{"app": name}},
		Spec: api.ServiceSpec{
			Type:         typ,
			Selector:     map[string]string{"app": name},
			ClusterIP:    clusterIP,
			ExternalName: f.externalName,
		},
	}
	for _, spec := range tcp {
		port, target, err := parseServicePorts(spec)
		if err != nil {
			return nil, err
		}
		svc.Spec.Ports = append(svc.Spec.Ports, api.ServicePort{
			Name: strings.ReplaceAll(spec, ":", "-"), Protocol: "TCP", Port: port, TargetPort: target, NodePort: int32(nodePort),
		})
	}
	return svc, nil
}

// parseServicePorts reads "port[:target]"; target is a number or a port name.
func parseServicePorts(spec string) (int32, intstr.IntOrString, error) {
	portStr, targetStr, _ := strings.Cut(spec, ":")
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return 0, intstr.IntOrString{}, err
	}
	if port == 0 {
		return 0, intstr.IntOrString{}, fmt.Errorf("port %q must be between 1 and 65535, inclusive", portStr)
	}
	if targetStr == "" {
		return int32(port), intstr.FromInt32(int32(port)), nil
	}
	n, err := strconv.Atoi(targetStr)
	if err != nil {
		if msg := validPortName(targetStr); msg != "" {
			return 0, intstr.IntOrString{}, fmt.Errorf("%s", msg)
		}
		return int32(port), intstr.FromString(targetStr), nil
	}
	if n < 1 || n > 65535 {
		return 0, intstr.IntOrString{}, fmt.Errorf("must be between 1 and 65535, inclusive")
	}
	return int32(port), intstr.FromInt32(int32(n)), nil
}

// validPortName is Kubernetes' IsValidPortName ("" when valid).
func validPortName(s string) string {
	switch {
	case len(s) > 15:
		return "must be no more than 15 characters"
	case strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789-") != "":
		return "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"
	case strings.Contains(s, "--"):
		return "must not contain consecutive hyphens"
	case strings.Trim(s, "0123456789-") == "":
		return "must contain at least one letter (a-z)"
	case strings.HasPrefix(s, "-") || strings.HasSuffix(s, "-"):
		return "must not begin or end with a hyphen"
	}
	return ""
}

// clusterIPNone is the clusterIP of a headless service.
const clusterIPNone = "None"
