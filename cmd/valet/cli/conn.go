package cli

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"valet.dev/valet/shared/client"
)

// connFlags are the flags of every command that calls valet.
type connFlags struct {
	profile, token, url, stack     string
	jobsURL, objectsURL, tokensURL string
	useDev                         bool
}

var connFlagNames = map[string]bool{"profile": true, "token": true, "url": true, "stack": true,
	"jobs-url": true, "objects-url": true, "tokens-url": true, "dev": true}

func isConnFlag(name string) bool { return connFlagNames[name] }

func (c *connFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.profile, "profile", "", "profile to use (default $VALET_PROFILE, else the config's current one)")
	fs.StringVar(&c.token, "token", "", "bearer credential (default $VALET_TOKEN, else the profile's login)")
	fs.StringVar(&c.url, "url", "", "base URL of valet: function F at URL/F (default $VALET_URL, else the profile's)")
	fs.StringVar(&c.jobsURL, "jobs-url", "", "URL of the jobs function (default $VALET_JOBS_URL, else the profile's)")
	fs.StringVar(&c.objectsURL, "objects-url", "", "URL of the objects function (default $VALET_OBJECTS_URL, else the profile's)")
	fs.StringVar(&c.tokensURL, "tokens-url", "", "URL of the tokens function (default $VALET_TOKENS_URL, else the profile's)")
	fs.BoolVar(&c.useDev, "dev", false, "use the local stack: the .dev/stack.json found from the working directory up")
	fs.StringVar(&c.stack, "stack", "", "use the local stack described by this stack.json (default $VALET_STACK)")
}

const precedenceHelp = `Where a command finds valet: a flag wins over the environment (VALET_PROFILE,
VALET_TOKEN, VALET_URL, VALET_JOBS_URL, VALET_OBJECTS_URL, VALET_TOKENS_URL,
VALET_STACK), which wins over the profile (valet config). Without any of
them, valet uses the local stack whose .dev/stack.json it finds from the
working directory up. The credential is --token, else $VALET_TOKEN, else
the profile's (valet login).
`

// apiFunctions are the functions the CLI calls.
var apiFunctions = []string{client.Jobs, client.Objects, client.Tokens}

// layer is one level of the precedence: flags, environment, profile.
type layer struct {
	name  string            // for messages: "flag", "environment", "profile \"p\""
	urls  map[string]string // function → URL
	base  string
	stack string // a stack.json path, or walkUp
}

// walkUp is a layer's stack found by walking up from the working directory.
const walkUp = "\x00walk"

// conn is where one invocation calls valet and with which profile.
type conn struct {
	cfg      *Config
	name     string   // the profile's name (it may not exist in cfg)
	profile  *Profile // nil when the config has no such profile
	stack    *client.Stack
	stackSrc string            // the stack.json read, if any
	source   map[string]string // function → where its URL came from, for hints
	flags    connFlags
	urls     map[string]string
	missing  error // why no URL was found, when nothing configures valet
}

