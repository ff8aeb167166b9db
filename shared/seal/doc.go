// Package seal delivers a job's auth bundle sealed to the executor's public
// key with HPKE (RFC 9180, base mode) from the standard library's
// crypto/hpke, so only the holder of the matching private key can read it.
//
// # Ciphersuite
//
// KEM: DHKEM(X25519, HKDF-SHA256) (0x0020) or the ML-KEM-768 + X25519 hybrid
// MLKEM768-X25519, a.k.a. X-Wing (0x647a). KDF: HKDF-SHA256. AEAD:
// AES-256-GCM (chosen over ChaCha20Poly1305 because it is FIPS-approved and
// hardware-accelerated on the servers valet runs on).
//
// # Public key format (the claim's sealTo)
//
// A sealTo string is "<kem>:<base64>" where <kem> is "x25519" or
// "mlkem768x25519" and <base64> is the KEM's SerializePublicKey output
// (32 bytes for x25519, 1216 bytes for mlkem768x25519) in standard or URL
// base64, padded or not. GenerateKey returns this form with standard padded
// base64. Anything else is apperr.Invalid with a message naming the problem.
//
// # Info
//
// The HPKE info string binds the ciphertext to one job and one lock epoch:
// "valet auth bundle v1" NUL jobID NUL decimal(epoch) (see Info). A bundle
// sealed for one job or epoch does not open for another.
//
// # Sealed framing
//
// Seal returns standard padded base64 of enc || ciphertext: enc is the KEM
// encapsulation (32 bytes for x25519, 1120 for mlkem768x25519), followed by
// the AEAD ciphertext of the plaintext with its 16-byte tag, sealed with the
// first (sequence 0) nonce and empty additional data, exactly as the
// single-shot hpke.Seal/hpke.Open of crypto/hpke. The KEM is not in the
// framing: the recipient knows its own key.
package seal
