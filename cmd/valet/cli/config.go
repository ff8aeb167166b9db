package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// The config file is JSON, not YAML: valet's binaries carry no YAML
// parser, every other file valet writes (.dev/stack.json, credentials) is
// JSON, and people edit it through `valet config set` (docs/cli.md).

// Config is the config file: named profiles and the one in use.
type Config struct {
	Current  string              `json:"current,omitempty"`
	Profiles map[string]*Profile `json:"profiles,omitempty"`
}

// Profile is one deployment of valet and how to log in to it.
type Profile struct {
	URL        string `json:"url,omitempty"`        // base URL: function F at URL/F
	JobsURL    string `json:"jobsUrl,omitempty"`    // per-function URLs win over url
	ObjectsURL string `json:"objectsUrl,omitempty"` //
	TokensURL  string `json:"tokensUrl,omitempty"`  //
	Issuer     string `json:"issuer,omitempty"`     // OIDC issuer for valet login
	Audience   string `json:"audience,omitempty"`   // aud valet accepts (default: the client id)
	ClientID   string `json:"clientId,omitempty"`   // OAuth client id of the CLI at the issuer
	// ClientSecret is the "secret" some issuers (Google) give installed
	// apps; it is not confidential there (RFC 8252 section 8.5).
	ClientSecret string `json:"clientSecret,omitempty"`
	Stack        string `json:"stack,omitempty"` // a local stack's stack.json: URLs and issuer from it
}

// profileKeys are the keys of `valet config set|get`, in help order.
var profileKeys = []struct {
	key, desc string
	field     func(*Profile) *string
}{
	{"url", "base URL: function F answers at URL/F (Cloud Functions: https://REGION-PROJECT.cloudfunctions.net)", func(p *Profile) *string { return &p.URL }},
	{"jobs-url", "URL of the jobs function (wins over url)", func(p *Profile) *string { return &p.JobsURL }},
	{"objects-url", "URL of the objects function (wins over url)", func(p *Profile) *string { return &p.ObjectsURL }},
	{"tokens-url", "URL of the tokens function (wins over url)", func(p *Profile) *string { return &p.TokensURL }},
	{"issuer", "OIDC issuer valet login signs in with (e.g. https://accounts.google.com)", func(p *Profile) *string { return &p.Issuer }},
	{"audience", "audience of the ID tokens valet accepts (default: client-id)", func(p *Profile) *string { return &p.Audience }},
	{"client-id", "OAuth client id of the CLI at the issuer (a desktop/native client)", func(p *Profile) *string { return &p.ClientID }},
	{"client-secret", "the non-confidential secret some issuers (Google) give installed apps; leave unset for public clients", func(p *Profile) *string { return &p.ClientSecret }},
	{"stack", "path of a local stack's stack.json: URLs and issuer come from it", func(p *Profile) *string { return &p.Stack }},
}

func profileField(p *Profile, key string) (*string, error) {
	for _, k := range profileKeys {
		if k.key == key {
			return k.field(p), nil
		}
	}
	names := make([]string, len(profileKeys))
	for i, k := range profileKeys {
		names[i] = k.key
	}
	return nil, usageError{fmt.Sprintf("unknown key %q: one of %s", key, strings.Join(names, ", "))}
}

// configDir is $VALET_CONFIG_DIR, else os.UserConfigDir()/valet
// ($XDG_CONFIG_HOME/valet or ~/.config/valet on Linux, ~/Library/Application
// Support/valet on macOS, %AppData%\valet on Windows).
func configDir() (string, error) {
	if d := os.Getenv("VALET_CONFIG_DIR"); d != "" {
		return d, nil
	}
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the config directory: %w (set VALET_CONFIG_DIR)", err)
	}
	return filepath.Join(d, "valet"), nil
}

func configPath() (string, error) {
	d, err := configDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "config.json"), nil
}

// loadConfig reads the config file; a missing file is an empty config.
func loadConfig() (*Config, error) {
	path, err := configPath()
	if err != nil {
		return nil, err
	}
	c := &Config{}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if err := json.Unmarshal(b, c); err != nil {
		return nil, fmt.Errorf("parse %s: %w (fix or remove it)", path, err)
	}
	return c, nil
}

// save writes the config file atomically, readable by the user only.
func (c *Config) save() error {
	path, err := configPath()
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return writePrivate(path, append(b, '\n'))
}

// writePrivate writes path atomically with mode 0600 in a 0700 directory.
func writePrivate(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// profile returns the named profile, or nil.
func (c *Config) profile(name string) *Profile {
	return c.Profiles[name]
}

func (c *Config) names() []string {
	var names []string
	for n := range c.Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// findStack walks up from the working directory to the first
// .dev/stack.json: `make dev` writes it at the root of the checkout, and
// valet finds it from any directory below.
func findStack() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, ".dev", "stack.json")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no .dev/stack.json in this directory or any above it: start the local stack with `make dev` in the checkout, or pass --stack FILE")
		}
		dir = parent
	}
}
