package signer

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
)

// pemSigner parses an RSA private key in PEM (PKCS#8 or PKCS#1) and returns
// the function signing with it as Cloud Storage expects: RSA PKCS#1 v1.5
// over the SHA-256 of the input. Parse errors never quote the key.
func pemSigner(pemBytes []byte) (func([]byte) ([]byte, error), error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("signer: PrivateKey is not PEM")
	}
	var key *rsa.PrivateKey
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, errors.New("signer: PrivateKey is not an RSA key")
		}
		key = rk
	} else if rk, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		key = rk
	} else {
		return nil, errors.New("signer: PrivateKey is neither a PKCS#8 nor a PKCS#1 RSA key")
	}
	return func(b []byte) ([]byte, error) {
		sum := sha256.Sum256(b)
		return rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	}, nil
}
