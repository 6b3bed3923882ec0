package kubectl

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
)

func newSetCommand(o *options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "set SUBCOMMAND",
		Short: "Set specific features on objects",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return unknownCommand(cmd, args[0])
			}
			return cmd.Help()
		},
	}
	cmd.AddCommand(newSetImageCommand(o), newSetEnvCommand(o), newSetResourcesCommand(o))
	return cmd
}

// splitImageArgs separates resources from CONTAINER=IMAGE pairs.
func splitImageArgs(args []string) (resources []string, images map[string]string, err error) {
	images = map[string]string{}
	for _, a := range args {
		name, image, ok := strings.Cut(a, "=")
		if !ok {
			resources = append(resources, a)
			continue
		}
		if name == "" || image == "" {
			return nil, nil, fmt.Errorf("invalid image %s", a)
		}
		images[name] = image
	}
	if len(images) == 0 {
		return nil, nil, errors.New("at least one image update is required")
	}
	return resources, images, nil
}

// setImages changes the images of the named containers ("*": all) in
// spec; it fails on a name no container has.
func setImages(spec *api.PodSpec, images map[string]string) error {
	for name, image := range images {
		found := false
		for _, list := range [][]api.Container{spec.InitContainers, spec.Containers} {
			for i := range list {
				if name == "*" || list[i].Name == name {
					list[i].Image = image
					found = true
				}
			}
		}
		if !found {
			return fmt.Errorf("unable to find container named %q", name)
		}
	}
	return nil
}

func newSetImageCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "image (-f FILENAME | TYPE NAME) CONTAINER_NAME_1=CONTAINER_IMAGE_1 ... CONTAINER_NAME_N=CONTAINER_IMAGE_N",
		Short: "Update the image of a pod template",
		RunE: func(cmd *cobra.Command, args []string) error {
			resources, images, err := splitImageArgs(args)
			if err != nil {
				return err
			}
			if len(resources) == 0 {
				return errors.New(resourcesRequired)
			}
			targets, err := parseTargets(resources)
			if err != nil {
				return err
			}
			c, ns, err := o.clientNS()
			if err != nil {
				return err
			}
			for _, t := range targets {
				if len(t.names) == 0 {
					return errNoName
				}
				for _, name := range t.names {
					if err := updateImages(cmd, c, t.info, namespaceFor(t.info, ns), name, images); err != nil {
						return err
					}
					fmt.Fprintf(o.out, "%s/%s image updated\n", kindName(t.info), name)
				}
			}
			return nil
		},
	}
}

// updateImages reads the object, sets the images and writes it back,
// retrying when someone else wrote it in between.
func updateImages(cmd *cobra.Command, c *client.Client, info *api.ResourceInfo, ns, name string, images map[string]string) error {
	for attempt := 0; ; attempt++ {
		obj, err := c.Get(cmd.Context(), info, ns, name)
		if err != nil {
			return err
		}
		spec, err := podSpecOf(obj)
		if err != nil {
			return fmt.Errorf("cannot set the image of %s: it has no pod template", info.Resource)
		}
		if err := setImages(spec, images); err != nil {
			return err
		}
		_, err = c.Update(cmd.Context(), info, ns, obj)
		if err == nil || !client.IsConflict(err) || attempt >= 4 {
			return err
		}
	}
}
