package kubectl

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"minik8s/pkg/api"
)

// `kubectl create role|clusterrole|rolebinding|clusterrolebinding`, as
// kubectl v1.32's create_role.go, create_clusterrole.go,
// create_rolebinding.go and create_clusterrolebinding.go.

var (
	validResourceVerbs    = []string{"*", "get", "delete", "list", "create", "update", "patch", "watch", "proxy", "deletecollection", "use", "bind", "escalate", "impersonate"}
	validNonResourceVerbs = []string{"*", "get", "post", "put", "delete", "patch", "head", "options"}
	// specialVerbs may only be used on these group/resources.
	specialVerbs = map[string][][2]string{
		"use":         {{"policy", "podsecuritypolicies"}, {"extensions", "podsecuritypolicies"}},
		"bind":        {{api.RBACGroup, "roles"}, {api.RBACGroup, "clusterroles"}},
		"escalate":    {{api.RBACGroup, "roles"}, {api.RBACGroup, "clusterroles"}},
		"impersonate": {{"", "users"}, {"", "serviceaccounts"}, {"", "groups"}, {"authentication.k8s.io", "userextras"}, {"authentication.k8s.io", "uids"}},
	}
)

// roleFlags are the flags of create role and create clusterrole.
type roleFlags struct {
	createFlags
	verbs, resources, resourceNames []string
	nonResourceURLs                 []string
	aggregationRule                 map[string]string
}

func (f *roleFlags) add(cmd *cobra.Command) {
	f.createFlags.add(cmd)
	cmd.Flags().StringSliceVar(&f.verbs, "verb", nil, "Verb that applies to the resources contained in the rule")
	cmd.Flags().StringSliceVar(&f.resources, "resource", nil, "Resource that the rule applies to")
	cmd.Flags().StringArrayVar(&f.resourceNames, "resource-name", nil, "Resource in the white list that the rule applies to, repeat this flag for multiple items")
}

// roleResource is one --resource: resource[.group][/subresource].
type roleResource struct{ resource, group, sub string }

// parseRoleFlags is kubectl's Complete: verbs and names without
// duplicates ("*" alone), resources split into group and subresource.
func (f *roleFlags) parse() []roleResource {
	var verbs []string
	for _, v := range f.verbs {
		if v == "*" {
			verbs = []string{"*"}
			break
		}
		if !inList(verbs, v) {
			verbs = append(verbs, v)
		}
	}
	f.verbs = verbs
	var out []roleResource
	for _, r := range f.resources {
		main, sub, _ := strings.Cut(r, "/")
		res, group, hasGroup := strings.Cut(main, ".")
		rr := roleResource{resource: res, group: group, sub: sub}
		if res == "*" && !hasGroup && sub == "" && !strings.Contains(r, "/") {
			out = []roleResource{rr}
			break
		}
		out = append(out, rr)
	}
	var names []string
	for _, n := range f.resourceNames {
		if !inList(names, n) {
			names = append(names, n)
		}
	}
	f.resourceNames = names
	return out
}

// canonical maps a resource (short or singular name) of a group to the
// served one, when it is served.
func canonical(r roleResource) (group, resource string, err error) {
	name := r.resource
	if r.group != "" {
		name += "." + r.group
	}
	info, err := api.Lookup(name)
	if err != nil {
		return r.group, r.resource, err
	}
	return info.Group, info.Resource, nil
}

// validateResources is kubectl's validateResource: special verbs only on
// their resources, unknown resources refused.
func validateResources(errOut io.Writer, verbs []string, resources []roleResource) error {
	if len(resources) == 0 {
		return errors.New("at least one resource must be specified")
	}
	for _, r := range resources {
		if r.resource == "" {
			return errors.New("resource must be specified if apiGroup/subresource specified")
		}
		if r.resource == "*" {
			return nil
		}
		group, resource, err := canonical(r)
		if err != nil {
			// kubectl prints the mapper's error as it is, without "error: ".
			err = &reportedError{err: fmt.Errorf("the server doesn't have a resource type %q", r.resource)}
		}
		for _, v := range verbs {
			allowed, special := specialVerbs[v]
			if !special {
				continue
			}
			match := false
			for _, gr := range allowed {
				if gr[0] == group && gr[1] == resource {
					match, err = true, nil
				}
			}
			if !match {
				return fmt.Errorf("can not perform '%s' on '%s' in group '%s'", v, resource, group)
			}
		}
		var rep *reportedError
		if errors.As(err, &rep) {
			fmt.Fprintln(errOut, rep.err)
			return err
		}
	}
	return nil
}

