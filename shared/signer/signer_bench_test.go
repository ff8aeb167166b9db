package signer

import (
	"testing"
	"time"
)

// BenchmarkUpload signs one upload URL bound to a content type, a size
// range and an MD5: pure CPU (one RSA signature), no I/O.
func BenchmarkUpload(b *testing.B) {
	s, err := New(Options{
		GoogleAccessID: testAccount,
		PrivateKey:     testKeyPEM(),
		Hostname:       "127.0.0.1:4443",
		Insecure:       true,
	})
	if err != nil {
		b.Fatal(err)
	}
	opts := UploadOptions{
		ContentType: "application/gzip",
		MinBytes:    1024,
		MaxBytes:    1024,
		MD5:         "1B2M2Y8AsgTpgAmY7PhCfg==",
		TTL:         15 * time.Minute,
		CreateOnly:  true,
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := s.Upload("valet-bench", "jobs/j_0123456789abcdefghijklmnop/workspace", opts); err != nil {
			b.Fatal(err)
		}
	}
}
