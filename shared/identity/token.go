package identity

import (
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"time"

	"valet.dev/valet/shared/apperr"
)

// What every verifier of bearer tokens shares (the verifiers of ID tokens
// live in package authn; job tokens in jobtoken): size and clock limits,
// the "not my kind of token" error, user ids, and what Cloud Run's front
// door does to tokens.

// MaxTokenBytes bounds the size of a bearer token this package will look at.
// Real ID tokens are a few KiB; anything larger is refused before parsing.
const MaxTokenBytes = 16 << 10

// DefaultLeeway is the clock skew tolerated on exp, nbf and iat.
const DefaultLeeway = 30 * time.Second

// errForeignToken marks a rejection that says "this token was not meant for
// this verifier" (unknown issuer, another audience) rather than "this token
// is bad". The Authenticator uses it to pick the most useful error when it
// tries several verifiers.
var errForeignToken = errors.New("token is for another verifier")

// unauthenticated builds the error every verifier returns.
func unauthenticated(format string, args ...any) error {
	return apperr.E(apperr.Unauthenticated, format, args...)
}

// foreign builds an Unauthenticated error marked with errForeignToken.
func foreign(format string, args ...any) error {
	return &apperr.Error{Code: apperr.Unauthenticated, Message: fmt.Sprintf(format, args...), Cause: errForeignToken}
}

// Foreign builds the error a Verifier returns for a token that is not its
// kind (another issuer, audience or type): an Unauthenticated error the
// Authenticator passes over in favour of another verifier's answer.
func Foreign(format string, args ...any) error { return foreign(format, args...) }

// isForeign reports whether err says the token belongs to another verifier.
func isForeign(err error) bool { return errors.Is(err, errForeignToken) }

// StrippedSignature is what Cloud Run's front door puts in place of the
// signature of the ID token it checked before passing the request on
// (Cloud Run troubleshooting, "signature-removed":
// https://cloud.google.com/run/docs/troubleshooting). Such a token can no
// longer be verified by the service.
const StrippedSignature = "SIGNATURE_REMOVED_BY_GOOGLE"

// ServerlessAuthorization is the header a caller may put the front door's
// token in; Cloud Run then checks that one and leaves Authorization to the
// service (Cloud Run, "Authenticating service-to-service":
// https://cloud.google.com/run/docs/authenticating/service-to-service).
const ServerlessAuthorization = "X-Serverless-Authorization"

// userIDEncoding is lowercase RFC 4648 base32 without padding: letters a-z
// and digits 2-7 only.
var userIDEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// UserID derives a user's stable id from the issuer URL and the token's
// subject: "u" followed by the lowercase, unpadded base32 of the first 16
// bytes of SHA-256(issuer + "\n" + subject), 27 characters in all, matching
// ^u[a-z2-7]{26}$. Users of different issuers never share an id (issuer
// URLs contain no line break, so the hashed input is unambiguous), and the
// id is safe as a Firestore document id and in a space id "users/<uid>".
func UserID(issuer, subject string) string {
	sum := sha256.Sum256([]byte(issuer + "\n" + subject))
	return "u" + userIDEncoding.EncodeToString(sum[:16])
}
