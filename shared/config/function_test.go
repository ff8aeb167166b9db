package config

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// bucketHandler is a handler that says which bucket it was built for.
type bucketHandler string

func (bucketHandler) ServeHTTP(http.ResponseWriter, *http.Request) {}

// TestRegisterReturnsTheDeploy: what config.Register returns builds the
// function's Options from the Deps it is given and its handler from them,
// and answers the Options' error without building a handler.
func TestRegisterReturnsTheDeploy(t *testing.T) {
	type options struct{ bucket string }
	built := 0
	deploy := Register("register-test", func(_ context.Context, d *Deps) (options, error) {
		return options{bucket: d.Env.ObjectsBucket}, d.Env.NeedObjectsBucket()
	}, func(o options) http.Handler {
		built++
		return bucketHandler(o.bucket)
	})

	h, err := deploy(context.Background(), &Deps{Env: Env{ObjectsBucket: "objects-b"}})
	require.NoError(t, err)
	require.Equal(t, bucketHandler("objects-b"), h)

	_, err = deploy(context.Background(), &Deps{})
	require.ErrorContains(t, err, EnvObjectsBucket)
	require.Equal(t, 1, built, "no handler is built from failed options")
}
