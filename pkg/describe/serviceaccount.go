package describe

import "minik8s/pkg/api"

// serviceAccount is kubectl v1.32's ServiceAccountDescriber: the image
// pull secrets, mountable secrets and tokens, one name a line under each
// header (minik8s lists no legacy token Secrets: Tokens is <none>, and a
// missing secret is not marked "(not found)").
func (d *describer) serviceAccount(sa *api.ServiceAccount, events []api.Event) {
	d.write(level0, "Name:\t%s\n", sa.Name)
	d.write(level0, "Namespace:\t%s\n", sa.Namespace)
	d.labelsMultiline("", "Labels", sa.Labels)
	d.annotationsMultiline("", "Annotations", sa.Annotations)
	var pull, mount []string
	for _, s := range sa.ImagePullSecrets {
		pull = append(pull, s.Name)
	}
	for _, s := range sa.Secrets {
		mount = append(mount, s.Name)
	}
	const emptyHeader = "                   "
	for _, sec := range []struct {
		header string
		names  []string
	}{{"Image pull secrets:", pull}, {"Mountable secrets: ", mount}, {"Tokens:            ", nil}} {
		if len(sec.names) == 0 {
			d.write(level0, "%s\t<none>\n", sec.header)
			continue
		}
		prefix := sec.header
		for _, n := range sec.names {
			d.write(level0, "%s\t%s\n", prefix, n)
			prefix = emptyHeader
		}
	}
	d.events(events)
}
