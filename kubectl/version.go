package kubectl

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"
)

// versionInfo is apimachinery's version.Info, the body of /version.
type versionInfo struct {
	Major        string `json:"major"`
	Minor        string `json:"minor"`
	GitVersion   string `json:"gitVersion"`
	GitCommit    string `json:"gitCommit"`
	GitTreeState string `json:"gitTreeState"`
	BuildDate    string `json:"buildDate"`
	GoVersion    string `json:"goVersion"`
	Compiler     string `json:"compiler"`
	Platform     string `json:"platform"`
}

// versionOutput is kubectl's `version -o json|yaml` document; this
// kubectl embeds no kustomize, so kustomizeVersion is left out.
type versionOutput struct {
	ClientVersion *versionInfo `json:"clientVersion,omitempty"`
	ServerVersion *versionInfo `json:"serverVersion,omitempty"`
}

// clientVersion is this kubectl's version.Info.
func clientVersion() *versionInfo {
	major, minor, _ := strings.Cut(strings.TrimPrefix(Version, "v"), ".")
	minor, _, _ = strings.Cut(minor, ".")
	return &versionInfo{
		Major: major, Minor: minor, GitVersion: Version, GitCommit: "minik8s", GitTreeState: "clean",
		BuildDate: "2025-01-01T00:00:00Z", GoVersion: runtime.Version(), Compiler: runtime.Compiler,
		Platform: runtime.GOOS + "/" + runtime.GOARCH,
	}
}

// printVersion writes v as kubectl's version command does for output
// "" (the short lines), "json" (2-space indent) or "yaml".
func printVersion(w io.Writer, v versionOutput, output string) error {
	switch output {
	case "":
		if v.ClientVersion != nil {
			fmt.Fprintf(w, "Client Version: %s\n", v.ClientVersion.GitVersion)
		}
		if v.ServerVersion != nil {
			fmt.Fprintf(w, "Server Version: %s\n", v.ServerVersion.GitVersion)
		}
		return nil
	case "json":
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return fmt.Errorf("encode version: %w", err)
		}
		_, err = fmt.Fprintln(w, string(b))
		return err
	case "yaml":
		b, err := yaml.Marshal(v)
		if err != nil {
			return fmt.Errorf("encode version: %w", err)
		}
		_, err = fmt.Fprintln(w, string(b))
		return err
	}
	return errors.New("--output must be 'yaml' or 'json'")
}

func newVersionCommand(o *options) *cobra.Command {
	var clientOnly bool
	var output string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the client and server version information",
		Args:  noExtraArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "" && output != "yaml" && output != "json" {
				return errors.New("--output must be 'yaml' or 'json'")
			}
			v := versionOutput{ClientVersion: clientVersion()}
			var serverErr error
			if !clientOnly {
				v.ServerVersion, serverErr = serverVersion(cmd, o)
			}
			if err := printVersion(o.out, v, output); err != nil {
				return err
			}
			return serverErr
		},
	}
	cmd.Flags().BoolVar(&clientOnly, "client", false, "If true, shows client version only (no server required).")
	cmd.Flags().StringVarP(&output, "output", "o", "", "One of 'yaml' or 'json'.")
	return cmd
}

// serverVersion reads the server's /version.
func serverVersion(cmd *cobra.Command, o *options) (*versionInfo, error) {
	c, err := o.client()
	if err != nil {
		return nil, err
	}
	data, err := c.Do(cmd.Context(), http.MethodGet, "/version", nil, nil)
	if err != nil {
		return nil, err
	}
	var v versionInfo
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("decode /version: %w", err)
	}
	return &v, nil
}
