package remotecommand

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// dialAs opens an exec stream the way the official Python client does:
// subprotocol v4.channel.k8s.io and an Origin naming another host (the
// apiserver the client dialed, not the kubelet that serves the stream).
func dialAs(t *testing.T, url string, header http.Header) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	d := websocket.Dialer{Subprotocols: []string{ProtocolV4}, HandshakeTimeout: 5 * time.Second}
	ws := "ws" + strings.TrimPrefix(url, "http")
	return d.Dial(ws, header)
}

// readUntilError collects the output channels until the error channel's
// message arrives, and returns stdout and the error channel's payload.
func readUntilError(t *testing.T, conn *websocket.Conn) (stdout, status string) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	var out strings.Builder
	for {
		_, msg, err := conn.ReadMessage()
		if err != nil {
			t.Fatalf("read: %v (stdout so far %q)", err, out.String())
		}
		ch, data, err := ParseFrame(msg)
		if err != nil {
			continue
		}
		switch ch {
		case ChannelStdout:
			out.Write(data)
		case ChannelError:
			return out.String(), string(data)
		}
	}
}

func TestServeAcceptsForeignOrigin(t *testing.T) {
	srv := execServer(t, func(ctx context.Context, s Streams) (int, error) {
		fmt.Fprint(s.Stdout, "hello\n")
		return 0, nil
	})
	h := http.Header{"Origin": {"http://apiserver.example:6443"}}
	conn, resp, err := dialAs(t, execURL(srv, Options{Command: []string{"echo", "hello"}, Stdout: true}), h)
	if err != nil {
		code := 0
		if resp != nil {
			code = resp.StatusCode
		}
		t.Fatalf("dial with a foreign Origin: %v (HTTP %d)", err, code)
	}
	defer conn.Close()
	if conn.Subprotocol() != ProtocolV4 {
		t.Fatalf("subprotocol %q", conn.Subprotocol())
	}
	out, st := readUntilError(t, conn)
	if out != "hello\n" || !strings.Contains(st, `"status":"Success"`) {
		t.Fatalf("stdout %q status %s", out, st)
	}
}

func TestServeStdinInTextMessages(t *testing.T) {
	srv := execServer(t, func(ctx context.Context, s Streams) (int, error) {
		// Read two lines: the Python client's v4 stream never closes stdin.
		r := bufio.NewReader(s.Stdin)
		for i := 0; i < 2; i++ {
			line, err := r.ReadString('\n')
			if err != nil {
				return 1, err
			}
			fmt.Fprint(s.Stdout, "got "+line)
		}
		return 0, nil
	})
	url := execURL(srv, Options{Command: []string{"cat"}, Stdin: true, Stdout: true})
	conn, _, err := dialAs(t, url, http.Header{"Origin": {"http://127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// write_stdin("one\n") with a str: a text message "\x00one\n"; with
	// bytes: a binary message. Both must reach the command.
	if err := conn.WriteMessage(websocket.TextMessage, []byte("\x00one\n")); err != nil {
		t.Fatal(err)
	}
	if err := conn.WriteMessage(websocket.BinaryMessage, []byte("\x00two\n")); err != nil {
		t.Fatal(err)
	}
	out, st := readUntilError(t, conn)
	if out != "got one\ngot two\n" || !strings.Contains(st, `"status":"Success"`) {
		t.Fatalf("stdout %q status %s", out, st)
	}
}
