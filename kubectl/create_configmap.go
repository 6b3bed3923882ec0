package kubectl

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"minik8s/pkg/api"
	"minik8s/pkg/api/validation"
	"minik8s/pkg/client"
)

// `kubectl create configmap` and `kubectl create secret generic`, as
// kubectl v1.32's create_configmap.go and create_secret.go: keys from
// --from-literal, --from-file (file or directory) and --from-env-file,
// --append-hash, and kubectl's messages.

// dataSourceFlags are the flags both commands share.
type dataSourceFlags struct {
	createFlags
	files, literals, envFiles []string
	appendHash                bool
}

func (f *dataSourceFlags) add(cmd *cobra.Command, what string) {
	f.createFlags.add(cmd)
	cmd.Flags().StringSliceVar(&f.files, "from-file", nil, "Key file can be specified using its file path, in which case file basename will be used as "+what+" key, or optionally with a key and file path, in which case the given key will be used.  Specifying a directory will iterate each named file in the directory whose basename is a valid "+what+" key.")
	cmd.Flags().StringArrayVar(&f.literals, "from-literal", nil, "Specify a key and literal value to insert in "+what+" (i.e. mykey=somevalue)")
	cmd.Flags().StringSliceVar(&f.envFiles, "from-env-file", nil, "Specify the path to a file to read lines of key=val pairs to create a "+what+".")
	cmd.Flags().BoolVar(&f.appendHash, "append-hash", false, "Append a hash of the "+what+" to its name.")
}

// validate is kubectl's Validate of both commands.
func (f *dataSourceFlags) validate() error {
	if len(f.envFiles) > 0 && (len(f.files) > 0 || len(f.literals) > 0) {
		return fmt.Errorf("from-env-file cannot be combined with from-file or from-literal")
	}
	return nil
}

// keyAdder adds one key (with its value) to the object being built.
type keyAdder func(key string, value []byte) error

// addSources feeds the sources to add in kubectl's order for the kind:
// a ConfigMap reads files, then literals; a Secret literals, then files;
// env files last. envDirMsg is the error for a directory as env file.
func (f *dataSourceFlags) addSources(add keyAdder, literalsFirst bool, envDirMsg string) error {
	steps := []func() error{func() error { return addFileSources(f.files, add) }, func() error { return addLiteralSources(f.literals, add) }}
	if literalsFirst {
		steps[0], steps[1] = steps[1], steps[0]
	}
	steps = append(steps, func() error { return addEnvFileSources(f.envFiles, envDirMsg, add) })
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

func addLiteralSources(sources []string, add keyAdder) error {
	for _, s := range sources {
		k, v, err := parseLiteralSource(s)
		if err != nil {
			return err
		}
		if err := add(k, []byte(v)); err != nil {
			return err
		}
	}
	return nil
}

// parseLiteralSource splits key=value at the first '='.
func parseLiteralSource(s string) (string, string, error) {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return "", "", fmt.Errorf("invalid literal source %v, expected key=value", s)
	}
	return k, v, nil
}

// parseFileSource reads [key=]path; the key defaults to the base name.
func parseFileSource(s string) (key, file string, err error) {
	switch n := strings.Count(s, "="); {
	case n == 0:
		return path.Base(filepath.ToSlash(s)), s, nil
	case n == 1 && strings.HasPrefix(s, "="):
		return "", "", fmt.Errorf("key name for file path %v missing", strings.TrimPrefix(s, "="))
	case n == 1 && strings.HasSuffix(s, "="):
		return "", "", fmt.Errorf("file path for key name %v missing", strings.TrimSuffix(s, "="))
	case n > 1:
		return "", "", errors.New("key names or file paths cannot contain '='")
	}
	key, file, _ = strings.Cut(s, "=")
	return key, file, nil
}

// statSource stats a source file with kubectl's message.
func statSource(file string) (os.FileInfo, error) {
	fi, err := os.Stat(file)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("error reading %s: %w", file, pe.Err)
		}
		return nil, fmt.Errorf("error reading %s: %w", file, err)
	}
	return fi, nil
}

