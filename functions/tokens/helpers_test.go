package tokens

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/oidc/oidctest"
	"valet.dev/valet/shared/apitoken"
	"valet.dev/valet/shared/firestore/firestoretest"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/httpapi/apitest"
	"valet.dev/valet/shared/identity"
)

const testAudience = "valet-test"

// env is a tokens handler over the Firestore emulator and the dev OIDC
// issuer, authenticating users with ID tokens or valet API tokens.
type env struct {
	t      testing.TB
	client *firestore.Client
	store  *apitoken.Store
	issuer *oidctest.Issuer
	offset atomic.Int64 // added to the store's clock
	srv    *httptest.Server
}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{t: t, client: firestoretest.New(t)}
	e.store = apitoken.NewStore(e.client, apitoken.Options{Now: func() time.Time { return time.Now().Add(time.Duration(e.offset.Load())) }})

	e.issuer = oidctest.Start(t, testAudience)
	auth := &identity.Authenticator{Users: e.issuer.Users, APITokens: e.store}

	e.srv = httptest.NewServer(New(Options{
		Tokens:       e.store,
		Authenticate: auth.Authenticate,
		MaxLifetime:  30 * 24 * time.Hour,
		JWKS:         func(context.Context) ([]byte, error) { return e.issuer.JWKS(), nil },
	}))
	t.Cleanup(e.srv.Close)
	return e
}

// user is a caller with a credential.
type user struct {
	id, token string
}

func (e *env) newUser(name string) user {
	e.t.Helper()
	id, token := e.issuer.NewUser(e.t, name)
	return user{id: id, token: token}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (e *env) do(u user, method, path string, body any) response {
	e.t.Helper()
	return do(e.t, e.srv.URL, u, method, path, body)
}

func do(t testing.TB, base string, u user, method, path string, body any) response {
	t.Helper()
	r := apitest.Do(t, base, u.token, method, path, body)
	return response{status: r.Status, header: r.Header, body: r.Body}
}

func (r response) decode(t testing.TB, status int, v any) {
	t.Helper()
	require.Equal(t, status, r.status, "body: %s", r.body)
	require.NoError(t, json.Unmarshal(r.body, v), "body: %s", r.body)
}

func (r response) requireError(t testing.TB, status int, code, want string) {
	t.Helper()
	var body httpapi.ErrorBody
	r.decode(t, status, &body)
	require.Equal(t, code, string(body.Error.Code))
	require.Contains(t, body.Error.Message, want)
}

// created is the answer of POST /tokens.
type created struct {
	Token     string    `json:"token"`
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Scopes    []string  `json:"scopes"`
	ExpiresAt time.Time `json:"expiresAt"`
}

func (e *env) create(u user, body map[string]any) created {
	e.t.Helper()
	var c created
	e.do(u, http.MethodPost, "/tokens", body).decode(e.t, http.StatusCreated, &c)
	return c
}

type listed struct {
	Tokens []apitoken.Info `json:"tokens"`
}

func (e *env) list(u user) listed {
	e.t.Helper()
	var l listed
	e.do(u, http.MethodGet, "/tokens", nil).decode(e.t, http.StatusOK, &l)
	return l
}