// resourceRules is kubectl's generateResourcePolicyRules: one rule per
// API group (sorted), its resources in the order given.
func resourceRules(verbs []string, resources []roleResource, names []string) []api.PolicyRule {
	byGroup := map[string][]string{}
	for _, r := range resources {
		group, resource, _ := canonical(r)
		if r.sub != "" {
			resource += "/" + r.sub
		}
		if !inList(byGroup[group], resource) {
			byGroup[group] = append(byGroup[group], resource)
		}
	}
	groups := make([]string, 0, len(byGroup))
	for g := range byGroup {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	rules := []api.PolicyRule{}
	for _, g := range groups {
		rules = append(rules, api.PolicyRule{Verbs: verbs, APIGroups: []string{g}, Resources: byGroup[g], ResourceNames: names})
	}
	return rules
}

func warnVerbs(o *options, verbs []string) {
	for _, v := range verbs {
		if !inList(validResourceVerbs, v) {
			fmt.Fprintf(o.err, "Warning: '%s' is not a standard resource verb\n", v)
		}
	}
}

func newCreateRoleCommand(o *options) *cobra.Command {
	var f roleFlags
	cmd := &cobra.Command{
		Use:   "role NAME --verb=verb --resource=resource.group/subresource [--resource-name=resourcename] [--dry-run=server|client|none]",
		Short: "Create a role with single rule",
		Args:  exactlyOneName,
		RunE: func(cmd *cobra.Command, args []string) error {
			resources := f.parse()
			if len(f.verbs) == 0 {
				return errors.New("at least one verb must be specified")
			}
			warnVerbs(o, f.verbs)
			if err := validateResources(o.err, f.verbs, resources); err != nil {
				return err
			}
			role := &api.Role{TypeMeta: api.TypeMeta{APIVersion: api.RBACGroup + "/v1", Kind: "Role"}, ObjectMeta: api.ObjectMeta{Name: args[0]},
				Rules: resourceRules(f.verbs, resources, f.resourceNames)}
			return createObject(cmd.Context(), o, &f.createFlags, role)
		},
	}
	f.add(cmd)
	return cmd
}

func newCreateClusterRoleCommand(o *options) *cobra.Command {
	var f roleFlags
	cmd := &cobra.Command{
		Use:   "clusterrole NAME --verb=verb --resource=resource.group [--resource-name=resourcename] [--dry-run=server|client|none]",
		Short: "Create a cluster role",
		Args:  exactlyOneName,
		RunE: func(cmd *cobra.Command, args []string) error {
			resources := f.parse()
			var urls []string
			for _, u := range f.nonResourceURLs {
				if !inList(urls, u) {
					urls = append(urls, u)
				}
			}
			role := &api.ClusterRole{TypeMeta: api.TypeMeta{APIVersion: api.RBACGroup + "/v1", Kind: "ClusterRole"}, ObjectMeta: api.ObjectMeta{Name: args[0]}}
			if len(f.aggregationRule) > 0 {
				if len(urls) > 0 || len(f.verbs) > 0 || len(resources) > 0 || len(f.resourceNames) > 0 {
					return errors.New("aggregation rule must be specified without nonResourceURLs, verbs, resources or resourceNames")
				}
				role.AggregationRule = &api.AggregationRule{ClusterRoleSelectors: []api.LabelSelector{{MatchLabels: f.aggregationRule}}}
				return createObject(cmd.Context(), o, &f.createFlags, role)
			}
			if err := validateClusterRoleFlags(o, &f, resources, urls); err != nil {
				return err
			}
			if len(resources) > 0 {
				role.Rules = resourceRules(f.verbs, resources, f.resourceNames)
			}
			if len(urls) > 0 {
				role.Rules = append(role.Rules, api.PolicyRule{Verbs: f.verbs, NonResourceURLs: urls})
			}
			return createObject(cmd.Context(), o, &f.createFlags, role)
		},
	}
	f.add(cmd)
	cmd.Flags().StringSliceVar(&f.nonResourceURLs, "non-resource-url", nil, "A partial url that user should have access to.")
	cmd.Flags().StringToStringVar(&f.aggregationRule, "aggregation-rule", nil, "An aggregation label selector for combining ClusterRoles.")
	return cmd
}

// validateClusterRoleFlags is kubectl's CreateClusterRoleOptions.Validate
// without an aggregation rule.
func validateClusterRoleFlags(o *options, f *roleFlags, resources []roleResource, urls []string) error {
	if len(f.verbs) == 0 {
		return errors.New("at least one verb must be specified")
	}
	if len(resources) == 0 && len(urls) == 0 {
		return errors.New("one of resource or nonResourceURL must be specified")
	}
	if len(resources) > 0 {
		warnVerbs(o, f.verbs)
		if err := validateResources(o.err, f.verbs, resources); err != nil {
			return err
		}
	}
	if len(urls) > 0 {
		for _, v := range f.verbs {
			if !inList(validNonResourceVerbs, v) {
				return fmt.Errorf("invalid verb: '%s' for nonResourceURL", v)
			}
		}
		for _, u := range urls {
			if u == "*" {
				continue
			}
			if u == "" || !strings.HasPrefix(u, "/") {
				return errors.New("nonResourceURL should start with /")
			}
			if strings.ContainsRune(u[:len(u)-1], '*') {
				return errors.New("nonResourceURL only supports wildcard matches when '*' is at the end")
			}
		}
	}
	return nil
}

// bindingFlags are the flags of create rolebinding and clusterrolebinding.
type bindingFlags struct {
	createFlags
	clusterRole, role              string
	users, groups, serviceAccounts []string
}

func (f *bindingFlags) add(cmd *cobra.Command, what string, withRole bool) {
	f.createFlags.add(cmd)
	cmd.Flags().StringVar(&f.clusterRole, "clusterrole", "", "ClusterRole this "+what+" should reference")
	if withRole {
		cmd.Flags().StringVar(&f.role, "role", "", "Role this RoleBinding should reference")
	}
	cmd.Flags().StringArrayVar(&f.users, "user", nil, "Usernames to bind to the "+strings.ToLower(what[:1])+what[1:])
	cmd.Flags().StringArrayVar(&f.groups, "group", nil, "Groups to bind to the "+strings.ToLower(what[:1])+what[1:])
	cmd.Flags().StringArrayVar(&f.serviceAccounts, "serviceaccount", nil, "Service accounts to bind to the "+strings.ToLower(what[:1])+what[1:]+", in the format <namespace>:<name>")
}

// subjects are the binding's subjects: users, groups, then service accounts.
func (f *bindingFlags) subjects() ([]api.Subject, error) {
	var out []api.Subject
	for _, n := range f.users {
		out = append(out, api.Subject{Kind: api.UserKind, APIGroup: api.RBACGroup, Name: n})
	}
	for _, n := range f.groups {
		out = append(out, api.Subject{Kind: api.GroupKind, APIGroup: api.RBACGroup, Name: n})
	}
	for _, sa := range f.serviceAccounts {
		parts := strings.Split(sa, ":")
		if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
			return nil, errors.New("serviceaccount must be <namespace>:<name>")
		}
		out = append(out, api.Subject{Kind: api.ServiceAccountKind, Namespace: parts[0], Name: parts[1]})
	}
	return out, nil
}

