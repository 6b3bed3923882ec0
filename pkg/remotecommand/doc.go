// Package remotecommand is the Kubernetes streaming protocol of exec over
// WebSocket, as the real kubectl (v1.29+) speaks it: subprotocol
// v5.channel.k8s.io (v4.channel.k8s.io is accepted by the server too).
//
// Every binary WebSocket message starts with a channel byte: 0 stdin,
// 1 stdout, 2 stderr, 3 error (the command's exit as a JSON metav1 Status,
// sent once before the server closes), 4 resize (JSON {Width, Height}).
// Version 5 adds the close signal: the message [255, ch] says the peer is
// done writing channel ch (stdin EOF).
//
// It owns the framing, the exec query (command, container, stdin, stdout,
// stderr, tty), the Status <-> exit code mapping, the server side (Serve,
// used by the kubelet) and the client side (Stream, used by our kubectl).
// The apiserver only proxies the upgraded connection byte for byte.
package remotecommand
