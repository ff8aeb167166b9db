package jobtoken

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/logging"
)

// Type is the JOSE typ header of a job token.
const Type = "valet-job+jwt"

// Audience is the aud claim of every job token.
const Audience = "valet"

// claims are a job token's claims.
type claims struct {
	Issuer   string   `json:"iss"`
	Audience string   `json:"aud"`
	Subject  string   `json:"sub"`
	Job      string   `json:"job"`
	Epoch    int64    `json:"epoch"`
	Scope    []string `json:"scope"`
	IssuedAt int64    `json:"iat"`
	Expiry   int64    `json:"exp"`
	ID       string   `json:"jti"`
}

// Keys sign and verify the job's tokens with valet's signing keys
// (secretmanager.SigningKeys).
type Keys interface {
	// Sign serialises claims as a JWT signed with the newest enabled key
	// (ES256, kid the key's version) under header typ.
	Sign(ctx context.Context, typ string, claims any) (string, error)
	// Verify checks token's typ, algorithm, key and signature and decodes
	// its claims into dst; it checks no claim (Unauthenticated with the
	// reason, never the token).
	Verify(ctx context.Context, token, typ string, dst any) error
}

// Issuer mints job tokens.
type Issuer struct {
	keys   Keys
	issuer string
	now    func() time.Time
}

// NewIssuer returns an Issuer signing with keys and naming issuer as iss;
// now is time.Now when nil.
func NewIssuer(keys Keys, issuer string, now func() time.Time) *Issuer {
	if now == nil {
		now = time.Now
	}
	return &Issuer{keys: keys, issuer: issuer, now: now}
}

// Mint returns the job token of j's current epoch. j must be leased (LOCKED
// or RUNNING) with an epoch and a deadline in the future. The token is
// registered with logging.RegisterSecret (the minting request's scope).
func (i *Issuer) Mint(ctx context.Context, j *job.Job) (string, error) {
	now := i.now()
	switch {
	case j == nil:
		return "", apperr.E(apperr.Invalid, "a job token needs a job")
	case !j.State.Leased():
		return "", apperr.E(apperr.Invalid, "job %s is %s; job tokens are minted only for a LOCKED or RUNNING job", j.ID, j.State)
	case j.Lock.Epoch <= 0:
		return "", apperr.E(apperr.Invalid, "job %s has no lock epoch; claim it first", j.ID)
	case j.RuntimeUser == "":
		return "", apperr.E(apperr.Invalid, "job %s has no runtime user to name in its token", j.ID)
	case !j.Deadline.After(now):
		return "", apperr.E(apperr.Invalid, "job %s deadline %s is not in the future", j.ID, j.Deadline.UTC().Format(time.RFC3339))
	}
	if _, err := ids.ParseJobID(j.ID.String()); err != nil {
		return "", err
	}
	jti, err := newTokenID()
	if err != nil {
		return "", err
	}
	scopes := slices.Clone(j.RuntimeScopes)
	if scopes == nil {
		scopes = []string{}
	}
	slices.Sort(scopes)
	token, err := i.keys.Sign(ctx, Type, claims{
		Issuer:   i.issuer,
		Audience: Audience,
		Subject:  j.RuntimeUser,
		Job:      j.ID.String(),
		Epoch:    j.Lock.Epoch,
		Scope:    scopes,
		IssuedAt: now.Unix(),
		Expiry:   j.Deadline.Unix(),
		ID:       jti,
	})
	if err != nil {
		return "", err
	}
	logging.RegisterSecret(ctx, token)
	return token, nil
}

// TokenID returns the jti of a job token this process minted, for the
// audit trail; "" when token is not one. It verifies nothing.
func TokenID(token string) string {
	_, payload, _ := strings.Cut(token, ".")
	payload, _, _ = strings.Cut(payload, ".")
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return ""
	}
	var c claims
	if json.Unmarshal(raw, &c) != nil {
		return ""
	}
	return c.ID
}