func addFileSources(sources []string, add keyAdder) error {
	for _, s := range sources {
		key, file, err := parseFileSource(s)
		if err != nil {
			return err
		}
		fi, err := statSource(file)
		if err != nil {
			return err
		}
		if !fi.IsDir() {
			data, err := os.ReadFile(file)
			if err != nil {
				return err
			}
			if err := add(key, data); err != nil {
				return err
			}
			continue
		}
		if strings.Contains(s, "=") {
			return fmt.Errorf("cannot give a key name for a directory path")
		}
		entries, err := os.ReadDir(file)
		if err != nil {
			return fmt.Errorf("error listing files in %s: %w", file, err)
		}
		for _, e := range entries {
			if !e.Type().IsRegular() {
				continue
			}
			data, err := os.ReadFile(filepath.Join(file, e.Name()))
			if err != nil {
				return err
			}
			if err := add(e.Name(), data); err != nil {
				return err
			}
		}
	}
	return nil
}

func addEnvFileSources(files []string, dirMsg string, add keyAdder) error {
	for _, file := range files {
		fi, err := statSource(file)
		if err != nil {
			return err
		}
		if fi.IsDir() {
			return errors.New(dirMsg)
		}
		if err := readEnvFile(file, add); err != nil {
			return err
		}
	}
	return nil
}

// readEnvFile reads KEY=value lines (kubectl's AddFromEnvFile): blank
// lines and # comments are skipped, a KEY without '=' takes its value
// from the environment.
func readEnvFile(file string, add keyAdder) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 0; sc.Scan(); n++ {
		line := sc.Bytes()
		if !utf8.Valid(line) {
			return fmt.Errorf("env file %s contains invalid utf8 bytes at line %d: %v", file, n+1, line)
		}
		if n == 0 {
			line = bytes.TrimPrefix(line, []byte{0xEF, 0xBB, 0xBF})
		}
		line = bytes.TrimLeftFunc(line, unicode.IsSpace)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		key, value, hasValue := strings.Cut(string(line), "=")
		if errs := validation.IsEnvVarName(key); len(errs) != 0 {
			return fmt.Errorf("%q is not a valid key name: %s", key, strings.Join(errs, ";"))
		}
		if !hasValue {
			value = os.Getenv(key)
		}
		if err := add(key, []byte(value)); err != nil {
			return err
		}
	}
	return sc.Err()
}

// newConfigMapFrom builds the ConfigMap of `create configmap NAME`:
// valid UTF-8 values go to data, others to binaryData.
func newConfigMapFrom(name string, f *dataSourceFlags) (*api.ConfigMap, error) {
	cm := &api.ConfigMap{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: api.ObjectMeta{Name: name},
		Data:       map[string]string{},
		BinaryData: map[string][]byte{},
	}
	add := func(key string, value []byte) error {
		if errs := validation.IsConfigMapKey(key); len(errs) > 0 {
			return fmt.Errorf("%q is not a valid key name for a ConfigMap: %s", key, strings.Join(errs, ","))
		}
		if _, ok := cm.Data[key]; ok {
			return fmt.Errorf("cannot add key %q, another key by that name already exists in Data for ConfigMap %q", key, name)
		}
		if _, ok := cm.BinaryData[key]; ok {
			return fmt.Errorf("cannot add key %q, another key by that name already exists in BinaryData for ConfigMap %q", key, name)
		}
		if utf8.Valid(value) {
			cm.Data[key] = string(value)
		} else {
			cm.BinaryData[key] = value
		}
		return nil
	}
	if err := f.addSources(add, false, "env config file cannot be a directory"); err != nil {
		return nil, err
	}
	if f.appendHash {
		m := map[string]any{"kind": "ConfigMap", "name": cm.Name, "data": cm.Data}
		if len(cm.BinaryData) > 0 {
			m["binaryData"] = cm.BinaryData
		}
		h, err := contentHash(m)
		if err != nil {
			return nil, err
		}
		cm.Name += "-" + h
	}
	return cm, nil
}

