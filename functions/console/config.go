package console

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"valet.dev/valet/shared/httpapi"
)

// The environment variables the deployed console reads (Terraform sets
// them; see docs/console.md).
const (
	EnvJobsURL       = "VALET_JOBS_URL"
	EnvObjectsURL    = "VALET_OBJECTS_URL"
	EnvTokensURL     = "VALET_TOKENS_URL"
	EnvIssuer        = "VALET_CONSOLE_ISSUER"
	EnvClientID      = "VALET_CONSOLE_CLIENT_ID"
	EnvAuthorization = "VALET_CONSOLE_AUTHORIZATION_ENDPOINT"
	EnvToken         = "VALET_CONSOLE_TOKEN_ENDPOINT"
	EnvStorageOrigin = "VALET_STORAGE_ORIGIN"
)

// DefaultStorageOrigin is where Google's signed URLs point.
const DefaultStorageOrigin = "https://storage.googleapis.com"

// Config is what the app needs to know, served at ConfigPath. None of it is
// secret: the app is a public OAuth client (PKCE, no client secret).
type Config struct {
	JobsURL               string `json:"jobsUrl"`
	ObjectsURL            string `json:"objectsUrl"`
	TokensURL             string `json:"tokensUrl"`
	Issuer                string `json:"issuer"`
	ClientID              string `json:"clientId"`
	AuthorizationEndpoint string `json:"authorizationEndpoint"`
	TokenEndpoint         string `json:"tokenEndpoint"`
	StorageOrigin         string `json:"storageOrigin"`
}

// LoadConfig reads the environment through getenv. When the issuer's
// endpoints are not set it reads them from the issuer's discovery document.
func LoadConfig(ctx context.Context, getenv func(string) string) (Config, error) {
	c := Config{
		JobsURL:               strings.TrimSpace(getenv(EnvJobsURL)),
		ObjectsURL:            strings.TrimSpace(getenv(EnvObjectsURL)),
		TokensURL:             strings.TrimSpace(getenv(EnvTokensURL)),
		Issuer:                strings.TrimSpace(getenv(EnvIssuer)),
		ClientID:              strings.TrimSpace(getenv(EnvClientID)),
		AuthorizationEndpoint: strings.TrimSpace(getenv(EnvAuthorization)),
		TokenEndpoint:         strings.TrimSpace(getenv(EnvToken)),
		StorageOrigin:         cmp.Or(strings.TrimSpace(getenv(EnvStorageOrigin)), DefaultStorageOrigin),
	}
	if c.Issuer != "" && (c.AuthorizationEndpoint == "" || c.TokenEndpoint == "") {
		if err := c.discover(ctx); err != nil {
			return c, err
		}
	}
	return c, c.Check()
}

// discover fills the endpoints from the issuer's discovery document.
func (c *Config) discover(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	u := strings.TrimSuffix(c.Issuer, "/") + "/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("console: %s: %w", EnvIssuer, err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("console: discovery of %s: %w", c.Issuer, err)
	}
	defer res.Body.Close()
	var doc struct {
		Authorization string `json:"authorization_endpoint"`
		Token         string `json:"token_endpoint"`
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("console: discovery of %s answered %s", c.Issuer, res.Status)
	}
	if err := json.NewDecoder(res.Body).Decode(&doc); err != nil {
		return fmt.Errorf("console: discovery of %s: %w", c.Issuer, err)
	}
	c.AuthorizationEndpoint = cmp.Or(c.AuthorizationEndpoint, doc.Authorization)
	c.TokenEndpoint = cmp.Or(c.TokenEndpoint, doc.Token)
	return nil
}

// Check says which setting is missing or malformed.
func (c Config) Check() error {
	for _, f := range []struct{ name, value string }{
		{EnvJobsURL, c.JobsURL}, {EnvObjectsURL, c.ObjectsURL}, {EnvTokensURL, c.TokensURL},
		{EnvIssuer, c.Issuer}, {EnvAuthorization, c.AuthorizationEndpoint}, {EnvToken, c.TokenEndpoint},
		{EnvStorageOrigin, c.StorageOrigin},
	} {
		if f.value == "" {
			return fmt.Errorf("console: %s is not set", f.name)
		}
		u, err := url.Parse(f.value)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("console: %s must be an http(s) URL without query, not %q", f.name, f.value)
		}
	}
	if c.ClientID == "" {
		return fmt.Errorf("console: %s is not set: the OAuth client id the issuer knows the console by", EnvClientID)
	}
	return nil
}

// ContentSecurityPolicy is the console's CSP: everything from the console
// itself, no inline script or style, no frames, forms only to the console,
// and connections only to the API functions, the issuer's token endpoint
// and the storage host.
func (c Config) ContentSecurityPolicy() string {
	connect := []string{"'self'"}
	for _, u := range []string{c.JobsURL, c.ObjectsURL, c.TokensURL, c.TokenEndpoint, c.StorageOrigin} {
		if o := origin(u); o != "" && !slices.Contains(connect, o) {
			connect = append(connect, o)
		}
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self'",
		"img-src 'self'",
		"connect-src " + strings.Join(connect, " "),
		"form-action 'none'",
		"frame-ancestors 'none'",
		"base-uri 'none'",
	}, "; ")
}

// origin is scheme://host of u, or "" when u is not an http(s) URL.
func origin(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return ""
	}
	o, err := httpapi.ParseOrigin(p.Scheme + "://" + p.Host)
	if err != nil {
		return ""
	}
	return o
}

// fromEnvironment builds the deployed function's Options.
func fromEnvironment(ctx context.Context) (Options, error) {
	return optionsFrom(ctx, os.Getenv)
}

// optionsFrom reads Options from a deployment's environment through getenv.
func optionsFrom(ctx context.Context, getenv func(string) string) (Options, error) {
	c, err := LoadConfig(ctx, getenv)
	if err != nil {
		return Options{}, err
	}
	return Options{Config: c}, nil
}

// Deploy builds the function from a deployment's environment, read through
// getenv, as Cloud Functions does at its first request (init registers the
// same path with os.Getenv); the local stack deploys the console with it.
func Deploy(ctx context.Context, getenv func(string) string) (http.Handler, error) {
	opts, err := optionsFrom(ctx, getenv)
	if err != nil {
		return nil, err
	}
	return New(opts), nil
}
