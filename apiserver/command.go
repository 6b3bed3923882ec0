package apiserver

import (
	"errors"

	"github.com/spf13/cobra"
)

// NewCommand returns the "apiserver" command (PLACEHOLDER, being implemented).
func NewCommand() *cobra.Command {
	return &cobra.Command{Use: "apiserver", Short: "Run the API server",
		RunE: func(*cobra.Command, []string) error { return errors.New("not implemented yet") }}
}
