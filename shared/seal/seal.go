package seal

import (
	"crypto/ecdh"
	"crypto/hpke"
	"encoding/base64"
	"strconv"
	"strings"

	"valet.dev/valet/shared/apperr"
)

// KEM names accepted in the sealTo prefix and by GenerateKey.
const (
	KEMX25519         = "x25519"
	KEMMLKEM768X25519 = "mlkem768x25519"
)

// maxKey bounds a key string (a hybrid public key is about 1.6 KiB in base64).
const maxKey = 8 << 10

// maxSealed bounds the sealed string Open accepts (a bundle is a few KiB).
const maxSealed = 1 << 20

var kems = map[string]hpke.KEM{
	KEMX25519:         hpke.DHKEM(ecdh.X25519()),
	KEMMLKEM768X25519: hpke.MLKEM768X25519(),
}

func kdf() hpke.KDF   { return hpke.HKDFSHA256() }
func aead() hpke.AEAD { return hpke.AES256GCM() }

// PublicKey is a recipient's public key with the KEM it belongs to. The zero
// value is not usable.
type PublicKey struct {
	kem string
	key hpke.PublicKey
}

// KEM is the key's KEM name (KEMX25519 or KEMMLKEM768X25519).
func (p PublicKey) KEM() string { return p.kem }

// String is the key in sealTo form ("<kem>:<std base64>").
func (p PublicKey) String() string {
	if p.key == nil {
		return ""
	}
	return p.kem + ":" + base64.StdEncoding.EncodeToString(p.key.Bytes())
}

// PrivateKey is a recipient's private key with the KEM it belongs to. It has
// no String method, so it does not print by accident.
type PrivateKey struct {
	kem string
	key hpke.PrivateKey
}

// KEM is the key's KEM name.
func (k PrivateKey) KEM() string { return k.kem }

// PublicKey is the matching public key.
func (k PrivateKey) PublicKey() PublicKey {
	if k.key == nil {
		return PublicKey{}
	}
	return PublicKey{kem: k.kem, key: k.key.PublicKey()}
}

// Marshal is the private key as "<kem>:<std base64 of SerializePrivateKey>",
// for a worker to keep; ParsePrivateKey reads it back. It is a secret.
func (k PrivateKey) Marshal() (string, error) {
	if k.key == nil {
		return "", apperr.E(apperr.Invalid, "empty private key")
	}
	b, err := k.key.Bytes()
	if err != nil {
		return "", apperr.Wrap(err, apperr.Internal, "serializing private key")
	}
	return k.kem + ":" + base64.StdEncoding.EncodeToString(b), nil
}

// splitKey splits "<kem>:<base64>" and decodes the base64 part.
func splitKey(s, what string) (string, hpke.KEM, []byte, error) {
	if len(s) > maxKey {
		return "", nil, nil, apperr.E(apperr.Invalid, "%s is too long (%d bytes)", what, len(s))
	}
	name, b64, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return "", nil, nil, apperr.E(apperr.Invalid, "%s must look like \"x25519:<base64>\" or \"mlkem768x25519:<base64>\"", what)
	}
	kem, ok := kems[name]
	if !ok {
		return "", nil, nil, apperr.E(apperr.Invalid, "%s: unsupported KEM %q (want %q or %q)", what, truncate(name), KEMX25519, KEMMLKEM768X25519)
	}
	raw, err := decodeBase64(b64)
	if err != nil {
		return "", nil, nil, apperr.E(apperr.Invalid, "%s: key is not valid base64", what)
	}
	return name, kem, raw, nil
}

// ParsePublicKey parses a sealTo string (see the package doc).
func ParsePublicKey(s string) (PublicKey, error) {
	name, kem, raw, err := splitKey(s, "sealTo")
	if err != nil {
		return PublicKey{}, err
	}
	key, err := kem.NewPublicKey(raw)
	if err != nil {
		return PublicKey{}, apperr.E(apperr.Invalid, "sealTo: not a valid %s public key (%d bytes)", name, len(raw))
	}
	return PublicKey{kem: name, key: key}, nil
}

