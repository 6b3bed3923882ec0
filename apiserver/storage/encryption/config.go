package encryption

import (
	"bytes"
	"crypto/aes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"sigs.k8s.io/yaml"
)

// EncryptionConfiguration is apiserver.config.k8s.io/v1 EncryptionConfiguration.
type EncryptionConfiguration struct {
	Kind       string                  `json:"kind"`
	APIVersion string                  `json:"apiVersion"`
	Resources  []ResourceConfiguration `json:"resources"`
}

// ResourceConfiguration is one resources[] entry: which resources, and
// their providers in order.
type ResourceConfiguration struct {
	Resources []string                `json:"resources"`
	Providers []ProviderConfiguration `json:"providers"`
}

// ProviderConfiguration holds exactly one provider.
type ProviderConfiguration struct {
	AESGCM    *KeysConfiguration `json:"aesgcm,omitempty"`
	AESCBC    *KeysConfiguration `json:"aescbc,omitempty"`
	Secretbox *KeysConfiguration `json:"secretbox,omitempty"`
	Identity  *struct{}          `json:"identity,omitempty"`
	KMS       json.RawMessage    `json:"kms,omitempty"`
}

// KeysConfiguration is the keys of an AES or secretbox provider; the first
// encrypts, all decrypt.
type KeysConfiguration struct {
	Keys []Key `json:"keys"`
}

// Key is a named key, base64 in secret.
type Key struct {
	Name   string `json:"name"`
	Secret string `json:"secret"`
}

const (
	apiVersion = "apiserver.config.k8s.io/v1"
	kind       = "EncryptionConfiguration"
)

// groupResource is a resource and its API group ("" for core); either may
// be "*".
type groupResource struct{ group, resource string }

// parseGroupResource is schema.ParseGroupResource: "secrets",
// "deployments.apps", "*.apps", "*." (all core), "*.*" (everything).
func parseGroupResource(s string) groupResource {
	r, g, _ := strings.Cut(s, ".")
	return groupResource{group: g, resource: r}
}

func (gr groupResource) String() string {
	if gr.group == "" && gr.resource == "*" {
		return "*."
	}
	if gr.group == "" {
		return gr.resource
	}
	return gr.resource + "." + gr.group
}

// Config is a loaded configuration: the transformer of each configured
// group-resource (or wildcard).
type Config struct {
	byResource map[groupResource]Transformer
}

// LoadFile reads and validates an EncryptionConfiguration file.
func LoadFile(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("error opening encryption provider configuration file %q: %w", path, err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("encryption provider configuration file %q is empty", path)
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("error while parsing file %q: %w", path, err)
	}
	return c, nil
}

// Parse decodes (YAML or JSON, unknown fields refused) and validates a
// configuration and builds its transformers.
func Parse(data []byte) (*Config, error) {
	var ec EncryptionConfiguration
	if err := yaml.UnmarshalStrict(data, &ec); err != nil {
		return nil, fmt.Errorf("strict decoding error: %w", err)
	}
	if ec.Kind != kind || ec.APIVersion != apiVersion {
		return nil, fmt.Errorf("got unexpected config type %s, %s (want kind %s, apiVersion %s)", ec.APIVersion, ec.Kind, kind, apiVersion)
	}
	if errs := validate(&ec); len(errs) > 0 {
		return nil, aggregate(errs)
	}
	return build(&ec)
}

// aggregate prints errors as Kubernetes' utilerrors aggregate: one as
// itself, several as [a, b].
func aggregate(errs []string) error {
	if len(errs) == 1 {
		return fmt.Errorf("%s", errs[0])
	}
	return fmt.Errorf("[%s]", strings.Join(errs, ", "))
}

