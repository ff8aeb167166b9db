package logging

import (
	"context"
	"io"
	"sync"
)

// ScopeCapacity bounds the secrets one request's scope remembers.
const ScopeCapacity = 64

type secretScopeKey struct{}

// secretScope is one request's registry of secrets, made on first use.
type secretScope struct {
	mu sync.Mutex
	m  *Masker
}

// WithSecretScope returns ctx carrying an empty registry for the secrets of
// one request (httpapi.WithLogging gives every request one). Lines logged
// with the context, or one derived from it, mask what RegisterSecret put
// there besides what DefaultMasker holds; the registry goes with the
// request, so per-request secrets never accumulate in the process.
func WithSecretScope(ctx context.Context) context.Context {
	return context.WithValue(ctx, secretScopeKey{}, &secretScope{})
}

// RegisterSecret registers a secret valet issued or verified for the lines
// logged with ctx: in the request's scope when ctx has one (WithSecretScope),
// else in DefaultMasker. Never pass a value a caller sent before it is
// verified: a registered value disappears from the logs.
func RegisterSecret(ctx context.Context, secret string) {
	sc, _ := ctx.Value(secretScopeKey{}).(*secretScope)
	if sc == nil {
		DefaultMasker.Register(secret)
		return
	}
	if len(secret) < MinSecretLen {
		return
	}
	sc.mu.Lock()
	if sc.m == nil {
		sc.m = NewMaskerWith(MaskerOptions{Capacity: ScopeCapacity, TTL: -1})
	}
	m := sc.m
	sc.mu.Unlock()
	m.Register(secret)
}

// scopeMasker returns the masker of ctx's request scope, nil when it has
// none or holds nothing.
func scopeMasker(ctx context.Context) *Masker {
	if ctx == nil {
		return nil
	}
	sc, _ := ctx.Value(secretScopeKey{}).(*secretScope)
	if sc == nil {
		return nil
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.m == nil || sc.m.Len() == 0 {
		return nil
	}
	return sc.m
}

// maskers masks with each of its maskers in turn until nothing changes.
type maskers []interface{ Mask(string) string }

func (ms maskers) Mask(s string) string {
	for range maxPasses {
		out := s
		for _, m := range ms {
			out = m.Mask(out)
		}
		if out == s {
			return out
		}
		s = out
	}
	return Redacted
}

// lockedWriter serialises the lines of the handlers that share a writer.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
