package config

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRegisterReturnsTheDeploy: what config.Register returns builds the
// function's Options from the Deps it is given and its handler from them,
// and answers the Options' error without building a handler.
func TestRegisterReturnsTheDeploy(t *testing.T) {
	type options struct{ bucket string }
	built := 0
	deploy := Register("register-test", func(_ context.Context, d *Deps) (options, error) {
		if d.Env.JobsBucket == "" {
			return options{}, errors.New("no bucket")
		}
		return options{bucket: d.Env.JobsBucket}, nil
	}, func(o options) http.Handler {
		built++
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(o.bucket)) })
	})

	h, err := deploy(context.Background(), &Deps{Env: Env{JobsBucket: "jobs-b"}})
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	require.Equal(t, "jobs-b", rec.Body.String())

	_, err = deploy(context.Background(), &Deps{})
	require.EqualError(t, err, "no bucket")
	require.Equal(t, 1, built, "no handler is built from failed options")
}
