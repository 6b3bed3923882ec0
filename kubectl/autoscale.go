package kubectl

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"minik8s/pkg/api"
)

// `kubectl autoscale (deployment|replicaset|rc) NAME --max=N [--min=N]
// [--cpu-percent=N] [--name=NAME]`, as kubectl 1.32 does it: it reads the
// object, refuses a kind without a scale subresource, and creates an
// autoscaling/v1 HorizontalPodAutoscaler (what kubectl 1.32 sends) named
// after the object unless --name says otherwise.

type autoscaleFlags struct {
	createFlags
	min, max, cpuPercent int32
	name                 string
}

func newAutoscaleCommand(o *options) *cobra.Command {
	var f autoscaleFlags
	cmd := &cobra.Command{
		Use:   "autoscale (-f FILENAME | TYPE NAME | TYPE/NAME) [--min=MINPODS] --max=MAXPODS [--cpu-percent=CPU]",
		Short: "Auto-scale a deployment, replica set, or replication controller",
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("max") {
				return requiredFlag("max")
			}
			if err := f.validate(); err != nil {
				return err
			}
			if len(args) == 0 {
				return errors.New(resourcesRequired)
			}
			targets, err := parseTargets(args)
			if err != nil {
				return err
			}
			c, ns, err := o.clientNS()
			if err != nil {
				return err
			}
			f.verb = "autoscaled"
			if f.dryRun == "client" {
				f.verb = "created"
			}
			for _, t := range targets {
				if len(t.names) == 0 {
					return errNoName
				}
				for _, name := range t.names {
					if _, err := c.Get(cmd.Context(), t.info, namespaceFor(t.info, ns), name); err != nil {
						return err
					}
					hpa, err := f.autoscaler(t.info, name)
					if err != nil {
						return err
					}
					if err := createObject(cmd.Context(), o, &f.createFlags, hpa); err != nil {
						return err
					}
				}
			}
			return nil
		},
	}
	f.add(cmd)
	fl := cmd.Flags()
	fl.Int32Var(&f.min, "min", -1, "The lower limit for the number of pods that can be set by the autoscaler. If it's not specified or negative, the server will apply a default value.")
	fl.Int32Var(&f.max, "max", -1, "The upper limit for the number of pods that can be set by the autoscaler. Required.")
	fl.Int32Var(&f.cpuPercent, "cpu-percent", -1, "The target average CPU utilization (represented as a percent of requested CPU) over all the pods. If it's not specified or negative, a default autoscaling policy will be used.")
	fl.StringVar(&f.name, "name", "", "The name for the newly created object. If not specified, the name of the input resource will be used.")
	return cmd
}

func (f *autoscaleFlags) validate() error {
	if f.max < 1 {
		return fmt.Errorf("--max=MAXPODS is required and must be at least 1, max: %d", f.max)
	}
	if f.max < f.min {
		return fmt.Errorf("--max=MAXPODS must be larger or equal to --min=MINPODS, max: %d, min: %d", f.max, f.min)
	}
	return nil
}

// scalable are the kinds with a scale subresource (the apiserver's
// strategies with a scale hook).
var scalable = map[string]bool{"Deployment": true, "ReplicaSet": true, "ReplicationController": true}

// autoscaler is the autoscaling/v1 object kubectl 1.32's generator makes
// for the object name of resource info.
func (f *autoscaleFlags) autoscaler(info *api.ResourceInfo, name string) (*api.HorizontalPodAutoscalerV1, error) {
	if !scalable[info.Kind] {
		return nil, fmt.Errorf("cannot autoscale a %s: could not find scale subresource for %s/%s, Resource=%s in discovery information",
			info.Kind, info.Group, info.Version, info.Resource)
	}
	hpaName := f.name
	if hpaName == "" {
		hpaName = name
	}
	h := &api.HorizontalPodAutoscalerV1{
		TypeMeta:   api.TypeMeta{APIVersion: "autoscaling/v1", Kind: "HorizontalPodAutoscaler"},
		ObjectMeta: api.ObjectMeta{Name: hpaName},
		Spec: api.HorizontalPodAutoscalerSpecV1{
			ScaleTargetRef: api.CrossVersionObjectReference{APIVersion: info.APIVersion(), Kind: info.Kind, Name: name},
			MaxReplicas:    f.max,
		},
	}
	if f.min > 0 {
		h.Spec.MinReplicas = &f.min
	}
	if f.cpuPercent >= 0 {
		h.Spec.TargetCPUUtilizationPercentage = &f.cpuPercent
	}
	return h, nil
}
