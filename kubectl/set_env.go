package kubectl

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/validation"

	"minik8s/pkg/api"
)

// `kubectl set env`, as kubectl's set_env.go.

type envFlags struct {
	podSpecFlags
	env       []string
	list      bool
	resolve   bool
	overwrite bool
	from      string
	prefix    string
	keys      []string
}

// envArgument is kubectl's IsEnvironmentArgument ("anything=anything").
var envArgument = regexp.MustCompile("(?ms)^(.+)\\=(.*)$")

// splitEnvArgs is kubectl's SplitEnvironmentFromResources: resources
// first, then KEY=VAL and KEY- arguments.
func splitEnvArgs(args []string) (resources, env []string, ok bool) {
	first := true
	for _, s := range args {
		isEnv := envArgument.MatchString(s) || strings.HasSuffix(s, "-")
		switch {
		case isEnv:
			first = false
			env = append(env, s)
		case first:
			resources = append(resources, s)
		default:
			return nil, nil, false
		}
	}
	return resources, env, true
}

// parseEnv is kubectl's ParseEnv: KEY=VAL (a valid name), KEY-, or "-"
// for KEY=VAL lines read from stdin.
func parseEnv(spec []string, stdin io.Reader) ([]api.EnvVar, []string, error) {
	env := []api.EnvVar{}
	set := map[string]bool{}
	var remove []string
	for _, s := range spec {
		switch {
		case s == "-":
			if stdin == nil {
				return nil, nil, errors.New("when '-' is used, STDIN must be open")
			}
			read, err := readEnv(stdin)
			if err != nil {
				return nil, nil, err
			}
			env = append(env, read...)
		case strings.Contains(s, "="):
			name, value, _ := strings.Cut(s, "=")
			if errs := validation.IsEnvVarName(name); len(errs) != 0 {
				return nil, nil, fmt.Errorf("%q is not a valid key name: %s", name, strings.Join(errs, ";"))
			}
			set[name] = true
			env = append(env, api.EnvVar{Name: name, Value: value})
		case strings.HasSuffix(s, "-"):
			remove = append(remove, s[:len(s)-1])
		default:
			return nil, nil, fmt.Errorf("unknown environment variable: %v", s)
		}
	}
	for _, r := range remove {
		if set[r] {
			return nil, nil, errors.New("can not both modify and remove the same environment variable in the same command")
		}
	}
	return env, remove, nil
}

// readEnv reads KEY=VAL lines ("#" starts a comment).
func readEnv(r io.Reader) ([]api.EnvVar, error) {
	var env []api.EnvVar
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.Index(line, "#"); i >= 0 {
			line = line[:i]
		}
		if name, value, ok := strings.Cut(line, "="); ok {
			env = append(env, api.EnvVar{Name: name, Value: value})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read the environment from stdin: %w", err)
	}
	return env, nil
}

// updateEnv is kubectl's updateEnv: existing variables in order, replaced
// where set, without those removed; then the new ones.
func updateEnv(existing, env []api.EnvVar, remove []string) []api.EnvVar {
	out := []api.EnvVar{}
	covered := map[string]bool{}
	for _, r := range remove {
		covered[r] = true
	}
	find := func(name string) (api.EnvVar, bool) {
		for _, e := range env {
			if e.Name == name {
				return e, true
			}
		}
		return api.EnvVar{}, false
	}
	for _, e := range existing {
		if covered[e.Name] {
			continue
		}
		if newer, ok := find(e.Name); ok {
			covered[e.Name] = true
			out = append(out, newer)
			continue
		}
		out = append(out, e)
	}
	for _, e := range env {
		if !covered[e.Name] {
			covered[e.Name] = true
			out = append(out, e)
		}
	}
	return out
}

// envConflict is set env's validateNoOverwrites (--overwrite=false).
func envConflict(existing, env []api.EnvVar) error {
	for _, e := range env {
		for _, cur := range existing {
			if cur.Name == e.Name && cur.Value != e.Value {
				return fmt.Errorf("'%s' already has a value (%s), and --overwrite is false", cur.Name, cur.Value)
			}
		}
	}
	return nil
}

// envRefString is kubectl's GetEnvVarRefString for a valueFrom.
func envRefString(from *api.EnvVarSource) string {
	switch {
	case from.FieldRef != nil:
		return fmt.Sprintf("field path %s", from.FieldRef.FieldPath)
	case from.ResourceFieldRef != nil:
		containerPrefix := ""
		if from.ResourceFieldRef.ContainerName != "" {
			containerPrefix = from.ResourceFieldRef.ContainerName + "/"
		}
		return fmt.Sprintf("resource field %s%s", containerPrefix, from.ResourceFieldRef.Resource)
	case from.SecretKeyRef != nil:
		return fmt.Sprintf("secret %s, key %s", from.SecretKeyRef.Name, from.SecretKeyRef.Key)
	case from.ConfigMapKeyRef != nil:
		return fmt.Sprintf("configmap %s, key %s", from.ConfigMapKeyRef.Name, from.ConfigMapKeyRef.Key)
	}
	return "invalid valueFrom"
}