// newSecretFrom builds the Secret of `create secret generic NAME`.
func newSecretFrom(name, typ string, f *dataSourceFlags) (*api.Secret, error) {
	s := &api.Secret{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: api.ObjectMeta{Name: name},
		Type:       typ,
		Data:       map[string][]byte{},
	}
	add := func(key string, value []byte) error {
		if errs := validation.IsConfigMapKey(key); len(errs) != 0 {
			return fmt.Errorf("%q is not valid key name for a Secret %s", key, strings.Join(errs, ";"))
		}
		if _, ok := s.Data[key]; ok {
			return fmt.Errorf("cannot add key %s, another key by that name already exists", key)
		}
		s.Data[key] = value
		return nil
	}
	if err := f.addSources(add, true, "env secret file cannot be a directory"); err != nil {
		return nil, err
	}
	if f.appendHash {
		h, err := contentHash(map[string]any{"kind": "Secret", "type": s.Type, "name": s.Name, "data": s.Data})
		if err != nil {
			return nil, err
		}
		s.Name += "-" + h
	}
	return s, nil
}

// contentHash is kubectl's hash.ConfigMapHash/SecretHash of the encoded
// fields: the first 10 hex digits of their SHA-256, with 0 1 3 a e
// mapped to g h k m t (no vowels, no words).
func contentHash(fields map[string]any) (string, error) {
	b, err := json.Marshal(fields)
	if err != nil {
		return "", fmt.Errorf("hash: %w", err)
	}
	hex := fmt.Sprintf("%x", sha256.Sum256(b))[:10]
	return strings.NewReplacer("0", "g", "1", "h", "3", "k", "a", "m", "e", "t").Replace(hex), nil
}

// serverFailure prefixes a server error as kubectl v1.32 does
// ("failed to create configmap: ...", "failed to create secret ...").
// kubectl formats it with %v, so the result is reported as "error: ..."
// and not as "Error from server".
func serverFailure(prefix string, err error) error {
	if _, ok := client.AsStatus(err); ok {
		return fmt.Errorf("%s%s", prefix, err.Error())
	}
	return err
}

func newCreateConfigMapCommand(o *options) *cobra.Command {
	var f dataSourceFlags
	cmd := &cobra.Command{
		Use:     "configmap NAME [--from-file=[key=]source] [--from-literal=key1=value1] [--dry-run=server|client|none]",
		Aliases: []string{"cm"},
		Short:   "Create a config map from a local file, directory or literal value",
		Args:    exactlyOneName,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.validate(); err != nil {
				return err
			}
			cm, err := newConfigMapFrom(args[0], &f)
			if err != nil {
				return err
			}
			return serverFailure("failed to create configmap: ", createObject(cmd.Context(), o, &f.createFlags, cm))
		},
	}
	f.add(cmd, "configmap")
	return cmd
}

func newCreateSecretCommand(o *options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "secret (docker-registry | generic | tls)",
		Short: "Create a secret using a specified subcommand",
		RunE:  groupRun,
	}
	var f dataSourceFlags
	var typ string
	generic := &cobra.Command{
		Use:   "generic NAME [--type=string] [--from-file=[key=]source] [--from-literal=key1=value1] [--dry-run=server|client|none]",
		Short: "Create a secret from a local file, directory, or literal value",
		Args:  exactlyOneName,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.validate(); err != nil {
				return err
			}
			s, err := newSecretFrom(args[0], typ, &f)
			if err != nil {
				return err
			}
			return serverFailure("failed to create secret ", createObject(cmd.Context(), o, &f.createFlags, s))
		},
	}
	f.add(generic, "secret")
	generic.Flags().StringVar(&typ, "type", "", "The type of secret to create")
	cmd.AddCommand(generic,
		unsupported("docker-registry", "use `create secret generic --type=kubernetes.io/dockerconfigjson`"),
		unsupported("tls", "use `create secret generic --type=kubernetes.io/tls --from-file=tls.crt=... --from-file=tls.key=...`"))
	return cmd
}
