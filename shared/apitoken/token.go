package apitoken

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/identity"
)

const (
	// PrefixLen is the length of a token's lookup prefix.
	PrefixLen = 12
	// secretBytes is the entropy of a token's secret part.
	secretBytes = 32
	// SecretLen is the length of the encoded secret.
	SecretLen = 43
	// TokenLen is the length of a whole token.
	TokenLen = len(identity.APITokenPrefix) + PrefixLen + 1 + SecretLen
)

const prefixAlphabet = "abcdefghijklmnopqrstuvwxyz234567"

// generate returns a new token and its lookup prefix.
func generate() (token, prefix string) {
	var p [PrefixLen]byte
	_, _ = rand.Read(p[:]) // crypto/rand.Read never fails
	for i := range p {
		p[i] = prefixAlphabet[p[i]&31]
	}
	var s [secretBytes]byte
	_, _ = rand.Read(s[:])
	prefix = string(p[:])
	return identity.APITokenPrefix + prefix + "_" + base64.RawURLEncoding.EncodeToString(s[:]), prefix
}

// ParseToken checks raw has the form of a valet API token and returns its
// lookup prefix. It says nothing of whether the token is valid; the error
// (apperr.Unauthenticated) never contains raw.
func ParseToken(raw string) (prefix string, err error) {
	bad := apperr.E(apperr.Unauthenticated, "malformed valet API token: want %s followed by %d characters", identity.APITokenPrefix, TokenLen-len(identity.APITokenPrefix))
	if len(raw) != TokenLen || !strings.HasPrefix(raw, identity.APITokenPrefix) {
		return "", bad
	}
	rest := raw[len(identity.APITokenPrefix):]
	prefix, secret := rest[:PrefixLen], rest[PrefixLen+1:]
	if rest[PrefixLen] != '_' {
		return "", bad
	}
	for i := 0; i < len(prefix); i++ {
		if strings.IndexByte(prefixAlphabet, prefix[i]) < 0 {
			return "", bad
		}
	}
	if b, err := base64.RawURLEncoding.Strict().DecodeString(secret); err != nil || len(b) != secretBytes {
		return "", bad
	}
	return prefix, nil
}

// hashToken is the stored form of a token: hex SHA-256 of the whole token.
// A token carries 256 bits of entropy, so no salt or stretching is needed.
func hashToken(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}
