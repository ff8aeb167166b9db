package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzJWTClaims: whatever an issuer or a config file hands over as a
// token, reading its claims never panics.
func FuzzJWTClaims(f *testing.F) {
	f.Add("eyJhbGciOiJub25lIn0.eyJleHAiOjE3MDAwMDAwMDAsInN1YiI6ImEifQ.sig")
	f.Add("valet_abc_secret")
	f.Add("a.b.c")
	f.Add("..")
	f.Fuzz(func(t *testing.T, tok string) {
		_ = jwtClaims(tok)
		_ = jwtExpiry(tok)
	})
}

// FuzzConfigFile: a damaged config or credential file is an error that
// says which file, never a panic.
func FuzzConfigFile(f *testing.F) {
	f.Add([]byte(`{"current":"prod","profiles":{"prod":{"url":"https://x"}}}`))
	f.Add([]byte(`{"profiles":{"p":null}}`))
	f.Add([]byte(`{"token":""}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		t.Setenv("VALET_CONFIG_DIR", dir)
		if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o600); err != nil {
			t.Fatal(err)
		}
		if cfg, err := loadConfig(); err == nil {
			for _, n := range cfg.names() {
				_ = cfg.profile(n)
			}
		} else if !strings.Contains(err.Error(), "config.json") {
			t.Fatalf("the error does not name the file: %v", err)
		}
		if err := os.MkdirAll(filepath.Join(dir, "credentials"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "credentials", "p.json"), b, 0o600); err != nil {
			t.Fatal(err)
		}
		_, _ = loadCredential("p")
	})
}

// FuzzArgs: any command line gets an exit code, never a panic, and never
// reaches the network (no URL is configured).
func FuzzArgs(f *testing.F) {
	f.Add("jobs get j_1 --json")
	f.Add("projects members set-role p bob owner")
	f.Add("config set url")
	f.Add("help jobs submit")
	f.Add("objects put -- --name")
	f.Fuzz(func(t *testing.T, line string) {
		dir := t.TempDir()
		t.Setenv("VALET_CONFIG_DIR", dir)
		t.Setenv("VALET_TOKEN", "")
		t.Setenv("VALET_STACK", filepath.Join(dir, "none.json"))
		args := strings.Fields(line)
		if len(args) > 0 && (args[0] == "login" || args[0] == "completion") {
			return // login waits for a browser; completion prints scripts
		}
		var o, e bytes.Buffer
		if code := Run(context.Background(), args, &o, &e); code < 0 || code > ExitAuthNeeded {
			t.Fatalf("exit code %d", code)
		}
	})
}