func newSetEnvCommand(o *options) *cobra.Command {
	f := envFlags{overwrite: true}
	cmd := &cobra.Command{
		Use:   "env RESOURCE/NAME KEY_1=VAL_1 ... KEY_N=VAL_N",
		Short: "Update environment variables on a pod template",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSetEnv(cmd, o, &f, args)
		},
	}
	f.add(cmd, "the resource to update the env")
	fl := cmd.Flags()
	fl.StringVarP(&f.containers, "containers", "c", "*", "The names of containers in the selected pod templates to change - may use wildcards")
	fl.StringVar(&f.from, "from", "", "The name of a resource from which to inject environment variables")
	fl.StringVar(&f.prefix, "prefix", "", "Prefix to append to variable names")
	fl.StringArrayVarP(&f.env, "env", "e", nil, "Specify a key-value pair for an environment variable to set into each container.")
	fl.StringSliceVar(&f.keys, "keys", nil, "Comma-separated list of keys to import from specified resource")
	fl.BoolVar(&f.list, "list", false, "If true, display the environment and any changes in the standard format. this flag will removed when we have kubectl view env.")
	fl.BoolVar(&f.resolve, "resolve", false, "If true, show secret or configmap references when listing variables")
	fl.BoolVar(&f.overwrite, "overwrite", true, "If true, allow environment to be overwritten, otherwise reject updates that overwrite existing environment.")
	return cmd
}

func runSetEnv(cmd *cobra.Command, o *options, f *envFlags, args []string) error {
	if f.all && f.selector != "" {
		return errors.New("cannot set --all and --selector at the same time")
	}
	resources, envArgs, ok := splitEnvArgs(args)
	if !ok {
		return fmt.Errorf("all resources must be specified before environment changes: %s", strings.Join(args, " "))
	}
	if err := f.checkFlags(o, resources); err != nil {
		return err
	}
	if f.list && f.output != "" {
		return errors.New("--list and --output may not be specified together")
	}
	if len(f.keys) > 0 && f.from == "" {
		return errors.New("when specifying --keys, a configmap or secret must be provided with --from")
	}
	env, remove, err := parseEnv(append(append([]string{}, f.env...), envArgs...), o.in)
	if err != nil {
		return err
	}
	if f.from != "" {
		fromEnv, err := envFromObject(cmd, o, f.from, f.keys)
		if err != nil {
			return err
		}
		env = append(env, fromEnv...)
	}
	for i := range env {
		env[i].Name = f.prefix + env[i].Name
	}
	objs, _, errs, err := f.find(cmd.Context(), o, resources)
	if err != nil {
		return err
	}
	e := podSpecEdit{
		verb:       "env updated",
		failPrefix: "failed to patch env update to pod template: ",
		onlyList:   f.list,
		afterPatch: func() error {
			if len(env) == 0 && len(envArgs) == 0 {
				return errors.New("at least one environment variable must be provided")
			}
			return nil
		},
		change: func(kind, name string, spec *api.PodSpec) (bool, error) {
			containers := selectContainers(spec, f.containers)
			if len(containers) == 0 {
				fmt.Fprintf(o.err, "Warning: %s/%s does not have any containers matching %q\n", kind, name, f.containers)
				return false, nil
			}
			for _, c := range containers {
				if !f.overwrite {
					if err := envConflict(c.Env, env); err != nil {
						return false, err
					}
				}
				c.Env = updateEnv(c.Env, env, remove)
				if f.list {
					fmt.Fprintf(o.out, "# %s %s, container %s\n", kind, name, c.Name)
					for _, v := range c.Env {
						if v.ValueFrom == nil {
							fmt.Fprintf(o.out, "%s=%s\n", v.Name, v.Value)
						} else {
							fmt.Fprintf(o.out, "# %s from %s\n", v.Name, envRefString(v.ValueFrom))
						}
					}
				}
			}
			return true, nil
		},
	}
	return e.run(cmd.Context(), o, &f.podSpecFlags, objs, errs)
}

// envNameInvalid is what kubectl's keyToEnvName replaces with "_".
var envNameInvalid = regexp.MustCompile("[^a-zA-Z0-9_]")

// envFromObject is --from=configmap/NAME|secret/NAME: one variable per
// key of the object's data (those in keys, if given), named as kubectl's
// keyToEnvName names it and referring to the key. The keys are taken in
// sorted order (kubectl's is a Go map's).
func envFromObject(cmd *cobra.Command, o *options, from string, keys []string) ([]api.EnvVar, error) {
	var sel selection
	objs, _, errs, err := sel.find(cmd.Context(), o, []string{from})
	if err != nil {
		return nil, err
	}
	if len(errs) > 0 {
		return nil, errs[0]
	}
	var env []api.EnvVar
	for _, obj := range objs {
		if k := obj.info.Kind; k != "ConfigMap" && k != "Secret" {
			return nil, errors.New("unsupported resource specified in --from")
		}
		data, _ := obj.obj["data"].(map[string]any)
		for _, key := range sortedKeys(data) {
			if len(keys) > 0 && !slices.Contains(keys, key) {
				continue
			}
			ref := api.LocalObjectReference{Name: obj.name}
			v := api.EnvVar{Name: strings.ToUpper(envNameInvalid.ReplaceAllString(key, "_")), ValueFrom: &api.EnvVarSource{}}
			if v.Name != key {
				fmt.Fprintf(o.err, "Warning: key %s transferred to %s\n", key, v.Name)
			}
			if obj.info.Kind == "ConfigMap" {
				v.ValueFrom.ConfigMapKeyRef = &api.ConfigMapKeySelector{LocalObjectReference: ref, Key: key}
			} else {
				v.ValueFrom.SecretKeyRef = &api.SecretKeySelector{LocalObjectReference: ref, Key: key}
			}
			env = append(env, v)
		}
	}
	return env, nil
}
