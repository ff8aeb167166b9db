package logging_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/logging"
)

// TestMaskerIsBounded: registering more secrets than a Masker's capacity
// forgets the least recently registered, so no caller grows a process's
// memory without bound (issue 10, item 5); the forgotten ones leave no
// pattern behind and the remembered ones are still masked.
func TestMaskerIsBounded(t *testing.T) {
	m := logging.NewMaskerWith(logging.MaskerOptions{Capacity: 10})
	for i := range 1000 {
		m.Register(fmt.Sprintf("bounded-secret-%04d", i))
	}
	require.Equal(t, 10, m.Len())
	require.Equal(t, "x bounded-secret-0000 y", m.Mask("x bounded-secret-0000 y"), "the oldest is forgotten")
	require.Equal(t, "x bounded-secret-0989 y", m.Mask("x bounded-secret-0989 y"))
	require.Equal(t, "x *** y", m.Mask("x bounded-secret-0990 y"))
	require.Equal(t, "x *** y", m.Mask("x bounded-secret-0999 y"))

	// Registering again makes a secret the most recent.
	m.Register("bounded-secret-0990")
	m.Register("one-more-secret-value")
	require.Equal(t, "x *** y", m.Mask("x bounded-secret-0990 y"))
	require.Equal(t, "x bounded-secret-0991 y", m.Mask("x bounded-secret-0991 y"))

	d := logging.NewMasker()
	for i := range logging.DefaultCapacity + 100 {
		d.Register(fmt.Sprintf("default-bound-%06d", i))
	}
	require.Equal(t, logging.DefaultCapacity, d.Len(), "the default masker is bounded too")
}

// TestMaskerForgetsAfterTTL: a secret not registered again within the TTL
// is forgotten.
func TestMaskerForgetsAfterTTL(t *testing.T) {
	now := time.Unix(1e9, 0)
	m := logging.NewMaskerWith(logging.MaskerOptions{TTL: time.Hour, Now: func() time.Time { return now }})
	m.Register("short-lived-secret")
	m.Register("refreshed-secret-value")
	now = now.Add(50 * time.Minute)
	m.Register("refreshed-secret-value")
	now = now.Add(20 * time.Minute)
	m.Register("a-later-secret-value")
	require.Equal(t, 2, m.Len())
	require.Equal(t, "short-lived-secret", m.Mask("short-lived-secret"))
	require.Equal(t, logging.Redacted, m.Mask("refreshed-secret-value"))
}

// TestRequestScopedSecrets: a secret registered with a request's context
// masks that request's lines only and never enters the process's registry.
func TestRequestScopedSecrets(t *testing.T) {
	var out bytes.Buffer
	process := logging.NewMasker()
	logger := logging.New(&out, logging.Options{Masker: process})
	ctx := logging.WithSecretScope(context.Background())
	logging.RegisterSecret(ctx, "per-request-secret-value")
	logging.RegisterSecret(ctx, "short")
	logger.InfoContext(ctx, "got per-request-secret-value", "k", "per-request-secret-value", "err", fmt.Errorf("wrapped %x", "per-request-secret-value"))
	logger.InfoContext(logging.WithSecretScope(context.Background()), "other per-request-secret-value")
	lines := decodeLines(t, &out)
	require.Len(t, lines, 2)
	require.Equal(t, "got ***", lines[0]["message"])
	require.Equal(t, "***", lines[0]["k"])
	require.Equal(t, "wrapped ***", lines[0]["err"])
	require.Equal(t, "other per-request-secret-value", lines[1]["message"], "another request does not mask it")
	require.Zero(t, process.Len())

	for i := range logging.ScopeCapacity * 3 {
		logging.RegisterSecret(ctx, fmt.Sprintf("scoped-secret-%04d", i))
	}
	out.Reset()
	logger.InfoContext(ctx, fmt.Sprintf("scoped-secret-%04d", logging.ScopeCapacity*3-1))
	require.Equal(t, "***", decodeLines(t, &out)[0]["message"], "a scope is bounded but keeps the latest")
}
