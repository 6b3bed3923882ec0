package kubectl

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"minik8s/pkg/client"
	"minik8s/pkg/printers"
)

// The kubeconfig contexts: `config get-contexts`, `current-context`,
// `use-context` and `set-context`, as kubectl v1.32 prints them. Without a
// kubeconfig file the cluster is the default one, seen as the one context
// "minik8s" that `config view` prints; set-context then writes
// ~/.kube/config as kubectl does.

// kubeconfigFile is the kubeconfig kubectl reads, parsed both typed (to
// read) and generically (to write back every field, known or not).
type kubeconfigFile struct {
	path  string // "" when there is no file
	kc    *client.Kubeconfig
	doc   map[string]any
	perms os.FileMode
}

// loadKubeconfig reads the kubeconfig file in use, or makes the virtual one.
func (o *options) loadKubeconfig() (*kubeconfigFile, error) {
	path, _, err := client.FindKubeconfig(client.LoadOptions{Kubeconfig: o.kubeconfig, Getenv: o.getenv})
	if err != nil {
		return nil, err
	}
	f := &kubeconfigFile{path: path, perms: 0o600}
	var data []byte
	if path != "" {
		data, err = os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("load kubeconfig: %w", err)
		}
		if st, err := os.Stat(path); err == nil {
			f.perms = st.Mode().Perm()
		}
	} else {
		cfg, err := o.config()
		if err != nil {
			return nil, err
		}
		if data, err = client.NewKubeconfig(cfg.Server, cfg.Namespace).YAML(); err != nil {
			return nil, err
		}
	}
	if f.kc, err = client.ParseKubeconfig(data); err != nil {
		return nil, err
	}
	if err := yaml.Unmarshal(data, &f.doc); err != nil {
		return nil, fmt.Errorf("parse kubeconfig: %w", err)
	}
	if f.doc == nil {
		f.doc = map[string]any{}
	}
	return f, nil
}

// context returns the named context, or nil.
func (f *kubeconfigFile) context(name string) *client.NamedContext {
	for i := range f.kc.Contexts {
		if f.kc.Contexts[i].Name == name {
			return &f.kc.Contexts[i]
		}
	}
	return nil
}

// save writes the document back (to ~/.kube/config when there was no file).
func (f *kubeconfigFile) save() error {
	path := f.path
	if path == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return fmt.Errorf("write kubeconfig: %w", err)
		}
		path = filepath.Join(home, ".kube", "config")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("write kubeconfig: %w", err)
		}
	}
	b, err := yaml.Marshal(f.doc)
	if err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	if err := os.WriteFile(path, b, f.perms); err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	return nil
}

func newGetContextsCommand(o *options) *cobra.Command {
	var output string
	var noHeaders bool
	cmd := &cobra.Command{
		Use:   "get-contexts [(-o|--output=)name)]",
		Short: "Describe one or many contexts",
		RunE: func(cmd *cobra.Command, args []string) error {
			if output != "" && output != "name" {
				return fmt.Errorf("output must be one of '' or 'name': %v", output)
			}
			f, err := o.loadKubeconfig()
			if err != nil {
				return err
			}
			return printContexts(o, f.kc, args, output == "name", noHeaders)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "Output format. One of: (name).")
	cmd.Flags().BoolVar(&noHeaders, "no-headers", false, "When using the default or custom-column output format, don't print headers")
	return cmd
}

// printContexts prints the contexts named (all when none), sorted by name;
// a name that is not there is an error after the others are printed.
func printContexts(o *options, kc *client.Kubeconfig, names []string, nameOnly, noHeaders bool) error {
	byName := map[string]client.Context{}
	for _, c := range kc.Contexts {
		byName[c.Name] = c.Context
	}
	var show []string
	var errs []error
	if len(names) == 0 {
		for n := range byName {
			show = append(show, n)
		}
	}
	for _, n := range names {
		if _, ok := byName[n]; ok {
			show = append(show, n)
		} else {
			errs = append(errs, fmt.Errorf("context %v not found", n))
		}
	}
	sort.Strings(show)
	tw := printers.NewTabWriter(o.out)
	if !nameOnly && !noHeaders {
		fmt.Fprintln(tw, "CURRENT\tNAME\tCLUSTER\tAUTHINFO\tNAMESPACE")
	}
	for _, n := range show {
		if nameOnly {
			fmt.Fprintln(tw, n)
			continue
		}
		cur := ""
		if n == kc.CurrentContext {
			cur = "*"
		}
		c := byName[n]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", cur, n, c.Cluster, c.User, c.Namespace)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return errors.Join(errs...)
}

func newCurrentContextCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "current-context",
		Short: "Display the current-context",
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := o.loadKubeconfig()
			if err != nil {
				return err
			}
			if f.kc.CurrentContext == "" {
				return errors.New("current-context is not set")
			}
			fmt.Fprintln(o.out, f.kc.CurrentContext)
			return nil
		},
	}
}

func newUseContextCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:     "use-context CONTEXT_NAME",
		Aliases: []string{"use"},
		Short:   "Set the current-context in a kubeconfig file",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				_ = cmd.Help()
				return fmt.Errorf("Unexpected args: %v", args)
			}
			name := args[0]
			f, err := o.loadKubeconfig()
			if err != nil {
				return err
			}
			if f.context(name) == nil {
				return fmt.Errorf("no context exists with the name: %q", name)
			}
			if f.path != "" || f.kc.CurrentContext != name {
				f.doc["current-context"] = name
				if err := f.save(); err != nil {
					return err
				}
			}
			fmt.Fprintf(o.out, "Switched to context %q.\n", name)
			return nil
		},
	}
}

func newSetContextCommand(o *options) *cobra.Command {
	var current bool
	var cluster, user string
	cmd := &cobra.Command{
		Use:   "set-context [NAME | --current] [--cluster=cluster_nickname] [--user=user_nickname] [--namespace=namespace]",
		Short: "Set a context entry in kubeconfig",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageError(cmd, "Unexpected args: %v", args)
			}
			name := ""
			if len(args) == 1 {
				name = args[0]
			}
			f, err := o.loadKubeconfig()
			if err != nil {
				return err
			}
			switch {
			case current && name != "":
				return errors.New("you cannot specify both a context name and --current")
			case current:
				if f.kc.CurrentContext == "" {
					return errors.New("no current context is set")
				}
				name = f.kc.CurrentContext
			case name == "":
				return errors.New("you must specify a non-empty context name or --current")
			}
			set := map[string]string{}
			fl := cmd.Flags()
			// The global -n/--namespace is the context's namespace here.
			if fl.Changed("cluster") {
				set["cluster"] = cluster
			}
			if fl.Changed("user") {
				set["user"] = user
			}
			if fl.Changed("namespace") {
				set["namespace"] = o.namespace
			}
			created := setContext(f.doc, name, set)
			if err := f.save(); err != nil {
				return err
			}
			if created {
				fmt.Fprintf(o.out, "Context %q created.\n", name)
			} else {
				fmt.Fprintf(o.out, "Context %q modified.\n", name)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&current, "current", false, "Modify the current context")
	cmd.Flags().StringVar(&cluster, "cluster", "", "cluster for the context entry in kubeconfig")
	cmd.Flags().StringVar(&user, "user", "", "user for the context entry in kubeconfig")
	return cmd
}

// setContext sets fields of the named context in a generic kubeconfig
// document (creating the context); it reports whether it was created. An
// empty value removes the field, as kubectl does.
func setContext(doc map[string]any, name string, set map[string]string) bool {
	list, _ := doc["contexts"].([]any)
	var ctx map[string]any
	for _, e := range list {
		if m, ok := e.(map[string]any); ok && m["name"] == name {
			ctx, _ = m["context"].(map[string]any)
			if ctx == nil {
				ctx = map[string]any{}
				m["context"] = ctx
			}
		}
	}
	created := ctx == nil
	if created {
		ctx = map[string]any{}
		doc["contexts"] = append(list, map[string]any{"name": name, "context": ctx})
	}
	for k, v := range set {
		if v == "" {
			delete(ctx, k)
		} else {
			ctx[k] = v
		}
	}
	return created
}
