package remotecommand

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

const (
	writeTimeout = 60 * time.Second
	// closeTimeout bounds the wait for the client's answer to our close.
	closeTimeout = 5 * time.Second
	// maxChunk bounds one output message.
	maxChunk = 32 << 10
	// maxMessage bounds one incoming message (kubectl sends 32 KiB chunks).
	maxMessage = 4 << 20
	// stdinQueue is how many stdin messages wait for the command to read.
	stdinQueue = 64
	// startGrace is the longest output waits for the client's first
	// message (see session.ready).
	startGrace = 100 * time.Millisecond
)

// Streams are the ends a command gets from Serve; a stream the client did
// not ask for is nil. Resize carries terminal sizes (TTY only); a runtime
// that cannot resize may ignore it.
type Streams struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Resize <-chan TerminalSize
}

// RunFunc runs the command with the streams and returns its exit code; ctx
// ends when the client goes away.
type RunFunc func(ctx context.Context, s Streams) (int, error)

// CheckUpgrade says why r cannot become an exec stream ("" if it can):
// it must be a WebSocket upgrade offering a subprotocol we speak.
func CheckUpgrade(r *http.Request) string {
	if !websocket.IsWebSocketUpgrade(r) {
		up := r.Header.Get("Upgrade")
		if up == "" {
			up = "none"
		}
		return fmt.Sprintf("exec needs a WebSocket upgrade with subprotocol %s (got upgrade %q; SPDY is not supported)", ProtocolV5, up)
	}
	if _, ok := Negotiate(websocket.Subprotocols(r)); !ok {
		return fmt.Sprintf("none of the offered subprotocols [%s] is supported: use %s", strings.Join(websocket.Subprotocols(r), " "), ProtocolV5)
	}
	return ""
}

// Serve upgrades r to a WebSocket (answering 400 if it cannot be one), runs
// the command with the streams opts asks for, sends its exit status on the
// error channel and closes the connection. It returns when all is done.
func Serve(w http.ResponseWriter, r *http.Request, opts Options, run RunFunc) {
	if why := CheckUpgrade(r); why != "" {
		http.Error(w, why, http.StatusBadRequest)
		return
	}
	proto, _ := Negotiate(websocket.Subprotocols(r))
	up := websocket.Upgrader{Subprotocols: []string{proto}, HandshakeTimeout: 10 * time.Second, CheckOrigin: anyOrigin}
	conn, err := up.Upgrade(w, r, nil) // answers the client itself on failure
	if err != nil {
		return
	}
	conn.SetReadLimit(maxMessage)
	s := &session{conn: conn, v5: proto == ProtocolV5, ready: make(chan struct{})}
	t := time.AfterFunc(startGrace, s.markReady)
	defer t.Stop()
	s.serve(r.Context(), opts, run)
}

// anyOrigin accepts every Origin header. Exec is not a browser API: as in
// Kubernetes, the caller's credentials decide, not its origin. The official
// Python client (websocket-client) sends "Origin: http://<apiserver>", which
// never matches the kubelet's host once the apiserver has proxied the request.
func anyOrigin(*http.Request) bool { return true }

// session is one server-side exec connection.
type session struct {
	conn *websocket.Conn
	v5   bool
	wmu  sync.Mutex // one writer at a time

	// ready is closed once the client has surely set up its streams: on
	// its first message or after startGrace. kubectl 1.32 reads the
	// connection before it has created its stream pipes and drops what
	// arrives for a stream not created yet ("Unknown stream id 1,
	// discarding message"), so nothing is sent before ready.
	ready     chan struct{}
	readyOnce sync.Once
}

func (s *session) markReady() { s.readyOnce.Do(func() { close(s.ready) }) }

func (s *session) send(ch byte, data []byte) error {
	<-s.ready
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_ = s.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	return s.conn.WriteMessage(websocket.BinaryMessage, Frame(ch, data))
}

// channelWriter writes to one output channel in bounded messages.
type channelWriter struct {
	s  *session
	ch byte
}

func (w channelWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		c := p
		if len(c) > maxChunk {
			c = c[:maxChunk]
		}
		if err := w.s.send(w.ch, c); err != nil {
			return n, err
		}
		n += len(c)
		p = p[len(c):]
	}
	return n, nil
}

func (s *session) serve(ctx context.Context, opts Options, run RunFunc) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var streams Streams
	var stdinR *io.PipeReader
	var stdinW *io.PipeWriter
	if opts.Stdin {
		stdinR, stdinW = io.Pipe()
		streams.Stdin = stdinR
	}
	if opts.Stdout {
		streams.Stdout = channelWriter{s, ChannelStdout}
	}
	if opts.Stderr && !opts.TTY {
		streams.Stderr = channelWriter{s, ChannelStderr}
	}
	resize := make(chan TerminalSize, 8)
	if opts.TTY {
		streams.Resize = resize
	}

	// Stdin goes through a queue so that the reader keeps reading (and
	// answering the client's pings) while the command is not reading stdin.
	var stdinQ chan []byte
	endStdin := func() {}
	if stdinW != nil {
		stdinQ = make(chan []byte, stdinQueue)
		var once sync.Once
		endStdin = func() { once.Do(func() { close(stdinQ) }) }
		go func() {
			for b := range stdinQ {
				_, _ = stdinW.Write(b) // fails only once the command is done
			}
			stdinW.Close()
		}()
	}
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		defer cancel() // the client is gone (or answered our close)
		defer endStdin()
		stdinEnded := false
		for {
			mt, msg, err := s.conn.ReadMessage()
			if err != nil {
				return
			}
			s.markReady()
			// Kubernetes reads text and binary messages alike; the
			// Python client sends stdin given as str in text messages.
			if mt != websocket.BinaryMessage && mt != websocket.TextMessage {
				continue
			}
			ch, data, err := ParseFrame(msg)
			if err != nil {
				continue
			}
			switch ch {
			case ChannelStdin:
				if stdinQ != nil && !stdinEnded && len(data) > 0 {
					stdinQ <- data
				}
			case ChannelClose:
				if s.v5 && len(data) > 0 && data[0] == ChannelStdin {
					stdinEnded = true
					endStdin()
				}
			case ChannelResize:
				var ts TerminalSize
				if opts.TTY && json.Unmarshal(data, &ts) == nil {
					select {
					case resize <- ts:
					default: // the runtime is not reading sizes: drop
					}
				}
			}
		}
	}()

	code, err := run(ctx, streams)
	if stdinR != nil {
		stdinR.Close() // unblock a pending stdin write
	}
	st, _ := json.Marshal(ExitStatus(code, err))
	_ = s.send(ChannelError, st)
	s.wmu.Lock()
	_ = s.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(closeTimeout))
	s.wmu.Unlock()
	// Let the client read everything and answer the close before the TCP
	// connection goes (closing with unread input would reset it).
	select {
	case <-readDone:
	case <-time.After(closeTimeout):
	}
	s.conn.Close()
	<-readDone
}
