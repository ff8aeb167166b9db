package tokens

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"cloud.google.com/go/firestore"

	"valet.dev/valet/emulators/oidc/oidctest"
	"valet.dev/valet/shared/apitoken"
	"valet.dev/valet/shared/client"
	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/firestore/firestoretest"
	"valet.dev/valet/shared/httpapi/apitest"
	"valet.dev/valet/shared/identity"
)

const testAudience = "valet-test"

// env is a tokens handler over the Firestore emulator and the dev OIDC
// issuer, authenticating users with ID tokens or valet API tokens.
type env struct {
	t      testing.TB
	client *firestore.Client
	store  *apitoken.Tokens
	issuer *oidctest.Issuer
	offset atomic.Int64 // added to the store's clock
	*apitest.Server
}

func newEnv(t testing.TB) *env {
	t.Helper()
	apitest.Bench(t)
	e := &env{t: t, client: firestoretest.New(t)}
	e.store = apitoken.New(valetfs.NewTokenStore(e.client), apitoken.Options{Now: func() time.Time { return time.Now().Add(time.Duration(e.offset.Load())) }})

	e.issuer = oidctest.Start(t, testAudience)
	auth := &identity.Authenticator{Users: e.issuer.Users, APITokens: e.store}

	e.Server = apitest.Serve(t, New(Options{
		Tokens:       e.store,
		Audit:        apitest.Audit(t),
		Authenticate: auth.Authenticate,
		MaxLifetime:  30 * 24 * time.Hour,
		JWKS:         func(context.Context) ([]byte, error) { return e.issuer.JWKS(), nil },
	}))
	return e
}

// user is a caller with a credential.
type user = apitest.Caller

func (e *env) newUser(name string) user { return e.issuer.NewUser(e.t, name) }

// created is the answer of POST /tokens, read as the Go client reads it.
type created = client.NewToken

func (e *env) create(u user, body map[string]any) created {
	e.t.Helper()
	var c created
	e.Do(u, http.MethodPost, "/tokens", body).Decode(e.t, http.StatusCreated, &c)
	return c
}

// token creates a token of u named name with scopes, valid for an hour.
func (e *env) token(u user, name string, scopes ...string) created {
	e.t.Helper()
	return e.create(u, map[string]any{"name": name, "scopes": scopes, "expiresInSeconds": 3600})
}

type listed struct {
	Tokens []apitoken.Info `json:"tokens"`
}

func (e *env) list(u user) listed {
	e.t.Helper()
	var l listed
	e.Do(u, http.MethodGet, "/tokens", nil).Decode(e.t, http.StatusOK, &l)
	return l
}
