package kubectl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/strategicpatch"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
)

// `kubectl set env` and `kubectl set resources` change the pod template
// of the objects selected, as kubectl's CalculatePatches: each object is
// changed locally and the strategic merge patch from the old to the new
// one is sent; an object that does not change is skipped silently.

// podSpecOf is kubectl's UpdatePodSpecForObject: the pod spec of a pod or
// of an object's pod template.
func podSpecOf(obj api.Object) (*api.PodSpec, error) {
	switch o := obj.(type) {
	case *api.Pod:
		return &o.Spec, nil
	case *api.Deployment:
		return &o.Spec.Template.Spec, nil
	case *api.ReplicaSet:
		return &o.Spec.Template.Spec, nil
	case *api.DaemonSet:
		return &o.Spec.Template.Spec, nil
	case *api.Job:
		return &o.Spec.Template.Spec, nil
	case *api.CronJob:
		return &o.Spec.JobTemplate.Spec.Template.Spec, nil
	case *api.ReplicationController:
		if o.Spec.Template == nil {
			o.Spec.Template = &api.PodTemplateSpec{}
		}
		return &o.Spec.Template.Spec, nil
	}
	tm := obj.GetTypeMeta()
	return nil, fmt.Errorf("the object is not a pod or does not have a pod template: *%s.%s", tm.APIVersion, tm.Kind)
}

// selectContainers are the containers, then the init containers, whose
// names match spec (kubectl's selectContainers; "*" is a wildcard).
func selectContainers(spec *api.PodSpec, pattern string) []*api.Container {
	var out []*api.Container
	for _, list := range [][]api.Container{spec.Containers, spec.InitContainers} {
		for i := range list {
			if selectString(list[i].Name, pattern) {
				out = append(out, &list[i])
			}
		}
	}
	return out
}

// selectString is kubectl's selectString: spec with non-greedy '*'
// wildcards matches s.
func selectString(s, spec string) bool {
	if spec == "*" {
		return true
	}
	if !strings.Contains(spec, "*") {
		return s == spec
	}
	pos := 0
	parts := strings.Split(spec, "*")
	for i, part := range parts {
		if part == "" {
			continue
		}
		next := strings.Index(s[pos:], part)
		switch {
		case next < pos, i == 0 && pos != 0, i == len(parts)-1 && len(s) != len(part)+next:
			return false
		default:
			pos = next
		}
	}
	return true
}

// podSpecFlags are the flags set env and set resources share.
type podSpecFlags struct {
	selection
	containers string
	dryRun     string
	output     string
}

func (f *podSpecFlags) add(cmd *cobra.Command, what string) {
	fl := cmd.Flags()
	f.files.add(cmd, what)
	f.addSelectors(cmd, false)
	fl.StringVar(&f.dryRun, "dry-run", "none", `Must be "none", "server", or "client". If client strategy, only print the object that would be sent, without sending it. If server strategy, submit server-side request without persisting the resource.`)
	fl.Lookup("dry-run").NoOptDefVal = "unchanged"
	fl.StringVarP(&f.output, "output", "o", "", "Output format. One of: (json, yaml, name).")
}

// podSpecChange changes one object's pod spec; kind and name name the
// object in messages. It returns false when the object is to be left out.
type podSpecChange func(kind, name string, spec *api.PodSpec) (bool, error)

// bareErr is an error of a change reported as it is, not as
// "error: kind/name <error>".
type bareErr struct{ error }

// typed is a selected object decoded into its Go type.
func typed(s *selected) (api.Object, error) {
	data, err := json.Marshal(s.obj)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", s.ref(), err)
	}
	obj := api.NewFor(s.info)
	if err := json.Unmarshal(data, obj); err != nil {
		return nil, fmt.Errorf("decode %s: %w", s.ref(), err)
	}
	return obj, nil
}

// podSpecEdit is one set env|resources run over the objects found.
type podSpecEdit struct {
	verb       string // "env updated", "resource requirements updated"
	failPrefix string // of a failed patch
	change     podSpecChange
	// onlyList: the change only printed (set env --list); nothing is sent.
	onlyList bool
	// afterPatch is checked once a patch was sent (set env's check that
	// some variable was given).
	afterPatch func() error
}

// run applies the change to every object and sends the patches; errors
// of single objects are gathered and reported together, as kubectl does.
func (e *podSpecEdit) run(ctx context.Context, o *options, f *podSpecFlags, objs []selected, errs []error) error {
	c, err := o.client()
	if err != nil {
		return err
	}
	for i := range objs {
		s := &objs[i]
		obj, err := typed(s)
		if err != nil {
			return err
		}
		before, _ := json.Marshal(obj)
		spec, err := podSpecOf(obj)
		if err != nil {
			errs = append(errs, fmt.Errorf("error: %s/%s %v\n", s.info.Resource, s.name, err))
			continue
		}
		keep, err := e.change(s.info.Kind, s.name, spec)
		var bare bareErr
		if errors.As(err, &bare) {
			errs = append(errs, bare.error)
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("error: %s/%s %v\n", s.info.Resource, s.name, err))
			continue
		}
		if !keep || e.onlyList {
			continue
		}
		after, err := json.Marshal(obj)
		if err != nil {
			return fmt.Errorf("encode %s: %w", s.ref(), err)
		}
		patch, err := strategicpatch.CreateTwoWayMergePatch(before, after, api.NewFor(s.info))
		if err != nil {
			errs = append(errs, fmt.Errorf("error: %s/%s %v\n", s.info.Resource, s.name, err))
			continue
		}
		if string(patch) == "{}" {
			continue
		}
		// Printed as the typed object kubectl prints (its field order).
		out := obj
		if f.dryRun != "client" {
			answer, err := patchRaw(ctx, c, s, patch, client.StrategicMergePatchType, f.dryRun == "server")
			if err != nil {
				errs = append(errs, fmt.Errorf("%s%v", e.failPrefix, err))
				continue
			}
			if out, err = typed(&selected{info: s.info, namespace: s.namespace, name: s.name, obj: answer}); err != nil {
				return err
			}
			if e.afterPatch != nil {
				if err := e.afterPatch(); err != nil {
					return err
				}
			}
		}
		if err := printChanged(o, f.output, s, out, e.verb+dryRunSuffix(f.dryRun)); err != nil {
			errs = append(errs, err)
		}
	}
	return aggregateErr(o, errs)
}

// checkFlags checks the flags set env and set resources share.
func (f *podSpecFlags) checkFlags(o *options, resources []string) error {
	if err := checkDryRun(o, &f.dryRun); err != nil {
		return err
	}
	if err := checkOutput(f.output); err != nil {
		return err
	}
	if len(resources) == 0 && len(f.files.files) == 0 {
		return errors.New("one or more resources must be specified as <resource> <name> or <resource>/<name>")
	}
	return nil
}
