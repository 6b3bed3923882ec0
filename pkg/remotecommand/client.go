package remotecommand

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// StreamOptions are the local ends of an exec; nil streams are not
// connected (the URL's query says which ones the server opens).
type StreamOptions struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Resize sends terminal sizes until it is closed or the command ends.
	Resize <-chan TerminalSize
	// Header is added to the handshake request (e.g. User-Agent,
	// Authorization).
	Header http.Header
	// TLSClientConfig is used for https/wss URLs (nil: Go's defaults).
	TLSClientConfig *tls.Config
}

// HandshakeError is a refused upgrade: the server's HTTP status and body.
type HandshakeError struct {
	StatusCode int
	Body       []byte
}

func (e *HandshakeError) Error() string {
	return fmt.Sprintf("unable to upgrade connection: %d %s: %s", e.StatusCode, http.StatusText(e.StatusCode), bytes.TrimSpace(e.Body))
}

// WebSocketURL turns an http(s) URL into its ws(s) form.
func WebSocketURL(rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("exec URL %q: %w", rawURL, err)
	}
	switch u.Scheme {
	case "http", "ws":
		u.Scheme = "ws"
	case "https", "wss":
		u.Scheme = "wss"
	default:
		return "", fmt.Errorf("exec URL %q: scheme must be http or https", rawURL)
	}
	return u.String(), nil
}

// Stream runs an exec: it connects to the exec URL (http or https, with the
// query of Options.Query), copies the streams until the server closes, and
// returns nil for exit code 0, an *ExitError for another exit code, a
// *HandshakeError if the server refused the upgrade, or another error.
func Stream(ctx context.Context, rawURL string, o StreamOptions) error {
	wsURL, err := WebSocketURL(rawURL)
	if err != nil {
		return err
	}
	d := websocket.Dialer{Subprotocols: []string{ProtocolV5}, HandshakeTimeout: 30 * time.Second, TLSClientConfig: o.TLSClientConfig}
	conn, resp, err := d.DialContext(ctx, wsURL, o.Header)
	if err != nil {
		if errors.Is(err, websocket.ErrBadHandshake) && resp != nil {
			var body []byte
			if resp.Body != nil {
				body, _ = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
				resp.Body.Close()
			}
			return &HandshakeError{StatusCode: resp.StatusCode, Body: body}
		}
		return fmt.Errorf("exec: connect: %w", err)
	}
	defer conn.Close()
	if p := conn.Subprotocol(); p != ProtocolV5 {
		return fmt.Errorf("exec: the server did not negotiate %s (got %q)", ProtocolV5, p)
	}
	conn.SetReadLimit(maxMessage)

	var wmu sync.Mutex
	send := func(msg []byte) error {
		wmu.Lock()
		defer wmu.Unlock()
		_ = conn.SetWriteDeadline(time.Now().Add(writeTimeout))
		return conn.WriteMessage(websocket.BinaryMessage, msg)
	}
	done := make(chan struct{})
	defer close(done)
	go func() { // ctx ends the connection
		select {
		case <-ctx.Done():
			conn.Close()
		case <-done:
		}
	}()
	if o.Stdin != nil {
		// Not waited for: a read of a terminal cannot be interrupted.
		go func() {
			buf := make([]byte, maxChunk)
			for {
				n, err := o.Stdin.Read(buf)
				if n > 0 {
					if send(Frame(ChannelStdin, buf[:n])) != nil {
						return
					}
				}
				if err != nil {
					_ = send(CloseFrame(ChannelStdin))
					return
				}
			}
		}()
	}
	if o.Resize != nil {
		go func() {
			for {
				select {
				case ts, ok := <-o.Resize:
					if !ok {
						return
					}
					b, _ := json.Marshal(ts)
					if send(Frame(ChannelResize, b)) != nil {
						return
					}
				case <-done:
					return
				}
			}
		}()
	}

	var status bytes.Buffer
	for {
		mt, msg, err := conn.ReadMessage()
		if err != nil {
			if websocket.IsCloseError(err, websocket.CloseNormalClosure) {
				break
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if status.Len() > 0 { // the exit status arrived; the close did not
				break
			}
			return fmt.Errorf("exec: connection lost: %w", err)
		}
		if mt != websocket.BinaryMessage {
			continue
		}
		ch, data, err := ParseFrame(msg)
		if err != nil {
			continue
		}
		var w io.Writer
		switch ch {
		case ChannelStdout:
			w = o.Stdout
		case ChannelStderr:
			w = o.Stderr
		case ChannelError:
			w = &status
		}
		if w != nil {
			if _, err := w.Write(data); err != nil {
				return fmt.Errorf("exec: write output: %w", err)
			}
		}
	}
	code, err := DecodeStatus(status.Bytes())
	if err != nil {
		return err
	}
	if code != 0 {
		return &ExitError{Code: code}
	}
	return nil
}
