package kubectl

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"minik8s/pkg/api"
)

// `kubectl create job|cronjob`, as kubectl's create_job.go and
// create_cronjob.go make them.

// jobFlags are the flags of `create job` and `create cronjob`.
type jobFlags struct {
	createFlags
	image, from, schedule, restart string
}

// splitCommand is kubectl's NameFromCommandArgs: exactly one NAME
// before "--", the command after it.
func splitCommand(cmd *cobra.Command, args []string) (name string, command []string, err error) {
	n := cmd.ArgsLenAtDash()
	if n < 0 {
		n = len(args)
	}
	if n != 1 {
		return "", nil, usageError(cmd, "exactly one NAME is required, got %d", n)
	}
	return args[0], args[1:], nil
}

func newCreateJobCommand(o *options) *cobra.Command {
	var f jobFlags
	cmd := &cobra.Command{
		Use:   "job NAME --image=image [--from=cronjob/name] -- [COMMAND] [args...]",
		Short: "Create a job with the specified name",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			name, command, err := splitCommand(cmd, args)
			if err != nil {
				return err
			}
			if (f.image == "") == (f.from == "") {
				return errors.New("either --image or --from must be specified")
			}
			if len(command) > 0 && f.from != "" {
				return errors.New("cannot specify --from and command")
			}
			f.failPrefix = "failed to create job"
			if f.image != "" {
				return createObject(cmd.Context(), o, &f.createFlags, newJob(name, f.image, command))
			}
			cj, err := fromCronJob(cmd, o, f.from)
			if err != nil {
				return err
			}
			return createObject(cmd.Context(), o, &f.createFlags, jobFromCronJob(name, cj))
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&f.image, "image", "", "Image name to run.")
	cmd.Flags().StringVar(&f.from, "from", "", "The name of the resource to create a Job from (only CronJob is supported).")
	return cmd
}

// fromCronJob reads the cron job --from names ("cronjob/x" or "cj/x").
func fromCronJob(cmd *cobra.Command, o *options, from string) (*api.CronJob, error) {
	targets, err := parseTargets([]string{from})
	if err != nil {
		return nil, err
	}
	if len(targets) != 1 || len(targets[0].names) != 1 {
		return nil, errors.New("from must be an existing cronjob")
	}
	t := targets[0]
	c, ns, err := o.clientNS()
	if err != nil {
		return nil, err
	}
	obj, err := c.Get(cmd.Context(), t.info, namespaceFor(t.info, ns), t.names[0])
	if err != nil {
		return nil, err
	}
	cj, ok := obj.(*api.CronJob)
	if !ok {
		return nil, fmt.Errorf("unknown object type %s", goTypeName(t.info))
	}
	return cj, nil
}

// goTypeName is how kubectl's %T names a typed object ("*v1.Pod").
func goTypeName(info *api.ResourceInfo) string {
	return "*" + info.Version + "." + info.Kind
}

// newJob is the job of `create job NAME --image`: one container named
// after the job, restartPolicy Never.
func newJob(name, image string, command []string) *api.Job {
	return &api.Job{
		TypeMeta:   api.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: api.ObjectMeta{Name: name},
		Spec: api.JobSpec{Template: api.PodTemplateSpec{Spec: api.PodSpec{
			Containers:    []api.Container{{Name: name, Image: image, Command: command}},
			RestartPolicy: "Never",
		}}},
	}
}

// jobFromCronJob is kubectl's createJobFromCronJob: the cron job's job
// template, annotated cronjob.kubernetes.io/instantiate=manual and owned
// (controller, without blockOwnerDeletion) by the cron job.
func jobFromCronJob(name string, cj *api.CronJob) *api.Job {
	annotations := map[string]string{"cronjob.kubernetes.io/instantiate": "manual"}
	for k, v := range cj.Spec.JobTemplate.Annotations {
		annotations[k] = v
	}
	controller := true
	return &api.Job{
		TypeMeta: api.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: api.ObjectMeta{
			Name:        name,
			Annotations: annotations,
			Labels:      cj.Spec.JobTemplate.Labels,
			OwnerReferences: []api.OwnerReference{{
				APIVersion: "batch/v1", Kind: "CronJob", Name: cj.Name, UID: cj.UID, Controller: &controller,
			}},
		},
		Spec: cj.Spec.JobTemplate.Spec,
	}
}

func newCreateCronJobCommand(o *options) *cobra.Command {
	var f jobFlags
	cmd := &cobra.Command{
		Use:     "cronjob NAME --image=image --schedule='0/5 * * * ?' -- [COMMAND] [args...]",
		Aliases: []string{"cj"},
		Short:   "Create a cron job with the specified name",
		Args:    cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// kubectl (cobra's MarkFlagRequired) logs this through klog.
			if err := missingFlags(cmd, "image", "schedule"); err != nil {
				return err
			}
			name, command, err := splitCommand(cmd, args)
			if err != nil {
				return err
			}
			f.failPrefix = "failed to create cronjob"
			return createObject(cmd.Context(), o, &f.createFlags, newCronJob(name, f.image, f.schedule, f.restart, command))
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&f.image, "image", "", "Image name to run.")
	cmd.Flags().StringVar(&f.schedule, "schedule", "", "A schedule in the Cron format the job should be run with.")
	cmd.Flags().StringVar(&f.restart, "restart", "", "job's restart policy. supported values: OnFailure, Never")
	return cmd
}

// newCronJob is the cron job of `create cronjob`: its job template is
// named after it, with one container of that name; restartPolicy
// OnFailure unless --restart.
func newCronJob(name, image, schedule, restart string, command []string) *api.CronJob {
	if restart == "" {
		restart = "OnFailure"
	}
	return &api.CronJob{
		TypeMeta:   api.TypeMeta{APIVersion: "batch/v1", Kind: "CronJob"},
		ObjectMeta: api.ObjectMeta{Name: name},
		Spec: api.CronJobSpec{
			Schedule: schedule,
			JobTemplate: api.JobTemplateSpec{
				ObjectMeta: api.ObjectMeta{Name: name},
				Spec: api.JobSpec{Template: api.PodTemplateSpec{Spec: api.PodSpec{
					Containers:    []api.Container{{Name: name, Image: image, Command: command}},
					RestartPolicy: restart,
				}}},
			},
		},
	}
}

// missingFlags is cobra's check of required flags.
func missingFlags(cmd *cobra.Command, names ...string) error {
	var missing []string
	for _, n := range names {
		if !cmd.Flags().Changed(n) {
			missing = append(missing, n)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return requiredFlag(missing...)
}