// ParsePrivateKey parses the output of PrivateKey.Marshal. Error messages
// never include the key.
func ParsePrivateKey(s string) (PrivateKey, error) {
	name, kem, raw, err := splitKey(s, "private key")
	if err != nil {
		return PrivateKey{}, err
	}
	key, err := kem.NewPrivateKey(raw)
	if err != nil {
		return PrivateKey{}, apperr.E(apperr.Invalid, "private key: not a valid %s private key (%d bytes)", name, len(raw))
	}
	return PrivateKey{kem: name, key: key}, nil
}

// GenerateKey makes a key pair for kem (KEMX25519 or KEMMLKEM768X25519) and
// returns the private key and the public key in sealTo form.
func GenerateKey(kem string) (PrivateKey, string, error) {
	k, ok := kems[kem]
	if !ok {
		return PrivateKey{}, "", apperr.E(apperr.Invalid, "unsupported KEM %q (want %q or %q)", truncate(kem), KEMX25519, KEMMLKEM768X25519)
	}
	key, err := k.GenerateKey()
	if err != nil {
		return PrivateKey{}, "", apperr.Wrap(err, apperr.Internal, "generating %s key", kem)
	}
	priv := PrivateKey{kem: kem, key: key}
	return priv, priv.PublicKey().String(), nil
}

// Info is the HPKE info binding a sealed bundle to jobID and epoch:
// "valet auth bundle v1\x00" + jobID + "\x00" + decimal epoch.
func Info(jobID string, epoch int64) []byte {
	b := make([]byte, 0, 32+len(jobID))
	b = append(b, "valet auth bundle v1\x00"...)
	b = append(b, jobID...)
	b = append(b, 0)
	return strconv.AppendInt(b, epoch, 10)
}

// Seal encrypts plaintext to pub for jobID at epoch and returns standard
// base64 of enc || ciphertext.
func Seal(pub PublicKey, jobID string, epoch int64, plaintext []byte) (string, error) {
	if pub.key == nil {
		return "", apperr.E(apperr.Invalid, "no public key to seal to")
	}
	out, err := hpke.Seal(pub.key, kdf(), aead(), Info(jobID, epoch), plaintext)
	if err != nil {
		return "", apperr.Wrap(err, apperr.Internal, "sealing the bundle")
	}
	return base64.StdEncoding.EncodeToString(out), nil
}

// Open decrypts a Seal output with priv, for the same jobID and epoch. A
// wrong key, job, epoch or any tampering is apperr.Invalid.
func Open(priv PrivateKey, jobID string, epoch int64, sealed string) ([]byte, error) {
	if priv.key == nil {
		return nil, apperr.E(apperr.Invalid, "no private key to open with")
	}
	if len(sealed) > maxSealed {
		return nil, apperr.E(apperr.Invalid, "sealed bundle too large")
	}
	raw, err := decodeBase64(sealed)
	if err != nil {
		return nil, apperr.E(apperr.Invalid, "sealed bundle is not valid base64")
	}
	pt, err := hpke.Open(priv.key, kdf(), aead(), Info(jobID, epoch), raw)
	if err != nil {
		return nil, apperr.E(apperr.Invalid, "sealed bundle does not open with this key for job %q epoch %d", truncate(jobID), epoch)
	}
	return pt, nil
}

// decodeBase64 accepts standard or URL base64, padded or not.
func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	enc := base64.StdEncoding
	if strings.ContainsAny(s, "-_") {
		enc = base64.URLEncoding
	}
	if !strings.HasSuffix(s, "=") && len(s)%4 != 0 {
		enc = enc.WithPadding(base64.NoPadding)
	}
	b, err := enc.Strict().DecodeString(s)
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, apperr.E(apperr.Invalid, "empty")
	}
	return b, nil
}

// truncate keeps caller-supplied text short in messages.
func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
