package authn

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
	"valet.dev/valet/shared/identity"

	"valet.dev/valet/shared/apperr"
)

// unauthenticated builds the error every verifier returns.
func unauthenticated(format string, args ...any) error {
	return apperr.E(apperr.Unauthenticated, format, args...)
}

// foreign builds the error for a token of another verifier.
func foreign(format string, args ...any) error { return identity.Foreign(format, args...) }

// jwtHeader is the part of a JOSE header this package reads.
type jwtHeader struct {
	Algorithm string `json:"alg"`
	KeyID     string `json:"kid"`
}

// jwtClaims are the registered and OIDC claims this package reads. Times are
// pointers so that an absent claim is told apart from zero.
type jwtClaims struct {
	Issuer        string       `json:"iss"`
	Subject       string       `json:"sub"`
	Audience      audience     `json:"aud"`
	Expiry        *numericDate `json:"exp"`
	NotBefore     *numericDate `json:"nbf"`
	IssuedAt      *numericDate `json:"iat"`
	Email         string       `json:"email"`
	EmailVerified *flexBool    `json:"email_verified"`
	Party         string       `json:"azp"`
}

// authorizedParty is the client the token was issued to: azp, or the
// audience when there is one and no azp (OpenID Connect Core 1.0, 2).
func (c *jwtClaims) authorizedParty() string {
	if c.Party == "" && len(c.Audience) == 1 {
		return c.Audience[0]
	}
	return c.Party
}

// peekJWT splits a compact JWS and decodes its header and claims WITHOUT
// checking the signature. Its only use is to choose which verifier runs and
// to explain a rejection; nothing it returns is trusted.
func peekJWT(raw string) (jwtHeader, jwtClaims, error) {
	var h jwtHeader
	var c jwtClaims
	if len(raw) > identity.MaxTokenBytes {
		return h, c, unauthenticated("token is longer than %d bytes", identity.MaxTokenBytes)
	}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return h, c, unauthenticated("token is not a JWT: expected three dot-separated parts")
	}
	if err := decodeSegment(parts[0], &h); err != nil {
		return h, c, unauthenticated("token header is not base64url-encoded JSON")
	}
	if err := decodeSegment(parts[1], &c); err != nil {
		return h, c, unauthenticated("token claims are not base64url-encoded JSON with well-typed claims")
	}
	if _, err := base64.RawURLEncoding.DecodeString(parts[2]); err != nil {
		return h, c, unauthenticated("token signature is not base64url-encoded")
	}
	return h, c, nil
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// checkTimes enforces exp (required), nbf (optional) and iat (required) at
// now with leeway.
func (c *jwtClaims) checkTimes(now time.Time, leeway time.Duration) error {
	if c.Expiry == nil {
		return unauthenticated("token has no expiry (exp)")
	}
	if c.IssuedAt == nil {
		return unauthenticated("token has no issue time (iat)")
	}
	if now.After(c.Expiry.Time().Add(leeway)) {
		return unauthenticated("token has expired; get a fresh one")
	}
	if c.NotBefore != nil && now.Add(leeway).Before(c.NotBefore.Time()) {
		return unauthenticated("token is not valid yet (nbf is in the future); check the clocks")
	}
	if now.Add(leeway).Before(c.IssuedAt.Time()) {
		return unauthenticated("token was issued in the future (iat); check the clocks")
	}
	return nil
}

// audience is the aud claim: a string or an array of strings.
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*a = audience{s}
		return nil
	}
	var ss []string
	if err := json.Unmarshal(b, &ss); err != nil {
		return errors.New("aud is neither a string nor an array of strings")
	}
	*a = ss
	return nil
}

// containsAny reports whether a holds any of want.
func (a audience) containsAny(want []string) bool {
	for _, got := range a {
		for _, w := range want {
			if got == w {
				return true
			}
		}
	}
	return false
}

// maxNumericDate is 9999-12-31T23:59:59Z: later dates are refused as
// malformed, which keeps conversions to time.Time exact.
const maxNumericDate = 253402300799

// numericDate is a JWT NumericDate: seconds since the epoch, possibly
// fractional.
type numericDate struct{ t time.Time }

func (d *numericDate) UnmarshalJSON(b []byte) error {
	var n json.Number
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&n); err != nil {
		return errors.New("time claim is not a number")
	}
	f, err := n.Float64()
	if err != nil || f < 0 || f > maxNumericDate {
		return errors.New("time claim is out of range")
	}
	sec := int64(f)
	d.t = time.Unix(sec, int64((f-float64(sec))*1e9)).UTC()
	return nil
}

// Time returns the date.
func (d *numericDate) Time() time.Time { return d.t }

// flexBool accepts true/false and, as some Google tokens send them, the
// strings "true"/"false".
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "true", `"true"`:
		*f = true
	case "false", `"false"`:
		*f = false
	default:
		return errors.New("boolean claim is neither true nor false")
	}
	return nil
}
