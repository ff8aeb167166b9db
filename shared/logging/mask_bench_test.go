package logging_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"valet.dev/valet/shared/logging"
)

// benchSecrets registers n secrets the size of job tokens, as a busy
// instance holds, and returns one of them.
func benchSecrets(m *logging.Masker, n int) string {
	var last string
	for i := range n {
		last = fmt.Sprintf("vjt_%060d", i)
		m.Register(last)
	}
	return last
}

// benchLine is a request log line of about 300 bytes.
var benchLine = `POST /jobs/j_0123456789abcdefghijklmnop/claim status=200 ` +
	`user=users/u_0123456789 duration=12.5ms bytes=1834 ua="valet-worker/1.0 (linux; amd64)" ` +
	`url=https://storage.googleapis.com/valet-jobs/jobs/j_0123456789abcdefghijklmnop/workspace?X-Goog-Algorithm=GOOG4-RSA-SHA256`

// BenchmarkMask masks one log line against 1000 registered secrets, with
// and without a secret in it.
func BenchmarkMask(b *testing.B) {
	m := logging.NewMasker()
	secret := benchSecrets(m, 1000)
	for _, c := range []struct{ name, line string }{
		{"clean", benchLine},
		{"withSecret", benchLine + " token=" + secret},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if out := m.Mask(c.line); strings.Contains(out, secret) {
					b.Fatal("secret left in the line")
				}
			}
		})
	}
}

// BenchmarkMaskedLogLine writes one structured log line through the
// masking slog handler, as every request does.
func BenchmarkMaskedLogLine(b *testing.B) {
	m := logging.NewMasker()
	secret := benchSecrets(m, 1000)
	log := logging.New(io.Discard, logging.Options{Masker: m})
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		log.LogAttrs(ctx, slog.LevelInfo, "request", slog.String("line", benchLine), slog.String("token", secret), slog.Int("status", 200))
	}
}
