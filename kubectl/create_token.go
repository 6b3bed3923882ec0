package kubectl

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"minik8s/pkg/api"
)

// boundObjectKinds are what --bound-object-kind accepts, sorted as
// kubectl lists them.
var boundObjectKinds = []string{"Node", "Pod", "Secret"}

// tokenFlags are `kubectl create token`'s flags.
type tokenFlags struct {
	audiences            []string
	duration             time.Duration
	boundKind, boundName string
	boundUID             string
	output               string
}

func newCreateTokenCommand(o *options) *cobra.Command {
	var f tokenFlags
	cmd := &cobra.Command{
		Use:   "token SERVICE_ACCOUNT_NAME",
		Short: "Request a service account token",
		Long:  "Request a service account token.",
		Args:  exactlyOneName,
		RunE: func(cmd *cobra.Command, args []string) error {
			ns, err := o.ns()
			if err != nil {
				return err
			}
			req, err := f.request()
			if err != nil {
				return err
			}
			if err := checkOutput(f.output); err != nil {
				return err
			}
			c, err := o.client()
			if err != nil {
				return err
			}
			body, _ := json.Marshal(req)
			path := fmt.Sprintf("/api/v1/namespaces/%s/serviceaccounts/%s/token", ns, args[0])
			data, err := c.Do(cmd.Context(), "POST", path, body, nil)
			if err != nil {
				return fmt.Errorf("failed to create token: %s", err.Error())
			}
			var resp api.TokenRequest
			if err := json.Unmarshal(data, &resp); err != nil {
				return fmt.Errorf("failed to create token: %w", err)
			}
			if resp.Status.Token == "" {
				return errors.New("failed to create token: no token in server response")
			}
			switch f.output {
			case "json", "yaml":
				return printObject(o.out, f.output, &resp)
			case "name":
				fmt.Fprintf(o.out, "tokenrequest.authentication.k8s.io/%s\n", resp.Name)
				return nil
			}
			// A newline only for a terminal, as kubectl.
			if fo, ok := o.out.(*os.File); ok && isTerminal(fo) {
				fmt.Fprintln(o.out, resp.Status.Token)
			} else {
				fmt.Fprint(o.out, resp.Status.Token)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.output, "output", "o", "", "Output format. One of: (json, yaml, name).")
	fl.StringArrayVar(&f.audiences, "audience", nil, "Audience of the requested token. If unset, defaults to requesting a token for use with the Kubernetes API server. May be repeated to request a token valid for multiple audiences.")
	fl.DurationVar(&f.duration, "duration", 0, "Requested lifetime of the issued token. If not set or if set to 0, the lifetime will be determined by the server automatically. The server may return a token with a longer or shorter lifetime.")
	fl.StringVar(&f.boundKind, "bound-object-kind", "", "Kind of an object to bind the token to. Supported kinds are Node, Pod, Secret. If set, --bound-object-name must be provided.")
	fl.StringVar(&f.boundName, "bound-object-name", "", "Name of an object to bind the token to. The token will expire when the object is deleted. Requires --bound-object-kind.")
	fl.StringVar(&f.boundUID, "bound-object-uid", "", "UID of an object to bind the token to. Requires --bound-object-kind and --bound-object-name. If unset, the UID of the existing object is used.")
	return cmd
}

// request checks the flags as kubectl's TokenOptions.Validate and builds
// the TokenRequest.
func (f *tokenFlags) request() (*api.TokenRequest, error) {
	switch {
	case f.duration < 0:
		return nil, errors.New("--duration must be greater than or equal to 0")
	case f.duration%time.Second != 0:
		return nil, errors.New("--duration cannot be expressed in units less than seconds")
	}
	for _, a := range f.audiences {
		if a == "" {
			return nil, errors.New("--audience must not be an empty string")
		}
	}
	req := &api.TokenRequest{TypeMeta: api.TypeMeta{Kind: "TokenRequest", APIVersion: api.AuthenticationGroupVersion},
		Spec: api.TokenRequestSpec{Audiences: f.audiences}}
	if f.boundKind == "" {
		if f.boundName != "" {
			return nil, errors.New("--bound-object-name can only be set if --bound-object-kind is provided")
		}
		if f.boundUID != "" {
			return nil, errors.New("--bound-object-uid can only be set if --bound-object-kind is provided")
		}
	} else {
		supported := false
		for _, k := range boundObjectKinds {
			supported = supported || k == f.boundKind
		}
		if !supported {
			return nil, errors.New("supported --bound-object-kind values are Node, Pod, Secret")
		}
		if f.boundName == "" {
			return nil, errors.New("--bound-object-name is required if --bound-object-kind is provided")
		}
		req.Spec.BoundObjectRef = &api.BoundObjectReference{Kind: f.boundKind, APIVersion: "v1", Name: f.boundName, UID: f.boundUID}
	}
	if f.duration > 0 {
		secs := int64(f.duration / time.Second)
		req.Spec.ExpirationSeconds = &secs
	}
	return req, nil
}
