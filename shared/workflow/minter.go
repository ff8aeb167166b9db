package workflow

import (
	"context"
	"time"

	"valet.dev/valet/shared/apperr"
)

// MinterOptions configure a Minter.
type MinterOptions struct {
	Issuer   string           // iss
	Audience string           // aud
	Now      func() time.Time // iat; time.Now when nil
}

// Minter mints workflow tokens with the newest key of a KeyStore.
type Minter struct {
	keys *KeyStore
	opts MinterOptions
}

// NewMinter returns a Minter signing with keys.
func NewMinter(keys *KeyStore, opts MinterOptions) *Minter {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Minter{keys: keys, opts: opts}
}

type claims struct {
	Issuer   string `json:"iss"`
	Subject  string `json:"sub"`
	Audience string `json:"aud"`
	Job      string `json:"job"`
	IssuedAt int64  `json:"iat"`
	Expiry   int64  `json:"exp"`
	ID       string `json:"jti"`
}

// Mint signs a workflow token for jobID on behalf of subject that expires at
// deadline. It returns the token (a secret: log only jti) and its jti.
func (m *Minter) Mint(ctx context.Context, jobID, subject string, deadline time.Time) (string, string, error) {
	now := m.opts.Now()
	switch {
	case jobID == "":
		return "", "", apperr.E(apperr.Invalid, "workflow token needs a job id")
	case subject == "":
		return "", "", apperr.E(apperr.Invalid, "workflow token needs a subject")
	case !deadline.After(now):
		return "", "", apperr.E(apperr.Invalid, "workflow token deadline %s is not in the future", deadline.UTC().Format(time.RFC3339))
	}
	jti, err := NewTokenID()
	if err != nil {
		return "", "", err
	}
	token, err := m.keys.Sign(ctx, "JWT", claims{
		Issuer:   m.opts.Issuer,
		Subject:  subject,
		Audience: m.opts.Audience,
		Job:      jobID,
		IssuedAt: now.Unix(),
		Expiry:   deadline.Unix(),
		ID:       jti,
	})
	if err != nil {
		return "", "", err
	}
	return token, jti, nil
}
