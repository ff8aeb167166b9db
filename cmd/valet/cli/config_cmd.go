package cli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

func configCommands() []*command {
	var keys strings.Builder
	for _, k := range profileKeys {
		fmt.Fprintf(&keys, "  %-13s %s\n", k.key, k.desc)
	}
	keyArg := arg{name: "KEY", desc: "one of the keys below"}
	return []*command{
		{
			name: "config set", args: []arg{keyArg, {name: "VALUE", desc: "the value (\"\" unsets it)"}}, offline: true,
			summary: "set a key of a profile (the current one, or --profile), creating it",
			about:   "Keys:\n" + keys.String() + "\nThe first profile created becomes the current one.",
			example: "valet config set url https://europe-west1-acme.cloudfunctions.net --profile prod\nvalet config set issuer https://accounts.google.com --profile prod\nvalet config set client-id 1234.apps.googleusercontent.com --profile prod",
			setup: withProfile("the profile to change (default $VALET_PROFILE, else the current one, else \"default\")", func(in *inv, profile string) error {
				cfg, name, field, err := configKey(profile, in.args[0], true)
				if err != nil {
					return err
				}
				*field = in.args[1]
				if cfg.Current == "" {
					cfg.Current = name
				}
				if err := cfg.save(); err != nil {
					return err
				}
				fmt.Fprintf(in.stderr, "profile %q: %s = %q\n", name, in.args[0], in.args[1])
				return nil
			}),
		},
		{
			name: "config get", args: []arg{keyArg}, offline: true,
			summary: "print a key of a profile",
			about:   "Keys:\n" + keys.String(),
			example: "valet config get url\nvalet config get issuer --profile prod",
			setup: withProfile("the profile to read (default $VALET_PROFILE, else the current one)", func(in *inv, profile string) error {
				_, _, field, err := configKey(profile, in.args[0], false)
				if err != nil {
					return err
				}
				fmt.Fprintln(in.stdout, *field)
				return nil
			}),
		},
		{
			name: "config use", args: []arg{{name: "PROFILE", desc: "the profile to make current"}}, offline: true,
			summary: "make a profile the current one",
			example: "valet config use prod",
			setup: withConfig(func(in *inv, cfg *Config) error {
				name := in.args[0]
				if cfg.profile(name) == nil {
					return fmt.Errorf("no profile %q (profiles: %s): create it with `valet config set KEY VALUE --profile %s`", name, strings.Join(cfg.names(), ", "), name)
				}
				cfg.Current = name
				if err := cfg.save(); err != nil {
					return err
				}
				fmt.Fprintf(in.stderr, "now using profile %q\n", name)
				return nil
			}),
		},
		{
			name: "config list", offline: true, prints: true,
			summary: "list the profiles; * marks the current one",
			example: "valet config list\nvalet config list --json",
			setup: withConfig(func(in *inv, cfg *Config) error {
				return in.show(cfg, func(w io.Writer) {
					path, _ := configPath()
					fmt.Fprintf(w, "config: %s\n", path)
					table(w, []string{"", "PROFILE", "URL", "ISSUER"}, cfg.names(), func(n string) []string {
						p := cfg.Profiles[n]
						cur := ""
						if n == cfg.Current {
							cur = "*"
						}
						return []string{cur, n, orDash(firstNonEmpty(p.URL, p.JobsURL, p.Stack)), orDash(p.Issuer)}
					})
				})
			}),
		},
	}
}

// withProfile is the setup of a config command whose one flag is
// --profile (described by desc); run gets its value.
func withProfile(desc string, run func(in *inv, profile string) error) func(*flag.FlagSet, *inv) func() error {
	return func(fs *flag.FlagSet, in *inv) func() error {
		profile := fs.String("profile", "", desc)
		return func() error { return run(in, *profile) }
	}
}

// withConfig is the setup of a config command without flags that reads
// the config file; run gets what it holds.
func withConfig(run func(in *inv, cfg *Config) error) func(*flag.FlagSet, *inv) func() error {
	return noFlags(func(in *inv) error {
		cfg, err := loadConfig()
		if err != nil {
			return err
		}
		return run(in, cfg)
	})
}

// configTarget is the config and the profile a config command acts on:
// --profile, else $VALET_PROFILE, else the current one, else "default".
func configTarget(flagProfile string) (*Config, string, error) {
	cfg, err := loadConfig()
	if err != nil {
		return nil, "", err
	}
	name := firstNonEmpty(flagProfile, os.Getenv("VALET_PROFILE"), cfg.Current, "default")
	if !profileName.MatchString(name) {
		return nil, "", usageError{fmt.Sprintf("bad profile name %q: 1 to 64 letters, digits, '.', '_' or '-'", name)}
	}
	return cfg, name, nil
}

// configKey is what config set and get act on: the config, the profile's
// name (configTarget) and its field for key. With create a missing profile
// is added to the config; without, it is an error.
func configKey(flagProfile, key string, create bool) (cfg *Config, name string, field *string, err error) {
	if cfg, name, err = configTarget(flagProfile); err != nil {
		return nil, "", nil, err
	}
	p := cfg.profile(name)
	if p == nil {
		if !create {
			return nil, "", nil, fmt.Errorf("no profile %q: `valet config list` shows them", name)
		}
		p = &Profile{}
		if cfg.Profiles == nil {
			cfg.Profiles = map[string]*Profile{}
		}
		cfg.Profiles[name] = p
	}
	if field, err = profileField(p, key); err != nil {
		return nil, "", nil, err
	}
	return cfg, name, field, nil
}
