package kubectl

import "github.com/spf13/cobra"

// subresourceCommands are the commands built on pods/attach,
// pods/portforward, the proxy subresources and exec (cp).
func subresourceCommands(o *options) []*cobra.Command {
	return []*cobra.Command{newCpCommand(o), newAttachCommand(o), newProxyCommand(o), newPortForwardCommand(o)}
}
