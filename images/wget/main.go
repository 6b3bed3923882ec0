// Command wget is the tools image's wget: the options of busybox wget
// (-c -q -S -O -o -P -U -T -Y, --spider, --header, --post-data,
// --post-file, --no-check-certificate) with its messages and exit codes.
// Debian's static busybox 1.35 is built without FEATURE_WGET_TIMEOUT and
// crashes on `wget -T SEC` (a NULL dereference in its option parsing), so
// the image ships this static Go build at /usr/bin/wget instead of the
// busybox applet.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts, err := ParseArgs(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "wget: %v\n%s", err, usage)
		os.Exit(1)
	}
	os.Exit(Run(ctx, opts, os.Stdout, os.Stderr))
}
