package describe

import "minik8s/pkg/api"

// configMap is kubectl v1.32's ConfigMapDescriber: the Data keys with
// their values, the BinaryData keys with their sizes, then events.
func (d *describer) configMap(c *api.ConfigMap, events []api.Event) {
	d.write(level0, "Name:\t%s\n", c.Name)
	d.write(level0, "Namespace:\t%s\n", c.Namespace)
	d.labelsMultiline("", "Labels", c.Labels)
	d.annotationsMultiline("", "Annotations", c.Annotations)
	d.write(level0, "\nData\n====\n")
	for _, k := range sortedKeys(c.Data) {
		d.write(level0, "%s:\n----\n", k)
		d.write(level0, "%s\n\n", c.Data[k])
	}
	d.write(level0, "\nBinaryData\n====\n")
	for _, k := range sortedKeys(c.BinaryData) {
		d.write(level0, "%s: %d bytes\n", k, len(c.BinaryData[k]))
	}
	d.write(level0, "\n")
	d.events(events)
}

// secret is kubectl v1.32's SecretDescriber: the type and the size of
// each data value (a service account token is shown as it is).
func (d *describer) secret(s *api.Secret) {
	d.write(level0, "Name:\t%s\n", s.Name)
	d.write(level0, "Namespace:\t%s\n", s.Namespace)
	d.labelsMultiline("", "Labels", s.Labels)
	d.annotationsMultiline("", "Annotations", s.Annotations)
	d.write(level0, "\nType:\t%s\n", s.Type)
	d.write(level0, "\nData\n====\n")
	for _, k := range sortedKeys(s.Data) {
		if k == "token" && s.Type == api.SecretTypeServiceAccountToken {
			d.write(level0, "%s:\t%s\n", k, s.Data[k])
			continue
		}
		d.write(level0, "%s:\t%d bytes\n", k, len(s.Data[k]))
	}
}
