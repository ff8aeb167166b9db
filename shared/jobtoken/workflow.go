package jobtoken

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"time"

	"valet.dev/valet/shared/apperr"
)

// WorkflowOptions configure a WorkflowMinter.
type WorkflowOptions struct {
	Issuer   string           // iss
	Audience string           // aud
	Now      func() time.Time // iat; time.Now when nil
}

// WorkflowMinter mints workflow tokens (see the package documentation)
// with the newest signing key. It is the custody.Minter of production.
type WorkflowMinter struct {
	keys Keys
	opts WorkflowOptions
}

// NewWorkflowMinter returns a WorkflowMinter signing with keys.
func NewWorkflowMinter(keys Keys, opts WorkflowOptions) *WorkflowMinter {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &WorkflowMinter{keys: keys, opts: opts}
}

// workflowClaims are a workflow token's claims.
type workflowClaims struct {
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
func (m *WorkflowMinter) Mint(ctx context.Context, jobID, subject string, deadline time.Time) (string, string, error) {
	now := m.opts.Now()
	switch {
	case jobID == "":
		return "", "", apperr.E(apperr.Invalid, "workflow token needs a job id")
	case subject == "":
		return "", "", apperr.E(apperr.Invalid, "workflow token needs a subject")
	case !deadline.After(now):
		return "", "", apperr.E(apperr.Invalid, "workflow token deadline %s is not in the future", deadline.UTC().Format(time.RFC3339))
	}
	jti, err := newTokenID()
	if err != nil {
		return "", "", err
	}
	token, err := m.keys.Sign(ctx, "JWT", workflowClaims{
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

// newTokenID returns a fresh jti: 128 random bits, base64url.
func newTokenID() (string, error) {
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", apperr.Wrap(err, apperr.Internal, "generating a token id")
	}
	return base64.RawURLEncoding.EncodeToString(raw[:]), nil
}
