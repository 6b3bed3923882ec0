package kubectl

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/resource"

	"minik8s/pkg/api"
)

// `kubectl set resources`, as kubectl's set_resources.go.

type resourcesFlags struct {
	podSpecFlags
	limits, requests string
}

// parseResourceList is kubectl's populateResourceListV1:
// "cpu=100m,memory=256Mi".
func parseResourceList(spec string) (api.ResourceList, error) {
	if spec == "" {
		return nil, nil
	}
	out := api.ResourceList{}
	for _, stmt := range strings.Split(spec, ",") {
		parts := strings.Split(stmt, "=")
		if len(parts) != 2 {
			return nil, fmt.Errorf("Invalid argument syntax %v, expected <resource>=<value>", stmt)
		}
		q, err := resource.ParseQuantity(parts[1])
		if err != nil {
			return nil, err
		}
		out[parts[0]] = q
	}
	return out, nil
}

// setResources merges limits and requests into a container's, as kubectl does.
func setResources(c *api.Container, limits, requests api.ResourceList) {
	if len(limits) > 0 && len(c.Resources.Limits) == 0 {
		c.Resources.Limits = api.ResourceList{}
	}
	for k, v := range limits {
		c.Resources.Limits[k] = v
	}
	if len(requests) > 0 && len(c.Resources.Requests) == 0 {
		c.Resources.Requests = api.ResourceList{}
	}
	for k, v := range requests {
		c.Resources.Requests[k] = v
	}
}

func newSetResourcesCommand(o *options) *cobra.Command {
	var f resourcesFlags
	cmd := &cobra.Command{
		Use:   "resources (-f FILENAME | TYPE NAME)  ([--limits=LIMITS & --requests=REQUESTS]",
		Short: "Update resource requests/limits on objects with pod templates",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkDryRun(o, &f.dryRun); err != nil {
				return err
			}
			if err := checkOutput(f.output); err != nil {
				return err
			}
			if len(args) == 0 && len(f.files.files) == 0 {
				return errors.New(resourcesRequired)
			}
			objs, _, errs, err := f.find(cmd.Context(), o, args)
			if err != nil {
				return err
			}
			if len(errs) > 0 {
				// kubectl's builder fails before anything changes.
				return aggregateErr(o, errs)
			}
			if f.all && f.selector != "" {
				return errors.New("cannot set --all and --selector at the same time")
			}
			if f.limits == "" && f.requests == "" {
				return errors.New("you must specify an update to requests or limits (in the form of --requests/--limits)")
			}
			limits, err := parseResourceList(f.limits)
			if err != nil {
				return err
			}
			requests, err := parseResourceList(f.requests)
			if err != nil {
				return err
			}
			e := podSpecEdit{
				verb:       "resource requirements updated",
				failPrefix: "failed to patch resources update to pod template ",
				change: func(_, _ string, spec *api.PodSpec) (bool, error) {
					containers := selectContainers(spec, f.containers)
					if len(containers) == 0 {
						return false, bareErr{fmt.Errorf("error: unable to find container named %s", f.containers)}
					}
					for _, c := range containers {
						setResources(c, limits, requests)
					}
					return true, nil
				},
			}
			return e.run(cmd.Context(), o, &f.podSpecFlags, objs, nil)
		},
	}
	f.add(cmd, "identifying the resource to get from a server.")
	fl := cmd.Flags()
	fl.StringVarP(&f.containers, "containers", "c", "*", "The names of containers in the selected pod templates to change, all containers are selected by default - may use wildcards")
	fl.StringVar(&f.limits, "limits", "", "The resource requirement requests for this container.  For example, 'cpu=100m,memory=256Mi'.  Note that server side components may assign requests depending on the server configuration, such as limit ranges.")
	fl.StringVar(&f.requests, "requests", "", "The resource requirement requests for this container.  For example, 'cpu=100m,memory=256Mi'.  Note that server side components may assign requests depending on the server configuration, such as limit ranges.")
	return cmd
}