// Lookup reads a job by id (apperr.NotFound when there is none).
type Lookup func(ctx context.Context, jobID ids.JobID) (*job.Job, error)

// Verifier checks job tokens. It implements identity.Verifier.
type Verifier struct {
	keys   Keys
	issuer string
	lookup Lookup
	now    func() time.Time
}

var _ identity.Verifier = (*Verifier)(nil)

// NewVerifier returns a Verifier for tokens of issuer signed by keys, that
// reads jobs with lookup; now is time.Now when nil.
func NewVerifier(keys Keys, issuer string, lookup Lookup, now func() time.Time) *Verifier {
	if now == nil {
		now = time.Now
	}
	return &Verifier{keys: keys, issuer: issuer, lookup: lookup, now: now}
}

// Verify returns the Job principal a job token proves: the token is a
// valid signed job token of this issuer, unexpired, and its job is leased
// at exactly the token's epoch.
func (v *Verifier) Verify(ctx context.Context, raw string) (identity.Principal, error) {
	if !v.ours(raw) {
		return identity.Principal{}, identity.Foreign("token is not a valet job token of %s", v.issuer)
	}
	var c claims
	if err := v.keys.Verify(ctx, raw, Type, &c); err != nil {
		return identity.Principal{}, err
	}
	now := v.now()
	leeway := identity.DefaultLeeway
	switch {
	case c.Audience != Audience:
		return identity.Principal{}, apperr.E(apperr.Unauthenticated, "job token audience is %q, want %q", c.Audience, Audience)
	case c.Expiry == 0:
		return identity.Principal{}, apperr.E(apperr.Unauthenticated, "job token has no expiry (exp)")
	case now.After(time.Unix(c.Expiry, 0).Add(leeway)):
		return identity.Principal{}, apperr.E(apperr.Unauthenticated, "job token has expired: the job's deadline has passed")
	case now.Add(leeway).Before(time.Unix(c.IssuedAt, 0)):
		return identity.Principal{}, apperr.E(apperr.Unauthenticated, "job token was issued in the future (iat); check the clocks")
	case c.Subject == "" || c.ID == "" || c.Epoch <= 0:
		return identity.Principal{}, apperr.E(apperr.Unauthenticated, "job token lacks sub, jti or epoch")
	}
	jid, err := ids.ParseJobID(c.Job)
	if err != nil {
		return identity.Principal{}, apperr.E(apperr.Unauthenticated, "job token names no valid job")
	}
	j, err := v.lookup(ctx, jid)
	if apperr.CodeOf(err) == apperr.NotFound {
		return identity.Principal{}, apperr.E(apperr.Unauthenticated, "job token names job %s, which does not exist", c.Job)
	}
	if err != nil {
		return identity.Principal{}, err
	}
	if j == nil || !j.State.Leased() || j.Lock.Epoch != c.Epoch {
		return identity.Principal{}, apperr.E(apperr.Unauthenticated,
			"job token of epoch %d is no longer valid: the job was requeued or finished", c.Epoch)
	}
	if j.RuntimeUser != c.Subject {
		return identity.Principal{}, apperr.E(apperr.Unauthenticated, "job token subject does not match the job's runtime user")
	}
	scopes := c.Scope
	if scopes == nil {
		scopes = []string{}
	}
	return identity.Principal{Kind: identity.Job, ID: c.Subject, Scopes: scopes, TokenID: c.ID}, nil
}

// ours peeks, without trusting anything, at the header typ and the iss
// claim: a token of another type or issuer is for another verifier.
func (v *Verifier) ours(raw string) bool {
	if len(raw) > identity.MaxTokenBytes {
		return false
	}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return false
	}
	var header struct {
		Type string `json:"typ"`
	}
	var payload struct {
		Issuer string `json:"iss"`
	}
	return decode(parts[0], &header) == nil && header.Type == Type &&
		decode(parts[1], &payload) == nil && payload.Issuer == v.issuer
}

func decode(seg string, dst any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, dst)
}