func newCreateRoleBindingCommand(o *options) *cobra.Command {
	var f bindingFlags
	cmd := &cobra.Command{
		Use:   "rolebinding NAME --clusterrole=NAME|--role=NAME [--user=username] [--group=groupname] [--serviceaccount=namespace:serviceaccountname] [--dry-run=server|client|none]",
		Short: "Create a role binding for a particular role or cluster role",
		Args:  exactlyOneName,
		RunE: func(cmd *cobra.Command, args []string) error {
			if (f.clusterRole == "") == (f.role == "") {
				return errors.New("exactly one of clusterrole or role must be specified")
			}
			b := &api.RoleBinding{TypeMeta: api.TypeMeta{APIVersion: api.RBACGroup + "/v1", Kind: "RoleBinding"}, ObjectMeta: api.ObjectMeta{Name: args[0]},
				RoleRef: api.RoleRef{APIGroup: api.RBACGroup, Kind: "Role", Name: f.role}}
			if f.clusterRole != "" {
				b.RoleRef.Kind, b.RoleRef.Name = "ClusterRole", f.clusterRole
			}
			var err error
			if b.Subjects, err = f.subjects(); err != nil {
				return err
			}
			return createObject(cmd.Context(), o, &f.createFlags, b)
		},
	}
	f.add(cmd, "RoleBinding", true)
	return cmd
}

func newCreateClusterRoleBindingCommand(o *options) *cobra.Command {
	var f bindingFlags
	cmd := &cobra.Command{
		Use:   "clusterrolebinding NAME --clusterrole=NAME [--user=username] [--group=groupname] [--serviceaccount=namespace:serviceaccountname] [--dry-run=server|client|none]",
		Short: "Create a cluster role binding for a particular cluster role",
		Args:  exactlyOneName,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.clusterRole == "" {
				return requiredFlag("clusterrole")
			}
			b := &api.ClusterRoleBinding{TypeMeta: api.TypeMeta{APIVersion: api.RBACGroup + "/v1", Kind: "ClusterRoleBinding"}, ObjectMeta: api.ObjectMeta{Name: args[0]},
				RoleRef: api.RoleRef{APIGroup: api.RBACGroup, Kind: "ClusterRole", Name: f.clusterRole}}
			var err error
			if b.Subjects, err = f.subjects(); err != nil {
				return err
			}
			return createObject(cmd.Context(), o, &f.createFlags, b)
		},
	}
	f.add(cmd, "ClusterRoleBinding", false)
	return cmd
}
