package cli

import (
	"fmt"
	"time"

	"valet.dev/valet/shared/client"
)

// login mints a user token from the local stack's dev issuer and prints it
// on stdout, for `export VALET_TOKEN=$(valet login --dev alice)`.
func (e env) login(args []string) error {
	fs := e.newFlags("login")
	dev := fs.String("dev", "", "user (sub) to mint a dev token for; the only kind of login so far")
	stack := fs.String("stack", "", "local stack description (default $VALET_STACK or .dev/stack.json)")
	ttl := fs.Duration("ttl", time.Hour, "token lifetime (at most 1h, as Google's ID tokens)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *dev == "" {
		return usageError{"pass --dev SUB: only the local stack's dev issuer is supported (use --token with a real credential)"}
	}
	s, err := client.LoadStack(*stack)
	if err != nil {
		return err
	}
	tok, err := client.MintDevToken(e.ctx, s.Issuer, client.DevTokenRequest{
		Sub: *dev, Email: *dev + "@example.com", TTLSeconds: int(ttl.Seconds()),
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, tok)
	if client.IsTerminal(e.stdout) {
		fmt.Fprintln(e.stderr, "export it: export VALET_TOKEN=$(valet login --dev "+*dev+")")
	}
	return nil
}
