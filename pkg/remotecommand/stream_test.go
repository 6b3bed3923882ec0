package remotecommand

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// execServer serves Serve with run on 127.0.0.1, the options read from
// the query as the kubelet does.
func execServer(t *testing.T, run RunFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		opts, err := ParseOptions(r.URL.Query())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		Serve(w, r, opts, run)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func execURL(srv *httptest.Server, o Options) string {
	return srv.URL + "/exec?" + o.Query().Encode()
}

func stream(t *testing.T, url string, o StreamOptions) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return Stream(ctx, url, o)
}

func TestStreamOutputAndExitCode(t *testing.T) {
	srv := execServer(t, func(ctx context.Context, s Streams) (int, error) {
		if s.Stdin != nil || s.Resize != nil {
			t.Errorf("stdin or resize without asking: %+v", s)
		}
		fmt.Fprint(s.Stdout, "to stdout\n")
		fmt.Fprint(s.Stderr, "to stderr\n")
		return 3, nil
	})
	var out, errb bytes.Buffer
	err := stream(t, execURL(srv, Options{Command: []string{"sh", "-c", "exit 3"}, Stdout: true, Stderr: true}), StreamOptions{Stdout: &out, Stderr: &errb})
	var ee *ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 || err.Error() != "command terminated with exit code 3" {
		t.Fatalf("err = %v", err)
	}
	if out.String() != "to stdout\n" || errb.String() != "to stderr\n" {
		t.Fatalf("stdout %q stderr %q", out.String(), errb.String())
	}

	// Exit 0 is no error.
	srv0 := execServer(t, func(ctx context.Context, s Streams) (int, error) { return 0, nil })
	if err := stream(t, execURL(srv0, Options{Command: []string{"true"}, Stdout: true}), StreamOptions{Stdout: io.Discard}); err != nil {
		t.Fatalf("exit 0: %v", err)
	}
}

func TestStreamStdinUntilEOF(t *testing.T) {
	srv := execServer(t, func(ctx context.Context, s Streams) (int, error) {
		// cat: ends only when the client's close signal ends stdin.
		n, err := io.Copy(s.Stdout, s.Stdin)
		fmt.Fprintf(s.Stderr, "%d bytes", n)
		return 0, err
	})
	in := strings.Repeat("0123456789abcdef", 20000) // 320 KB: many messages both ways
	var out, errb bytes.Buffer
	err := stream(t, execURL(srv, Options{Command: []string{"cat"}, Stdin: true, Stdout: true, Stderr: true}),
		StreamOptions{Stdin: strings.NewReader(in), Stdout: &out, Stderr: &errb})
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != in || errb.String() != fmt.Sprint(len(in), " bytes") {
		t.Fatalf("got %d bytes back, stderr %q", out.Len(), errb.String())
	}
}

func TestStreamStdinNotRead(t *testing.T) {
	// A command that ignores stdin must still finish and close cleanly.
	srv := execServer(t, func(ctx context.Context, s Streams) (int, error) {
		fmt.Fprint(s.Stdout, "hi\n")
		return 0, nil
	})
	pr, pw := io.Pipe()
	defer pw.Close()
	go func() { _, _ = pw.Write(bytes.Repeat([]byte("x"), 1<<20)) }()
	var out bytes.Buffer
	if err := stream(t, execURL(srv, Options{Command: []string{"echo", "hi"}, Stdin: true, Stdout: true}), StreamOptions{Stdin: pr, Stdout: &out}); err != nil {
		t.Fatal(err)
	}
	if out.String() != "hi\n" {
		t.Fatalf("out = %q", out.String())
	}
}

func TestStreamRunError(t *testing.T) {
	srv := execServer(t, func(ctx context.Context, s Streams) (int, error) {
		return 0, errors.New(`container "c" is not running`)
	})
	err := stream(t, execURL(srv, Options{Command: []string{"ls"}, Stdout: true}), StreamOptions{Stdout: io.Discard})
	var ee *ExitError
	if err == nil || errors.As(err, &ee) || !strings.Contains(err.Error(), `container "c" is not running`) {
		t.Fatalf("err = %v", err)
	}
}

func TestStreamResize(t *testing.T) {
	srv := execServer(t, func(ctx context.Context, s Streams) (int, error) {
		if s.Stderr != nil {
			t.Error("stderr with a TTY")
		}
		select {
		case ts := <-s.Resize:
			fmt.Fprintf(s.Stdout, "%dx%d", ts.Width, ts.Height)
		case <-time.After(5 * time.Second):
			return 1, nil
		}
		return 0, nil
	})
	sizes := make(chan TerminalSize, 1)
	sizes <- TerminalSize{Width: 120, Height: 40}
	var out bytes.Buffer
	err := stream(t, execURL(srv, Options{Command: []string{"sh"}, Stdout: true, Stderr: true, TTY: true}), StreamOptions{Stdout: &out, Resize: sizes})
	if err != nil || out.String() != "120x40" {
		t.Fatalf("out %q, err %v", out.String(), err)
	}
}

func TestStreamClientGoneCancelsCommand(t *testing.T) {
	cancelled := make(chan struct{})
	started := make(chan struct{})
	srv := execServer(t, func(ctx context.Context, s Streams) (int, error) {
		close(started)
		select {
		case <-ctx.Done():
			close(cancelled)
			return 0, ctx.Err()
		case <-time.After(10 * time.Second):
			return 0, nil
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		errc <- Stream(ctx, execURL(srv, Options{Command: []string{"sleep", "inf"}, Stdout: true}), StreamOptions{Stdout: io.Discard})
	}()
	<-started
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("Stream = %v", err)
	}
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("the command was not cancelled when the client went away")
	}
}

