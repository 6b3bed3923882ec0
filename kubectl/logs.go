package kubectl

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"minik8s/pkg/client"
)

// logsURL is the pods/log URL of a logs request.
func logsURL(server, ns, pod, container string, follow, previous, timestamps bool, tail int64) string {
	q := url.Values{}
	if container != "" {
		q.Set("container", container)
	}
	if follow {
		q.Set("follow", "true")
	}
	if previous {
		q.Set("previous", "true")
	}
	if timestamps {
		q.Set("timestamps", "true")
	}
	if tail >= 0 {
		q.Set("tailLines", strconv.FormatInt(tail, 10))
	}
	u := strings.TrimRight(server, "/") + "/api/v1/namespaces/" + url.PathEscape(ns) + "/pods/" + url.PathEscape(pod) + "/log"
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

func newLogsCommand(o *options) *cobra.Command {
	var container string
	var follow, previous, timestamps bool
	var tail int64
	cmd := &cobra.Command{
		Use:   "logs [-f] [-p] POD [-c CONTAINER]",
		Short: "Print the logs for a container in a pod",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return usageError(cmd, "expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			c, ns, err := o.clientNS()
			if err != nil {
				return err
			}
			pod := strings.TrimPrefix(strings.TrimPrefix(args[0], "pods/"), "pod/")
			if len(args) == 2 && container == "" {
				container = args[1]
			}
			return streamLogs(cmd.Context(), c, logsURL(c.Server(), ns, pod, container, follow, previous, timestamps, tail), o.out)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&container, "container", "c", "", "Print the logs of this container")
	f.BoolVarP(&follow, "follow", "f", false, "Specify if the logs should be streamed")
	f.BoolVarP(&previous, "previous", "p", false, "Print the logs for the previous instance of the container")
	f.BoolVar(&timestamps, "timestamps", false, "Include timestamps on each line in the log output")
	f.Int64Var(&tail, "tail", -1, "Lines of recent log file to display (-1: all)")
	return cmd
}

// streamLogs copies a log response to out as it arrives.
func streamLogs(ctx context.Context, c *client.Client, u string, out io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("logs: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return client.NewStatusError(resp.StatusCode, b)
	}
	_, err = io.Copy(out, resp.Body)
	return err
}
