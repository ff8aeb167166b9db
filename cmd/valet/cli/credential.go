package cli

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"valet.dev/valet/shared/client"
)

// credential is a profile's login, stored in
// <config dir>/credentials/<profile>.json with mode 0600 (the directory
// 0700). It is a secret: never printed, logged or put in an error.
type credential struct {
	Token        string    `json:"token"`                  // the bearer credential: an ID token or an API token
	Expiry       time.Time `json:"expiry,omitzero"`        // the token's exp, when it is a JWT
	RefreshToken string    `json:"refreshToken,omitempty"` // from the issuer, when it gives one
	TokenURL     string    `json:"tokenUrl,omitempty"`     // the issuer's token endpoint, for refreshes
	ClientID     string    `json:"clientId,omitempty"`
	Issuer       string    `json:"issuer,omitempty"`
}

var profileName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

func credentialPath(profile string) (string, error) {
	if !profileName.MatchString(profile) {
		return "", usageError{fmt.Sprintf("bad profile name %q: 1 to 64 letters, digits, '.', '_' or '-'", profile)}
	}
	d, err := configDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "credentials", profile+".json"), nil
}

// loadCredential reads the profile's credential; nil when there is none.
func loadCredential(profile string) (*credential, error) {
	path, err := credentialPath(profile)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the credential of profile %q: %w", profile, err)
	}
	var c credential
	if err := json.Unmarshal(b, &c); err != nil || c.Token == "" {
		return nil, fmt.Errorf("the credential file %s is damaged: run `valet logout --profile %s` and log in again", path, profile)
	}
	return &c, nil
}

// save stores the credential of profile, readable by the user only.
func (c *credential) save(profile string) error {
	path, err := credentialPath(profile)
	if err != nil {
		return err
	}
	if c.Expiry.IsZero() {
		c.Expiry = jwtExpiry(c.Token)
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return writePrivate(path, append(b, '\n'))
}

// deleteCredential removes the profile's credential; false when there was none.
func deleteCredential(profile string) (bool, error) {
	path, err := credentialPath(profile)
	if err != nil {
		return false, err
	}
	err = os.Remove(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// refreshMargin is how long before its expiry a token is refreshed.
const refreshMargin = time.Minute

// fresh returns the token, refreshed first when it expires within
// refreshMargin and a refresh token is at hand.
func (c *credential) fresh(ctx context.Context, profile string) (string, error) {
	if c.Expiry.IsZero() || time.Until(c.Expiry) > refreshMargin {
		return c.Token, nil
	}
	if c.RefreshToken == "" || c.TokenURL == "" {
		return "", exitError{ExitAuthNeeded, fmt.Errorf("the login of profile %q expired at %s: run `valet login` again", profile, c.Expiry.Format(time.RFC3339))}
	}
	tr, err := client.ExchangeToken(ctx, c.TokenURL, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {c.RefreshToken}, "client_id": {c.ClientID}})
	if err != nil {
		return "", exitError{ExitAuthNeeded, fmt.Errorf("refresh the login of profile %q: %w; run `valet login` again", profile, err)}
	}
	c.Token, c.Expiry = tr.IDToken, time.Time{}
	if tr.RefreshToken != "" {
		c.RefreshToken = tr.RefreshToken
	}
	if err := c.save(profile); err != nil {
		return "", err
	}
	return c.Token, nil
}

// jwtExpiry is the exp claim of a JWT, or zero for anything else (an API
// token). The signature is not checked: valet checks it; this only decides
// when to refresh.
func jwtExpiry(token string) time.Time {
	c := jwtClaims(token)
	if c.Exp == 0 {
		return time.Time{}
	}
	return time.Unix(c.Exp, 0)
}

type claims struct {
	Exp   int64  `json:"exp"`
	Sub   string `json:"sub"`
	Email string `json:"email"`
	Iss   string `json:"iss"`
	Nonce string `json:"nonce"`
}

func jwtClaims(token string) claims {
	var c claims
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return c
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err == nil {
		_ = json.Unmarshal(b, &c)
	}
	return c
}
