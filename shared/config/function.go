package config

import (
	"context"
	"net/http"

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"
)

// Register is the one skeleton of an HTTP function package's deployment,
// written as its Deploy:
//
//	var Deploy = config.Register(Name, options, New)
//
// It registers the function name with the Functions Framework (what Cloud
// Functions runs: built from the environment on the first request, see
// Deployed) and returns its Deploy (what the local stack mounts): the
// function's Options built from a deployment's Deps by options, then its
// handler built by New.
func Register[O any](name string, options func(context.Context, *Deps) (O, error), build func(O) http.Handler) func(context.Context, *Deps) (http.Handler, error) {
	deploy := func(ctx context.Context, d *Deps) (http.Handler, error) {
		opts, err := options(ctx, d)
		if err != nil {
			return nil, err
		}
		return build(opts), nil
	}
	functions.HTTP(name, Deployed(name, deploy))
	return deploy
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
