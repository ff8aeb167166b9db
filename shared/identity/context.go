package identity

import "context"

type principalKey struct{}

// WithPrincipal returns ctx carrying p, the caller a request proved to be
// (httpapi.WithAuth puts it there).
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal ctx carries, if any.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