// validate is Kubernetes' ValidateEncryptionConfiguration (field paths
// and messages), plus a refusal of kms, which minik8s does not support.
func validate(c *EncryptionConfiguration) []string {
	var errs []string
	if len(c.Resources) == 0 {
		return []string{"resources: Required value: at least one resources is required"}
	}
	for i, rc := range c.Resources {
		rpath := fmt.Sprintf("resources[%d].resources", i)
		ppath := fmt.Sprintf("resources[%d].providers", i)
		if len(rc.Resources) == 0 {
			errs = append(errs, fmt.Sprintf("%s: Required value: at least one %s is required", rpath, rpath))
		}
		errs = append(errs, validateResources(rc.Resources, rpath)...)
		if len(rc.Providers) == 0 {
			errs = append(errs, fmt.Sprintf("%s: Required value: at least one %s is required", ppath, ppath))
		}
		for j, p := range rc.Providers {
			path := fmt.Sprintf("%s[%d]", ppath, j)
			n := 0
			for _, set := range []bool{p.AESGCM != nil, p.AESCBC != nil, p.Secretbox != nil, p.Identity != nil, p.KMS != nil} {
				if set {
					n++
				}
			}
			switch {
			case n == 0:
				errs = append(errs, path+": Invalid value: provider does not contain any of the expected providers: KMS, AESGCM, AESCBC, Secretbox, Identity")
				continue
			case n > 1:
				errs = append(errs, path+": Invalid value: more than one provider specified in a single element, should split into different list elements")
				continue
			}
			switch {
			case p.KMS != nil:
				errs = append(errs, path+".kms: Unsupported value: the kms provider is not supported by minik8s (no KMS plugins); use aescbc, aesgcm or secretbox")
			case p.AESGCM != nil:
				errs = append(errs, validateKeys(p.AESGCM.Keys, path+".aesgcm.keys", aesKeySizes)...)
			case p.AESCBC != nil:
				errs = append(errs, validateKeys(p.AESCBC.Keys, path+".aescbc.keys", aesKeySizes)...)
			case p.Secretbox != nil:
				errs = append(errs, validateKeys(p.Secretbox.Keys, path+".secretbox.keys", []int{32})...)
			}
		}
	}
	return errs
}

var aesKeySizes = []int{16, 24, 32}

func validateResources(resources []string, path string) []string {
	var errs []string
	grs := make([]groupResource, len(resources))
	for i, r := range resources {
		grs[i] = parseGroupResource(r)
	}
	var dup, overlap bool
	for i, a := range grs {
		for j, b := range grs {
			switch {
			case i == j:
			case a == b:
				dup = true
			case a == groupResource{"*", "*"}:
				overlap = true
			case a.group == b.group && (a.resource == "*" || b.resource == "*"):
				overlap = true
			}
		}
	}
	list, _ := json.Marshal(resources)
	if dup {
		errs = append(errs, fmt.Sprintf("%s: Invalid value: %s: the same resource cannot be specified multiple times", path, list))
	}
	if overlap {
		errs = append(errs, fmt.Sprintf("%s: Invalid value: %s: using overlapping resources such as 'secrets' and '*.' in the same resource list is not allowed as they will be masked", path, list))
	}
	for j, r := range resources {
		gr := grs[j]
		msg := ""
		switch {
		case strings.ToLower(r) != r:
			msg = "resource name should not contain capital letters"
		case r == "*":
			msg = "use '*.' to encrypt all the resources from core API group or *.* to encrypt all resources"
		case r == "apiserveripinfo" || r == "serviceipallocations" || r == "servicenodeportallocations":
			msg = "resources which do not have REST API/s cannot be encrypted"
		case gr.group == "events.k8s.io":
			msg = "'*.events.k8s.io' objects are stored using the 'events' API group in etcd. Use 'events' instead in the config file"
		case gr.group == "extensions":
			msg = "'extensions' group has been removed and cannot be used for encryption"
		case gr.group == "*" && gr.resource != "*":
			msg = "encrypting the same resource across groups is not supported"
		}
		if msg != "" {
			errs = append(errs, fmt.Sprintf("%s[%d]: Invalid value: %q: %s", path, j, r, msg))
		}
	}
	return errs
}

