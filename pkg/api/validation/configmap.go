package validation

import (
	"encoding/json"
	"reflect"
	"regexp"
	"strings"

	"minik8s/pkg/api"
)

// ConfigMap and Secret validation, as Kubernetes' ValidateConfigMap,
// ValidateSecret and their Update forms (pkg/apis/core/validation).

var configMapKeyRe = regexp.MustCompile(`^[-._a-zA-Z0-9]+$`)

// IsConfigMapKey returns why s is not a valid ConfigMap or Secret key
// (apimachinery's validation.IsConfigMapKey).
func IsConfigMapKey(s string) []string {
	var errs []string
	if len(s) > 253 {
		errs = append(errs, "must be no more than 253 characters")
	}
	if !configMapKeyRe.MatchString(s) {
		errs = append(errs, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')")
	}
	return append(errs, hasChDirPrefix(s)...)
}

// hasChDirPrefix refuses ".", ".." and names starting with "..".
func hasChDirPrefix(s string) []string {
	switch {
	case s == ".":
		return []string{"must not be '.'"}
	case s == "..":
		return []string{"must not be '..'"}
	case strings.HasPrefix(s, ".."):
		return []string{"must not start with '..'"}
	}
	return nil
}

var envVarNameRe = regexp.MustCompile(`^[-._a-zA-Z][-._a-zA-Z0-9]*$`)

// IsEnvVarName returns why s is not a valid environment variable name
// (apimachinery's validation.IsEnvVarName).
func IsEnvVarName(s string) []string {
	var errs []string
	if !envVarNameRe.MatchString(s) {
		errs = append(errs, "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')")
	}
	return append(errs, hasChDirPrefix(s)...)
}

func validateConfigMap(c *api.ConfigMap) ErrorList {
	errs := validateObjectMeta(&c.ObjectMeta, true, IsDNS1123Subdomain)
	total := 0
	for _, k := range sortedKeys(c.Data) {
		for _, msg := range IsConfigMapKey(k) {
			errs = append(errs, Invalid(Path("data").Key(k), k, msg))
		}
		if _, dup := c.BinaryData[k]; dup {
			errs = append(errs, Invalid(Path("data").Key(k), k, "duplicate of key present in binaryData"))
		}
		total += len(c.Data[k])
	}
	for _, k := range sortedKeys(c.BinaryData) {
		for _, msg := range IsConfigMapKey(k) {
			errs = append(errs, Invalid(Path("binaryData").Key(k), k, msg))
		}
		total += len(c.BinaryData[k])
	}
	if total > api.MaxSecretSize {
		errs = append(errs, TooLong("", api.MaxSecretSize)) // "" = the whole object, as Kubernetes
	}
	return errs
}

func validateSecret(s *api.Secret) ErrorList {
	errs := validateObjectMeta(&s.ObjectMeta, true, IsDNS1123Subdomain)
	data := Path("data")
	total := 0
	for _, k := range sortedKeys(s.Data) {
		for _, msg := range IsConfigMapKey(k) {
			errs = append(errs, Invalid(data.Key(k), k, msg))
		}
		total += len(s.Data[k])
	}
	if total > api.MaxSecretSize {
		errs = append(errs, TooLong(data, api.MaxSecretSize))
	}
	has := func(k string) bool { _, ok := s.Data[k]; return ok }
	switch s.Type {
	case api.SecretTypeServiceAccountToken:
		if s.Annotations["kubernetes.io/service-account.name"] == "" {
			errs = append(errs, Required(Path("metadata.annotations").Key("kubernetes.io/service-account.name"), ""))
		}
	case api.SecretTypeDockercfg:
		errs = append(errs, requireJSONKey(s, ".dockercfg")...)
	case api.SecretTypeDockerConfigJSON:
		errs = append(errs, requireJSONKey(s, ".dockerconfigjson")...)
	case api.SecretTypeBasicAuth:
		if !has("username") && !has("password") {
			errs = append(errs, Required(data.Key("username"), ""), Required(data.Key("password"), ""))
		}
	case api.SecretTypeSSHAuth:
		if len(s.Data["ssh-privatekey"]) == 0 {
			errs = append(errs, Required(data.Key("ssh-privatekey"), ""))
		}
	case api.SecretTypeTLS:
		if !has("tls.crt") {
			errs = append(errs, Required(data.Key("tls.crt"), ""))
		}
		if !has("tls.key") {
			errs = append(errs, Required(data.Key("tls.key"), ""))
		}
	}
	return errs
}

// requireJSONKey: key must be present and hold a JSON object.
func requireJSONKey(s *api.Secret, key string) ErrorList {
	b, ok := s.Data[key]
	if !ok {
		return ErrorList{Required(Path("data").Key(key), "")}
	}
	if err := json.Unmarshal(b, &map[string]any{}); err != nil {
		return ErrorList{Invalid(Path("data").Key(key), "<secret contents redacted>", err.Error())}
	}
	return nil
}

const immutableSet = "field is immutable when `immutable` is set"

// validateImmutableData: once immutable is true it stays so and the data
// fields (name: value) do not change.
func validateImmutableData(wasImmutable, isImmutable *bool, fields map[string][2]any) ErrorList {
	if wasImmutable == nil || !*wasImmutable {
		return nil
	}
	var errs ErrorList
	if isImmutable == nil || !*isImmutable {
		errs = append(errs, Forbidden("immutable", immutableSet))
	}
	for _, name := range sortedKeys(fields) {
		if f := fields[name]; !reflect.DeepEqual(f[0], f[1]) {
			errs = append(errs, Forbidden(Path(name), immutableSet))
		}
	}
	return errs
}

func validateConfigMapUpdate(n, o *api.ConfigMap) ErrorList {
	return validateImmutableData(o.Immutable, n.Immutable, map[string][2]any{
		"data":       {emptyMapNil(n.Data), emptyMapNil(o.Data)},
		"binaryData": {emptyMapNil(n.BinaryData), emptyMapNil(o.BinaryData)},
	})
}

func validateSecretUpdate(n, o *api.Secret) ErrorList {
	var errs ErrorList
	if n.Type != o.Type {
		errs = append(errs, Invalid("type", n.Type, "field is immutable"))
	}
	return append(errs, validateImmutableData(o.Immutable, n.Immutable, map[string][2]any{
		"data": {emptyMapNil(n.Data), emptyMapNil(o.Data)},
	})...)
}

// emptyMapNil makes an empty map nil, so {} and an absent map compare equal.
func emptyMapNil[V any](m map[string]V) map[string]V {
	if len(m) == 0 {
		return nil
	}
	return m
}
