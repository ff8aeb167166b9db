package frontdoor_test

import (
	"crypto"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/frontdoor"
	devoidc "valet.dev/valet/emulators/oidc"
	"valet.dev/valet/shared/identity"
)

const (
	issuerURL   = "http://issuer.test"
	serviceURL  = "http://127.0.0.1:1/dispatch"
	invoker     = "dispatcher@p.iam.gserviceaccount.com"
	stranger    = "intruder@p.iam.gserviceaccount.com"
	xServerless = identity.ServerlessAuthorization
)

// fixture is a door in front of a handler that records what reached it.
type fixture struct {
	t       *testing.T
	issuer  *devoidc.Issuer
	forger  *devoidc.Issuer // same issuer URL, another key
	private http.Handler
	public  http.Handler
	reached []*http.Request
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{t: t}
	var err error
	f.issuer, err = devoidc.New(devoidc.Options{Issuer: issuerURL})
	require.NoError(t, err)
	f.forger, err = devoidc.New(devoidc.Options{Issuer: issuerURL})
	require.NoError(t, err)
	keys := &oidc.StaticKeySet{PublicKeys: []crypto.PublicKey{f.issuer.PublicKeys().Keys[0].Key}}
	door := frontdoor.New(issuerURL, keys)
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.reached = append(f.reached, r)
		w.WriteHeader(http.StatusTeapot)
	})
	f.private = door.Guard(frontdoor.Policy{Invokers: []string{strings.ToUpper(invoker)}, Audience: serviceURL}, next)
	f.public = door.Guard(frontdoor.Policy{Public: true, Audience: serviceURL}, next)
	return f
}

func (f *fixture) mint(iss *devoidc.Issuer, email, aud string) string {
	tok, err := iss.Mint(devoidc.TokenRequest{Sub: email, Email: email, Aud: aud})
	require.NoError(f.t, err)
	return tok
}

// send sends headers to h and returns the status and what reached the
// function (nil when nothing did).
func (f *fixture) send(h http.Handler, headers map[string]string) (int, *http.Request) {
	f.reached = nil
	r := httptest.NewRequest(http.MethodPost, "/claim", nil)
	for k, v := range headers {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if len(f.reached) == 0 {
		return w.Code, nil
	}
	return w.Code, f.reached[0]
}

func strip(tok string) string {
	return tok[:strings.LastIndexByte(tok, '.')+1] + identity.StrippedSignature
}

func unsigned(t *testing.T, claims string) string {
	t.Helper()
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc([]byte(claims)) + "."
}

func TestPrivateServiceRefusesBeforeTheFunction(t *testing.T) {
	f := newFixture(t)
	valid := f.mint(f.issuer, invoker, serviceURL)
	now := time.Now().Unix()
	claims := `{"iss":"` + issuerURL + `","aud":"` + serviceURL + `","sub":"x","email":"` + invoker + `","email_verified":true,"iat":` +
		strconv.FormatInt(now, 10) + `,"exp":` + strconv.FormatInt(now+3600, 10) + `}`
	expiredIssuer, err := devoidc.New(devoidc.Options{Issuer: issuerURL, Now: func() time.Time { return time.Now().Add(-2 * time.Hour) }})
	require.NoError(t, err)

	for name, tc := range map[string]struct {
		headers map[string]string
		want    int
	}{
		"no token":                  {nil, http.StatusForbidden},
		"empty X-Serverless":        {map[string]string{xServerless: "", "Authorization": "Bearer " + valid}, http.StatusUnauthorized},
		"basic scheme":              {map[string]string{"Authorization": "Basic " + valid}, http.StatusUnauthorized},
		"not a JWT":                 {map[string]string{"Authorization": "Bearer nope"}, http.StatusUnauthorized},
		"forged (another key)":      {map[string]string{"Authorization": "Bearer " + f.mint(f.forger, invoker, serviceURL)}, http.StatusUnauthorized},
		"unsigned (alg none)":       {map[string]string{"Authorization": "Bearer " + unsigned(t, claims)}, http.StatusUnauthorized},
		"signature already removed": {map[string]string{"Authorization": "Bearer " + strip(valid)}, http.StatusUnauthorized},
		"expired":                   {map[string]string{"Authorization": "Bearer " + f.mint(expiredIssuer, invoker, serviceURL)}, http.StatusUnauthorized},
		"another service's token":   {map[string]string{"Authorization": "Bearer " + f.mint(f.issuer, invoker, "http://127.0.0.1:1/sweep")}, http.StatusUnauthorized},
		"caller not an invoker":     {map[string]string{"Authorization": "Bearer " + f.mint(f.issuer, stranger, serviceURL)}, http.StatusForbidden},
		// X-Serverless-Authorization, when present, is the token checked:
		// a valid Authorization does not rescue a bad one.
		"forged X-Serverless, valid Authorization":   {map[string]string{xServerless: "Bearer " + f.mint(f.forger, invoker, serviceURL), "Authorization": "Bearer " + valid}, http.StatusUnauthorized},
		"stranger X-Serverless, valid Authorization": {map[string]string{xServerless: "Bearer " + f.mint(f.issuer, stranger, serviceURL), "Authorization": "Bearer " + valid}, http.StatusForbidden},
	} {
		t.Run(name, func(t *testing.T) {
			status, reached := f.send(f.private, tc.headers)
			require.Equal(t, tc.want, status)
			require.Nil(t, reached, "the function must not run")
		})
	}
}

func TestPrivateServiceStripsTheCheckedSignature(t *testing.T) {
	f := newFixture(t)
	tok := f.mint(f.issuer, invoker, serviceURL)

	status, r := f.send(f.private, map[string]string{"Authorization": "Bearer " + tok})
	require.Equal(t, http.StatusTeapot, status)
	require.Equal(t, "Bearer "+strip(tok), r.Header.Get("Authorization"), "header and claims kept, signature removed")

	inner := f.mint(f.issuer, invoker, serviceURL+"/inner")
	status, r = f.send(f.private, map[string]string{xServerless: "Bearer " + tok, "Authorization": "Bearer " + inner})
	require.Equal(t, http.StatusTeapot, status)
	require.Equal(t, "Bearer "+strip(tok), r.Header.Get(xServerless))
	require.Equal(t, "Bearer "+inner, r.Header.Get("Authorization"), "Authorization is left to the service")
}

func TestPublicServicePassesEverythingThrough(t *testing.T) {
	f := newFixture(t)
	forged := f.mint(f.forger, stranger, "anything")
	for _, headers := range []map[string]string{nil, {"Authorization": "Bearer " + forged}, {xServerless: "Bearer " + forged}} {
		status, r := f.send(f.public, headers)
		require.Equal(t, http.StatusTeapot, status)
		for k, v := range headers {
			require.Equal(t, v, r.Header.Get(k), "untouched")
		}
	}
}
