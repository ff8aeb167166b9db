package oidc_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/oidc"
)

// FuzzTokenEndpoint checks that no body makes POST /token fail other than
// with 200 or a 4xx.
func FuzzTokenEndpoint(f *testing.F) {
	for _, seed := range []string{
		`{"sub":"a"}`, `{"sub":"a","email":"a@b","aud":"x","ttlSeconds":60}`,
		`{"sub":""}`, `{"ttlSeconds":-5}`, `[]`, `null`, `{"sub":"a"} x`, "",
	} {
		f.Add(seed)
	}
	iss, err := oidc.New(oidc.Options{Issuer: "http://127.0.0.1:1", DefaultAudience: "aud", MaxTTL: time.Hour})
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, body string) {
		res := httptest.NewRecorder()
		iss.ServeHTTP(res, httptest.NewRequest(http.MethodPost, oidc.TokenPath, strings.NewReader(body)))
		if res.Code != http.StatusOK && (res.Code < 400 || res.Code >= 500) {
			t.Fatalf("status %d for %q: %s", res.Code, body, res.Body)
		}
	})
}
