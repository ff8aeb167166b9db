package config

import (
	"context"
	"net/http"
)

// Function is what a function package's Deploy does: build its Options
// from d with options, then its handler with build (its New).
func Function[O any](ctx context.Context, d *Deps, options func(context.Context, *Deps) (O, error), build func(O) http.Handler) (http.Handler, error) {
	opts, err := options(ctx, d)
	if err != nil {
		return nil, err
	}
	return build(opts), nil
}

// Needs gathers the dependencies a function's options ask Deps for, so
// that options is one Options literal and one error check: each Need
// after the first failure returns the zero value, and Err says what
// failed first.
type Needs struct {
	ctx context.Context
	err error
}

// Needs starts gathering dependencies with ctx.
func (d *Deps) Needs(ctx context.Context) *Needs { return &Needs{ctx: ctx} }

// Need returns what build (a Deps method) makes, or the zero value when
// it, or an earlier Need of n, failed.
func Need[T any](n *Needs, build func(context.Context) (T, error)) T {
	var v T
	if n.err != nil {
		return v
	}
	got, err := build(n.ctx)
	if err != nil {
		n.err = err
		return v
	}
	return got
}

// Err is the first failure of n's Needs, or nil.
func (n *Needs) Err() error { return n.err }
