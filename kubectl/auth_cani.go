package kubectl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"minik8s/pkg/api"
	"minik8s/pkg/printers"
)

// `kubectl auth can-i`, as kubectl's pkg/cmd/auth/cani.go: a
// SelfSubjectAccessReview for one verb on a resource (or a non-resource
// URL), printing yes (exit 0) or no (exit 1); --list prints a
// SelfSubjectRulesReview.

type canIOptions struct {
	allNamespaces, list, quiet, noHeaders bool
	subresource                           string

	verb, nonResourceURL, resourceName string
	group, resource                    string
}

func newCanICommand(o *options) *cobra.Command {
	c := &canIOptions{}
	cmd := &cobra.Command{
		Use:   "can-i VERB [TYPE | TYPE/NAME | NONRESOURCEURL]",
		Short: "Check whether an action is allowed",
		Long: "Check whether an action is allowed.\n\n" +
			"VERB is a logical Kubernetes API verb like 'get', 'list', 'watch', 'delete', etc. TYPE is a Kubernetes resource. " +
			"NONRESOURCEURL is a partial URL that starts with \"/\".",
		RunE: func(cmd *cobra.Command, args []string) error { return runCanI(cmd.Context(), o, c, args) },
	}
	f := cmd.Flags()
	f.BoolVarP(&c.allNamespaces, "all-namespaces", "A", false, "If true, check the specified action in all namespaces.")
	f.BoolVar(&c.list, "list", false, "If true, prints all allowed actions.")
	f.BoolVar(&c.noHeaders, "no-headers", false, "If true, prints allowed actions without headers")
	f.BoolVarP(&c.quiet, "quiet", "q", false, "If true, suppress output and just return the exit code.")
	f.StringVar(&c.subresource, "subresource", "", "SubResource such as pod/log or deployment/scale")
	return cmd
}

// Kubernetes' known verbs (warnings for others) and the resource names
// that are not API resources (no warning).
var (
	knownResourceVerbs    = []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "use", "bind", "impersonate", "*", "approve", "sign", "escalate", "attest"}
	knownNonResourceVerbs = []string{"get", "put", "post", "head", "options", "delete", "patch", "*"}
	nonStandardResources  = []string{"users", "groups"}
)

// parseCanI fills c from the arguments and returns the warnings kubectl
// prints, or a usage error.
func (c *canIOptions) parse(args []string, namespaced func(group, resource string) (bool, bool)) ([]string, error) {
	var warnings []string
	if c.list {
		if len(args) != 0 {
			return nil, errors.New("list option must be specified with no arguments")
		}
		if c.quiet || c.allNamespaces || c.subresource != "" {
			return nil, errors.New("list option can't be specified with neither quiet, all-namespaces nor subresource options")
		}
		return nil, nil
	}
	if len(args) != 2 {
		return nil, errors.New("you must specify two arguments: verb resource or verb resource/resourceName.\nSee 'kubectl auth can-i -h' for help and examples.")
	}
	c.verb = args[0]
	if strings.HasPrefix(args[1], "/") {
		c.nonResourceURL = args[1]
	} else {
		typ, name, _ := strings.Cut(args[1], "/")
		c.resourceName = name
		c.resource = typ
		if typ != "*" {
			if info, err := api.Lookup(typ); err == nil {
				c.group, c.resource = info.Group, info.Resource
			} else {
				res, grp, _ := strings.Cut(strings.ToLower(typ), ".")
				if !inList(nonStandardResources, strings.ToLower(typ)) {
					if grp == "" {
						warnings = append(warnings, fmt.Sprintf("the server doesn't have a resource type '%s'", res))
					} else {
						warnings = append(warnings, fmt.Sprintf("the server doesn't have a resource type '%s' in group '%s'", res, grp))
					}
				}
			}
		}
	}
	if c.nonResourceURL != "" {
		if c.subresource != "" {
			return nil, errors.New("--subresource can not be used with NonResourceURL")
		}
		if !inList(knownNonResourceVerbs, c.verb) {
			warnings = append(warnings, fmt.Sprintf("verb '%s' is not a known verb", c.verb))
		}
	} else if c.resource != "" && !c.allNamespaces {
		if ns, ok := namespaced(c.group, c.resource); ok && !ns {
			if c.group == "" {
				warnings = append(warnings, fmt.Sprintf("resource '%s' is not namespace scoped", c.resource))
			} else {
				warnings = append(warnings, fmt.Sprintf("resource '%s' is not namespace scoped in group '%s'", c.resource, c.group))
			}
		}
		if !inList(knownResourceVerbs, c.verb) {
			warnings = append(warnings, fmt.Sprintf("verb '%s' is not a known verb", c.verb))
		}
	}
	if c.noHeaders {
		return warnings, errors.New("--no-headers cannot be set without --list specified")
	}
	return warnings, nil
}

