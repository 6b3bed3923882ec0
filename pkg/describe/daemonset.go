package describe

import (
	"minik8s/pkg/api"
	"minik8s/pkg/printers"
)

// daemonSet is kubectl's DaemonSetDescriber.
func (d *describer) daemonSet(ds *api.DaemonSet, events []api.Event) {
	sel, err := printers.SelectorString(ds.Spec.Selector)
	if err != nil {
		d.err = err
		return
	}
	st := ds.Status
	d.write(level0, "Name:\t%s\n", ds.Name)
	d.write(level0, "Selector:\t%s\n", sel)
	d.write(level0, "Node-Selector:\t%s\n", printers.FormatLabels(ds.Spec.Template.Spec.NodeSelector))
	d.labelsMultiline("", "Labels", ds.Labels)
	d.annotationsMultiline("", "Annotations", ds.Annotations)
	d.write(level0, "Desired Number of Nodes Scheduled: %d\n", st.DesiredNumberScheduled)
	d.write(level0, "Current Number of Nodes Scheduled: %d\n", st.CurrentNumberScheduled)
	d.write(level0, "Number of Nodes Scheduled with Up-to-date Pods: %d\n", st.UpdatedNumberScheduled)
	d.write(level0, "Number of Nodes Scheduled with Available Pods: %d\n", st.NumberAvailable)
	d.write(level0, "Number of Nodes Misscheduled: %d\n", st.NumberMisscheduled)
	running, waiting, succeeded, failed := podPhases(ds.UID, d.rel.Pods)
	d.write(level0, "Pods Status:\t%d Running / %d Waiting / %d Succeeded / %d Failed\n", running, waiting, succeeded, failed)
	d.podTemplate(&ds.Spec.Template)
	d.events(events)
}