func validateKeys(keys []Key, path string, sizes []int) []string {
	if len(keys) == 0 {
		return []string{path + ": Required value: at least one keys is required"}
	}
	var errs []string
	for i, k := range keys {
		kp := fmt.Sprintf("%s[%d]", path, i)
		if k.Name == "" {
			errs = append(errs, kp+".name: Required value: name is a mandatory field for a key")
		}
		if k.Secret == "" {
			errs = append(errs, kp+".secret: Required value: secret is a mandatory field for a key")
			continue
		}
		b, err := base64.StdEncoding.DecodeString(k.Secret)
		if err != nil {
			errs = append(errs, kp+`.secret: Invalid value: "REDACTED": secrets must be base64 encoded`)
			continue
		}
		ok := false
		for _, n := range sizes {
			ok = ok || len(b) == n
		}
		if !ok {
			errs = append(errs, fmt.Sprintf(`%s.secret: Invalid value: "REDACTED": secret is not of the expected length, got %d, expected one of %v`, kp, len(b), sizes))
		}
	}
	return errs
}

// build makes the transformers of a valid configuration. A resource named
// again after a wildcard of an earlier entry masks nothing and is refused,
// as Kubernetes does.
func build(c *EncryptionConfiguration) (*Config, error) {
	lists := map[groupResource][]prefixed{}
	for _, rc := range c.Resources {
		providers, err := buildProviders(rc.Providers)
		if err != nil {
			return nil, err
		}
		for _, r := range rc.Resources {
			gr := parseGroupResource(r)
			for _, mask := range []groupResource{{gr.group, "*"}, {"*", "*"}} {
				if _, masked := lists[mask]; masked {
					return nil, fmt.Errorf("resource %q is masked by earlier rule %q", gr, mask)
				}
			}
			lists[gr] = append(lists[gr], providers...)
		}
	}
	cfg := &Config{byResource: map[groupResource]Transformer{}}
	for gr, l := range lists {
		cfg.byResource[gr] = providerChain(l)
	}
	return cfg, nil
}

func buildProviders(ps []ProviderConfiguration) ([]prefixed, error) {
	var out []prefixed
	for _, p := range ps {
		switch {
		case p.Identity != nil:
			out = append(out, prefixed{prefix: nil, t: identity{}})
		case p.AESCBC != nil, p.AESGCM != nil:
			prefix, keys := aesCBCPrefix, p.AESCBC
			if p.AESGCM != nil {
				prefix, keys = aesGCMPrefix, p.AESGCM
			}
			var named []namedKey
			for _, k := range keys.Keys {
				secret, _ := base64.StdEncoding.DecodeString(k.Secret) // validated
				block, err := aes.NewCipher(secret)
				if err != nil {
					return nil, fmt.Errorf("error while creating cipher for named key %s: %w", k.Name, err)
				}
				var t Transformer = cbc{block}
				if p.AESGCM != nil {
					if t, err = newGCM(block); err != nil {
						return nil, err
					}
				}
				named = append(named, namedKey{k.Name, t})
			}
			out = append(out, prefixed{prefix: []byte(prefix), t: keyList("AES", named)})
		case p.Secretbox != nil:
			var named []namedKey
			for _, k := range p.Secretbox.Keys {
				secret, _ := base64.StdEncoding.DecodeString(k.Secret)
				var b box
				copy(b.key[:], secret)
				named = append(named, namedKey{k.Name, b})
			}
			out = append(out, prefixed{prefix: []byte(secretboxPrefix), t: keyList("Secretbox", named)})
		}
	}
	return out, nil
}

// For returns the transformer of a group-resource: its own entry, else its
// group's "*.group", else "*.*"; nil when none applies (plaintext).
func (c *Config) For(group, resource string) Transformer {
	if c == nil {
		return nil
	}
	for _, gr := range []groupResource{{group, resource}, {group, "*"}, {"*", "*"}} {
		if t, ok := c.byResource[gr]; ok {
			return t
		}
	}
	return nil
}
