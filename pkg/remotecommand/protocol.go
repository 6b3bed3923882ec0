package remotecommand

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"

	"minik8s/pkg/api"
)

// Subprotocols of the WebSocket handshake.
const (
	ProtocolV5 = "v5.channel.k8s.io"
	ProtocolV4 = "v4.channel.k8s.io"
)

// Channel bytes.
const (
	ChannelStdin  byte = 0
	ChannelStdout byte = 1
	ChannelStderr byte = 2
	ChannelError  byte = 3
	ChannelResize byte = 4
	// ChannelClose starts a v5 close signal: [255, channel].
	ChannelClose byte = 255
)

// Status reasons and cause types of the error channel.
const (
	ReasonNonZeroExitCode = "NonZeroExitCode"
	CauseExitCode         = "ExitCode"
)

// Options are the exec request's query parameters.
type Options struct {
	Command   []string
	Container string
	Stdin     bool
	Stdout    bool
	Stderr    bool
	TTY       bool
}

// ParseOptions reads an exec query (command=a&command=b&container=c&
// stdin=true&stdout=true&stderr=true&tty=false). As in Kubernetes, stderr
// is dropped with a TTY (the terminal merges it into stdout).
func ParseOptions(q url.Values) (Options, error) {
	o, err := parseStreams(q)
	if err == nil && len(o.Command) == 0 {
		return Options{}, errors.New("you must specify at least 1 command")
	}
	return o, err
}

// ParseAttachOptions reads an attach query: ParseOptions without a command.
func ParseAttachOptions(q url.Values) (Options, error) {
	o, err := parseStreams(q)
	o.Command = nil
	return o, err
}

func parseStreams(q url.Values) (Options, error) {
	o := Options{Command: q["command"], Container: q.Get("container")}
	for _, f := range []struct {
		name string
		v    *bool
	}{{"stdin", &o.Stdin}, {"stdout", &o.Stdout}, {"stderr", &o.Stderr}, {"tty", &o.TTY}} {
		s := q.Get(f.name)
		if s == "" {
			continue
		}
		b, err := strconv.ParseBool(s)
		if err != nil {
			return Options{}, fmt.Errorf("invalid %s=%q: want true or false", f.name, s)
		}
		*f.v = b
	}
	if !o.Stdin && !o.Stdout && !o.Stderr {
		return Options{}, errors.New("you must specify at least 1 of stdin, stdout, stderr")
	}
	if o.TTY {
		o.Stderr = false
	}
	return o, nil
}

// Query is the exec query of o (the inverse of ParseOptions).
func (o Options) Query() url.Values {
	q := url.Values{}
	for _, c := range o.Command {
		q.Add("command", c)
	}
	if o.Container != "" {
		q.Set("container", o.Container)
	}
	q.Set("stdin", strconv.FormatBool(o.Stdin))
	q.Set("stdout", strconv.FormatBool(o.Stdout))
	q.Set("stderr", strconv.FormatBool(o.Stderr))
	q.Set("tty", strconv.FormatBool(o.TTY))
	return q
}

// Frame is the message carrying data on a channel.
func Frame(ch byte, data []byte) []byte {
	b := make([]byte, 1+len(data))
	b[0] = ch
	copy(b[1:], data)
	return b
}

// CloseFrame is the v5 signal that the sender is done writing ch.
func CloseFrame(ch byte) []byte { return []byte{ChannelClose, ch} }

// ParseFrame splits a message into its channel and payload.
func ParseFrame(msg []byte) (ch byte, data []byte, err error) {
	if len(msg) == 0 {
		return 0, nil, errors.New("empty message: no channel byte")
	}
	return msg[0], msg[1:], nil
}

// TerminalSize is a resize message's payload (field names as kubectl sends them).
type TerminalSize struct {
	Width  uint16
	Height uint16
}

// ExitStatus is the error channel's Status of a finished command: Success
// for exit code 0, NonZeroExitCode with an ExitCode cause otherwise, and
// InternalError with the message if the command could not run at all.
func ExitStatus(code int, err error) api.Status {
	switch {
	case err != nil:
		return api.Status{Status: "Failure", Reason: "InternalError", Code: 500,
			Message: "Internal error occurred: error executing command in container: " + err.Error()}
	case code == 0:
		return api.Status{Status: "Success"}
	default:
		return api.Status{
			Status:  "Failure",
			Reason:  ReasonNonZeroExitCode,
			Message: fmt.Sprintf("command terminated with non-zero exit code: exit code %d", code),
			Details: &api.StatusDetails{Causes: []api.StatusCause{{Type: CauseExitCode, Message: strconv.Itoa(code)}}},
		}
	}
}

// ExitCode is the exit code a Status reports (the inverse of ExitStatus);
// a failure that is not an exit code is an error with the Status message.
func ExitCode(st api.Status) (int, error) {
	switch st.Status {
	case "Success":
		return 0, nil
	case "Failure":
		if st.Reason != ReasonNonZeroExitCode {
			if st.Message == "" {
				return 0, fmt.Errorf("remote command failed (%s)", st.Reason)
			}
			return 0, errors.New(st.Message)
		}
		if st.Details != nil {
			for _, c := range st.Details.Causes {
				if c.Type != CauseExitCode {
					continue
				}
				n, err := strconv.ParseUint(c.Message, 10, 8)
				if err != nil {
					return 0, fmt.Errorf("error stream protocol error: invalid exit code value %q", c.Message)
				}
				return int(n), nil
			}
		}
		return 0, fmt.Errorf("error stream protocol error: no %s cause given", CauseExitCode)
	default:
		return 0, fmt.Errorf("error stream protocol error: unknown status %q", st.Status)
	}
}

// DecodeStatus reads what the error channel carried: nothing means success.
func DecodeStatus(data []byte) (int, error) {
	if len(data) == 0 {
		return 0, nil
	}
	var st api.Status
	if err := json.Unmarshal(data, &st); err != nil {
		return 0, fmt.Errorf("error stream protocol error: %v in %q", err, data)
	}
	return ExitCode(st)
}

// ExitError is a command's non-zero exit code; ExitCode lets main exit with it.
type ExitError struct{ Code int }

func (e *ExitError) Error() string {
	return fmt.Sprintf("command terminated with exit code %d", e.Code)
}

// ExitCode is the remote command's exit code.
func (e *ExitError) ExitCode() int { return e.Code }

// Negotiate picks the first subprotocol the client offers that we speak.
func Negotiate(offered []string) (string, bool) {
	for _, p := range offered {
		if p == ProtocolV5 || p == ProtocolV4 {
			return p, true
		}
	}
	return "", false
}