// resolve applies the precedence to find the profile, the URLs and the
// local stack (when one is used). It does not need a credential.
func (f connFlags) resolve() (*conn, error) {
	cfg, err := loadConfig()
	if err != nil {
		return nil, err
	}
	c := &conn{cfg: cfg, flags: f, source: map[string]string{}, urls: map[string]string{}}
	name, explicit := f.profile, true
	if name == "" {
		name = os.Getenv("VALET_PROFILE")
	}
	if name == "" {
		name, explicit = cfg.Current, false
	}
	if name != "" {
		c.profile = cfg.profile(name)
		if c.profile == nil && (explicit || !f.useDev) {
			return nil, fmt.Errorf("no profile %q in the config: `valet config list` shows them, `valet config set KEY VALUE --profile %s` creates it", name, name)
		}
	}
	devFlag := f.useDev || f.stack != ""
	if (devFlag && !explicit) || name == "" {
		// --dev, or nothing configured (valet then uses the local stack):
		// the profile "dev", whose login `valet login --dev SUB` stores.
		name = "dev"
		c.profile = cfg.profile(name)
	}
	c.name = name

	flagStack := f.stack
	if flagStack == "" && f.useDev {
		// --dev: the local stack named by $VALET_STACK or the dev
		// profile, else the one found from the working directory up.
		flagStack = os.Getenv("VALET_STACK")
		if flagStack == "" && c.profile != nil {
			flagStack = c.profile.Stack
		}
		if flagStack == "" {
			flagStack = walkUp
		}
	}
	layers := []layer{
		{"flag", map[string]string{client.Jobs: f.jobsURL, client.Objects: f.objectsURL, client.Tokens: f.tokensURL}, f.url, flagStack},
		{"environment", map[string]string{client.Jobs: os.Getenv("VALET_JOBS_URL"), client.Objects: os.Getenv("VALET_OBJECTS_URL"),
			client.Tokens: os.Getenv("VALET_TOKENS_URL")}, os.Getenv("VALET_URL"), os.Getenv("VALET_STACK")},
	}
	if p := c.profile; p != nil {
		layers = append(layers, layer{fmt.Sprintf("profile %q", name),
			map[string]string{client.Jobs: p.JobsURL, client.Objects: p.ObjectsURL, client.Tokens: p.TokensURL}, p.URL, p.Stack})
	} else {
		layers = append(layers, layer{name: "default", stack: walkUp})
	}
	for _, fn := range apiFunctions {
		for _, l := range layers {
			if u := l.urls[fn]; u != "" {
				c.urls[fn], c.source[fn] = strings.TrimSuffix(u, "/"), fmt.Sprintf("%s-url (%s)", fn, l.name)
				break
			}
			if l.base != "" {
				c.urls[fn], c.source[fn] = strings.TrimSuffix(l.base, "/")+"/"+fn, fmt.Sprintf("url (%s)", l.name)
				break
			}
			if l.stack != "" {
				if err := c.loadStack(l.stack); err != nil {
					if l.name != "default" {
						return nil, err
					}
					c.missing = fmt.Errorf("valet is not configured and %w; or configure a deployment: `valet config set url URL`", err)
					break
				}
				c.urls[fn], c.source[fn] = c.stack.Functions[fn], "the local stack ("+c.stackSrc+")"
				break
			}
		}
	}
	return c, nil
}

// loadStack reads the stack at path (walkUp: found from the working
// directory up); a second call with the same stack is free.
func (c *conn) loadStack(path string) error {
	if path == walkUp {
		p, err := findStack()
		if err != nil {
			return err
		}
		path = p
	}
	if c.stack != nil && c.stackSrc == path {
		return nil
	}
	s, err := client.LoadStack(path)
	if err != nil {
		return err
	}
	c.stack, c.stackSrc = &s, path
	return nil
}

// client builds the API client with the credential.
func (in *inv) client() (*client.Client, *conn, error) {
	c, err := in.conn.resolve()
	if err != nil {
		return nil, nil, err
	}
	in.resolved = c
	if c.missing != nil && len(c.source) == 0 {
		return nil, c, c.missing // nothing configured at all
	}
	token, err := c.credential(in.env)
	if err != nil {
		return nil, c, err
	}
	return &client.Client{JobsURL: c.urls[client.Jobs], ObjectsURL: c.urls[client.Objects], TokensURL: c.urls[client.Tokens], Token: token}, c, nil
}

// errNotLoggedIn is a missing credential.
var errNotLoggedIn = errors.New("not logged in")

// credential is --token, else $VALET_TOKEN, else the profile's stored
// login (refreshed when it has expired and the issuer gave a refresh token).
func (c *conn) credential(e env) (string, error) {
	if c.flags.token != "" {
		return c.flags.token, nil
	}
	if t := os.Getenv("VALET_TOKEN"); t != "" {
		return t, nil
	}
	cred, err := loadCredential(c.name)
	if err != nil {
		return "", err
	}
	if cred == nil {
		return "", exitError{ExitAuthNeeded, fmt.Errorf("%w to profile %q: run `%s`, or pass --token or set VALET_TOKEN", errNotLoggedIn, c.name, c.loginCommand())}
	}
	return cred.fresh(e.ctx, c.name)
}

// loginCommand is what to run to log in to this profile.
func (c *conn) loginCommand() string {
	cmd := "valet login"
	if c.stack != nil && (c.profile == nil || c.profile.Issuer == "") {
		cmd += " --dev alice"
		if c.flags.useDev {
			return cmd
		}
	}
	if c.flags.profile != "" {
		cmd += " --profile " + c.flags.profile
	}
	return cmd
}
