package seal_test

import (
	"testing"

	"valet.dev/valet/shared/seal"
)

// BenchmarkSeal seals a claim bundle's size of plaintext to a worker key,
// once per KEM: pure CPU, no I/O.
func BenchmarkSeal(b *testing.B) {
	bundle := []byte(`{"jobToken":"` + string(make([]byte, 64)) + `","workflowToken":"` + string(make([]byte, 600)) + `"}`)
	for _, kem := range []string{seal.KEMX25519, seal.KEMMLKEM768X25519} {
		b.Run(kem, func(b *testing.B) {
			priv, _, err := seal.GenerateKey(kem)
			if err != nil {
				b.Fatal(err)
			}
			pub := priv.PublicKey()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := seal.Seal(pub, "j_0123456789abcdefghijklmnop", 1, bundle); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