func TestStreamRefused(t *testing.T) {
	srv := execServer(t, func(ctx context.Context, s Streams) (int, error) { return 0, nil })
	// A plain request (as SPDY's would be) gets 400 with the reason.
	resp, err := http.Post(execURL(srv, Options{Command: []string{"ls"}, Stdout: true}), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(b), "WebSocket upgrade") {
		t.Fatalf("plain request: %d %s", resp.StatusCode, b)
	}
	// A refused handshake is a HandshakeError with the server's answer.
	err = stream(t, srv.URL+"/exec?stdout=true", StreamOptions{Stdout: io.Discard})
	var he *HandshakeError
	if !errors.As(err, &he) || he.StatusCode != 400 || !strings.Contains(string(he.Body), "at least 1 command") {
		t.Fatalf("err = %v", err)
	}
	// Only the channel protocols we speak are accepted.
	d := websocket.Dialer{Subprotocols: []string{"base64.channel.k8s.io"}}
	ws, _ := WebSocketURL(execURL(srv, Options{Command: []string{"ls"}, Stdout: true}))
	if c, resp, err := d.Dial(ws, nil); err == nil || resp == nil || resp.StatusCode != 400 {
		if c != nil {
			c.Close()
		}
		t.Fatalf("base64 protocol accepted: %v", err)
	}
}

// TestServerWire checks the bytes the real kubectl relies on: output
// frames, then the Status on channel 3, then a normal close, for v5 and v4.
func TestServerWire(t *testing.T) {
	srv := execServer(t, func(ctx context.Context, s Streams) (int, error) {
		b := make([]byte, 3)
		_, err := io.ReadFull(s.Stdin, b)
		fmt.Fprintf(s.Stdout, "got %s", b)
		return 7, err
	})
	for _, proto := range []string{ProtocolV5, ProtocolV4} {
		t.Run(proto, func(t *testing.T) {
			ws, _ := WebSocketURL(execURL(srv, Options{Command: []string{"cat"}, Stdin: true, Stdout: true, Stderr: true}))
			d := websocket.Dialer{Subprotocols: []string{proto}}
			c, _, err := d.Dial(ws, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if c.Subprotocol() != proto {
				t.Fatalf("negotiated %q", c.Subprotocol())
			}
			if err := c.WriteMessage(websocket.BinaryMessage, Frame(ChannelStdin, []byte("abc"))); err != nil {
				t.Fatal(err)
			}
			if proto == ProtocolV5 {
				if err := c.WriteMessage(websocket.BinaryMessage, CloseFrame(ChannelStdin)); err != nil {
					t.Fatal(err)
				}
			}
			var msgs [][]byte
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			for {
				mt, m, err := c.ReadMessage()
				if err != nil {
					if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
						t.Fatalf("end: %v", err)
					}
					break
				}
				if mt != websocket.BinaryMessage {
					t.Fatalf("message type %d", mt)
				}
				msgs = append(msgs, m)
			}
			if len(msgs) != 2 || string(msgs[0]) != "\x01got abc" || msgs[1][0] != ChannelError {
				t.Fatalf("messages = %q", msgs)
			}
			var st map[string]any
			if err := json.Unmarshal(msgs[1][1:], &st); err != nil || st["reason"] != "NonZeroExitCode" {
				t.Fatalf("status = %s (%v)", msgs[1][1:], err)
			}
		})
	}
}

// TestServerAnswersPingsWhileStdinWaits: stdin the command does not read
// yet must not stop the server from answering the client's heartbeat
// (the real kubectl gives up after a minute without pongs).
func TestServerAnswersPingsWhileStdinWaits(t *testing.T) {
	release := make(chan struct{})
	srv := execServer(t, func(ctx context.Context, s Streams) (int, error) {
		<-release
		n, err := io.Copy(io.Discard, s.Stdin)
		fmt.Fprintf(s.Stdout, "%d", n)
		return 0, err
	})
	defer close(release)
	ws, _ := WebSocketURL(execURL(srv, Options{Command: []string{"cat"}, Stdin: true, Stdout: true}))
	c, _, err := (&websocket.Dialer{Subprotocols: []string{ProtocolV5}}).Dial(ws, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	chunk := bytes.Repeat([]byte("x"), 32<<10)
	for i := 0; i < 20; i++ {
		if err := c.WriteMessage(websocket.BinaryMessage, Frame(ChannelStdin, chunk)); err != nil {
			t.Fatal(err)
		}
	}
	// Send stdin data after a close signal too: the server must ignore it.
	_ = c.WriteMessage(websocket.BinaryMessage, CloseFrame(ChannelStdin))
	_ = c.WriteMessage(websocket.BinaryMessage, Frame(ChannelStdin, []byte("late")))
	pong := make(chan struct{}, 1)
	c.SetPongHandler(func(string) error { pong <- struct{}{}; return nil })
	if err := c.WriteControl(websocket.PingMessage, []byte("hb"), time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	readErr := make(chan error, 1)
	var msgs [][]byte
	go func() {
		for {
			_, m, err := c.ReadMessage()
			if err != nil {
				readErr <- err
				return
			}
			msgs = append(msgs, m)
		}
	}()
	select {
	case <-pong:
	case <-time.After(5 * time.Second):
		t.Fatal("no pong while the command was not reading stdin")
	}
	release <- struct{}{}
	select {
	case err := <-readErr:
		if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
			t.Fatalf("end: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the exec did not end")
	}
	if len(msgs) != 2 || string(msgs[0]) != fmt.Sprint("\x01", 20*len(chunk)) {
		t.Fatalf("messages = %q", msgs)
	}
}