func inList(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func runCanI(ctx context.Context, o *options, c *canIOptions, args []string) error {
	warnings, err := c.parse(args, func(group, resource string) (bool, bool) {
		info, ok := api.ForResource(group, "", resource)
		if !ok {
			for _, r := range api.Resources {
				if r.Group == group && r.Resource == resource {
					return r.Namespaced, true
				}
			}
			return false, false
		}
		return info.Namespaced, true
	})
	for _, w := range warnings {
		fmt.Fprintf(o.err, "Warning: %s\n\n", w) // kubectl's messages end in a newline of their own
	}
	if err != nil {
		return err
	}
	cl, err := o.client()
	if err != nil {
		return err
	}
	ns := ""
	if !c.allNamespaces {
		if ns, err = o.ns(); err != nil {
			return err
		}
	}
	if c.list {
		body, _ := json.Marshal(api.SelfSubjectRulesReview{TypeMeta: api.TypeMeta{APIVersion: api.AuthorizationGroup + "/v1", Kind: "SelfSubjectRulesReview"},
			Spec: api.SelfSubjectRulesReviewSpec{Namespace: ns}})
		out, err := cl.Do(ctx, "POST", "/apis/"+api.AuthorizationGroup+"/v1/selfsubjectrulesreviews", body, map[string]string{"Content-Type": "application/json"})
		if err != nil {
			return err
		}
		var rv api.SelfSubjectRulesReview
		if err := json.Unmarshal(out, &rv); err != nil {
			return fmt.Errorf("decoding the SelfSubjectRulesReview: %w", err)
		}
		if rv.Status.Incomplete {
			fmt.Fprintf(o.err, "Warning: the list may be incomplete: %v\n", rv.Status.EvaluationError)
		}
		return printRules(o.out, rv.Status, c.noHeaders)
	}
	sar := api.SelfSubjectAccessReview{TypeMeta: api.TypeMeta{APIVersion: api.AuthorizationGroup + "/v1", Kind: "SelfSubjectAccessReview"}}
	if c.nonResourceURL != "" {
		sar.Spec.NonResourceAttributes = &api.NonResourceAttributes{Verb: c.verb, Path: c.nonResourceURL}
	} else {
		sar.Spec.ResourceAttributes = &api.ResourceAttributes{Namespace: ns, Verb: c.verb, Group: c.group, Resource: c.resource,
			Subresource: c.subresource, Name: c.resourceName}
	}
	body, _ := json.Marshal(sar)
	out, err := cl.Do(ctx, "POST", "/apis/"+api.AuthorizationGroup+"/v1/selfsubjectaccessreviews", body, map[string]string{"Content-Type": "application/json"})
	if err != nil {
		return err
	}
	var rv api.SelfSubjectAccessReview
	if err := json.Unmarshal(out, &rv); err != nil {
		return fmt.Errorf("decoding the SelfSubjectAccessReview: %w", err)
	}
	w := o.out
	if c.quiet {
		w = io.Discard
	}
	fmt.Fprint(w, canIAnswer(rv.Status))
	if !rv.Status.Allowed {
		return &reportedError{err: errors.New("not allowed")}
	}
	return nil
}

// canIAnswer is "yes", or "no" with the reason and evaluation error.
func canIAnswer(st api.SubjectAccessReviewStatus) string {
	if st.Allowed {
		return "yes\n"
	}
	s := "no"
	if st.Reason != "" {
		s += " - " + st.Reason
	}
	if st.EvaluationError != "" {
		s += " - " + st.EvaluationError
	}
	return s + "\n"
}

// printRules prints a rules review as kubectl's can-i --list.
func printRules(w io.Writer, st api.SubjectRulesReviewStatus, noHeaders bool) error {
	var rules []api.PolicyRule
	for _, r := range st.ResourceRules {
		rules = append(rules, api.PolicyRule{Verbs: r.Verbs, APIGroups: r.APIGroups, Resources: r.Resources, ResourceNames: r.ResourceNames})
	}
	for _, r := range st.NonResourceRules {
		rules = append(rules, api.PolicyRule{Verbs: r.Verbs, NonResourceURLs: r.NonResourceURLs})
	}
	tw := tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
	if !noHeaders {
		fmt.Fprintln(tw, "Resources\tNon-Resource URLs\tResource Names\tVerbs")
	}
	for _, row := range printers.PolicyRuleRows(rules) {
		fmt.Fprintln(tw, strings.Join(row[:], "\t"))
	}
	return tw.Flush()
}
