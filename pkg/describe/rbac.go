package describe

import (
	"strings"

	"minik8s/pkg/api"
	"minik8s/pkg/printers"
)

// role is kubectl v1.32's RoleDescriber and ClusterRoleDescriber: name,
// labels, annotations and the PolicyRule table.
func (d *describer) role(m *api.ObjectMeta, rules []api.PolicyRule) {
	d.write(level0, "Name:\t%s\n", m.Name)
	d.labelsMultiline("", "Labels", m.Labels)
	d.annotationsMultiline("", "Annotations", m.Annotations)
	d.write(level0, "PolicyRule:\n")
	d.write(level1, "Resources\tNon-Resource URLs\tResource Names\tVerbs\n")
	d.write(level1, "---------\t-----------------\t--------------\t-----\n")
	for _, row := range printers.PolicyRuleRows(rules) {
		d.write(level1, "%s\n", strings.Join(row[:], "\t"))
	}
}

// binding is kubectl's RoleBindingDescriber and ClusterRoleBindingDescriber.
func (d *describer) binding(m *api.ObjectMeta, ref api.RoleRef, subjects []api.Subject) {
	d.write(level0, "Name:\t%s\n", m.Name)
	d.labelsMultiline("", "Labels", m.Labels)
	d.annotationsMultiline("", "Annotations", m.Annotations)
	d.write(level0, "Role:\n")
	d.write(level1, "Kind:\t%s\n", ref.Kind)
	d.write(level1, "Name:\t%s\n", ref.Name)
	d.write(level0, "Subjects:\n")
	d.write(level1, "Kind\tName\tNamespace\n")
	d.write(level1, "----\t----\t---------\n")
	for _, s := range subjects {
		d.write(level1, "%s\t%s\t%s\n", s.Kind, s.Name, s.Namespace)
	}
}
