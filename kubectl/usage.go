package kubectl

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// Argument and flag errors, printed as kubectl v1.32 prints them. Cobra
// checks a command's arguments before its RunE runs, so the checks below
// print their own error (wrapErrors wraps every command's Args) instead of
// leaving cobra to fail silently.

// usageError is kubectl's UsageErrorf: the message and a pointer to help.
func usageError(cmd *cobra.Command, format string, a ...any) error {
	return fmt.Errorf("%s\nSee '%s -h' for help and examples", fmt.Sprintf(format, a...), cmd.CommandPath())
}

// exactlyOneName is the check of `kubectl create namespace|deployment|…`.
func exactlyOneName(cmd *cobra.Command, args []string) error {
	if len(args) != 1 {
		return usageError(cmd, "exactly one NAME is required, got %d", len(args))
	}
	return nil
}

// noArgsUnexpected is the check of apply and create (which take -f).
func noArgsUnexpected(cmd *cobra.Command, args []string) error {
	if len(args) != 0 {
		return usageError(cmd, "Unexpected args: %v", args)
	}
	return nil
}

// noArgsUnexpectedLower is the check of api-resources and config view.
func noArgsUnexpectedLower(cmd *cobra.Command, args []string) error {
	if len(args) != 0 {
		return usageError(cmd, "unexpected arguments: %v", args)
	}
	return nil
}

// noExtraArgs is the check of version.
func noExtraArgs(_ *cobra.Command, args []string) error {
	if len(args) != 0 {
		return fmt.Errorf("extra arguments: %v", args)
	}
	return nil
}

// groupRun is the RunE of a command that only groups subcommands (config,
// create service), as kubectl's DefaultSubCommandRun: an unknown
// subcommand is an error, no subcommand prints the help on stderr and fails.
func groupRun(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError(cmd, "unknown command %q", strings.Join(args, " "))
	}
	cmd.SetOut(cmd.ErrOrStderr())
	if err := cmd.Help(); err != nil {
		return err
	}
	return &reportedError{err: errors.New("no subcommand given")}
}

// unknownCommand is the error of the root command for an unknown command,
// with cobra's suggestions, as kubectl prints it (on stderr, exit code 1).
func unknownCommand(cmd *cobra.Command, name string) error {
	msg := fmt.Sprintf("Error: unknown command %q for %q\n", name, cmd.CommandPath())
	if s := cmd.SuggestionsFor(name); len(s) > 0 {
		msg += "\nDid you mean this?\n"
		for _, x := range s {
			msg += "\t" + x + "\n"
		}
		msg += "\n"
	}
	fmt.Fprint(cmd.ErrOrStderr(), msg)
	return &reportedError{err: fmt.Errorf("unknown command %q for %q", name, cmd.CommandPath())}
}

// flagError is the root's flag error function: kubectl prints cobra's
// message with a capital "Error:" and a pointer to --help.
func flagError(cmd *cobra.Command, err error) error {
	fmt.Fprintf(cmd.ErrOrStderr(), "Error: %v\nSee '%s --help' for usage.\n", err, cmd.CommandPath())
	return &reportedError{err: err}
}

// requiredFlag is kubectl's message for a required flag left out.
func requiredFlag(names ...string) error {
	return fmt.Errorf("required flag(s) %q not set", strings.Join(names, `", "`))
}

// printErr prints err in kubectl's format unless it was printed already,
// and marks it as printed.
func printErr(cmd *cobra.Command, err error) error {
	var rep *reportedError
	if !errors.As(err, &rep) && !errors.Is(err, errFailed) {
		fmt.Fprintln(cmd.ErrOrStderr(), formatError(err))
	}
	return &reportedError{err: err}
}

// wrapErrors makes every command print its errors, those of its argument
// checks included, in kubectl's format, and silences cobra's own printing
// and usage dump.
func wrapErrors(cmd *cobra.Command) {
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	if check := cmd.Args; check != nil {
		cmd.Args = func(c *cobra.Command, args []string) error {
			if err := check(c, args); err != nil {
				return printErr(c, err)
			}
			return nil
		}
	}
	if run := cmd.RunE; run != nil {
		cmd.RunE = func(c *cobra.Command, args []string) error {
			if err := run(c, args); err != nil {
				return printErr(c, err)
			}
			return nil
		}
	}
	for _, sub := range cmd.Commands() {
		wrapErrors(sub)
	}
}
