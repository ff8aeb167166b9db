package jobtoken_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/identity"
)

// FuzzVerify feeds the verifier mutations of a real job token: it never
// panics, and whatever it accepts is exactly the original token's
// principal (a changed token that still verified would be a forgery).
func FuzzVerify(f *testing.F) {
	fx, _ := newFixture(f)
	valid, err := fx.issuer.Mint(context.Background(), fx.job)
	if err != nil {
		f.Fatal(err)
	}
	want, err := fx.verify.Verify(context.Background(), valid)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add(strings.Replace(valid, ".", "..", 1))
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("")
	f.Fuzz(func(t *testing.T, token string) {
		p, err := fx.verify.Verify(context.Background(), token)
		if err != nil {
			code := apperr.CodeOf(err)
			require.True(t, code == apperr.Unauthenticated || code == apperr.Unavailable, "%v", err)
			return
		}
		require.Equal(t, identity.Job, p.Kind)
		require.Equal(t, want, p, "an accepted token proves the original principal")
	})
}
