package oidc

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/go-jose/go-jose/v4"

	"valet.dev/valet/shared/apperr"
)

// maxTokenRequestBytes bounds the body of POST /token.
const maxTokenRequestBytes = 16 << 10

// jwksMaxAge is how long verifiers may cache the JWK set. It is short so that
// a restarted issuer (with a new key) is picked up quickly: Google's idtoken
// validator does not refetch on an unknown kid while its cache is fresh.
const jwksMaxAge = "max-age=60"

// Discovery is the OpenID provider metadata served at DiscoveryPath.
type Discovery struct {
	Issuer                           string   `json:"issuer"`
	JWKSURI                          string   `json:"jwks_uri"`
	TokenEndpoint                    string   `json:"token_endpoint"`
	AuthorizationEndpoint            string   `json:"authorization_endpoint"`
	CodeChallengeMethodsSupported    []string `json:"code_challenge_methods_supported"`
	GrantTypesSupported              []string `json:"grant_types_supported"`
	ScopesSupported                  []string `json:"scopes_supported"`
	TokenEndpointAuthMethods         []string `json:"token_endpoint_auth_methods_supported"`
	IDTokenSigningAlgValuesSupported []string `json:"id_token_signing_alg_values_supported"`
	ResponseTypesSupported           []string `json:"response_types_supported"`
	SubjectTypesSupported            []string `json:"subject_types_supported"`
	ClaimsSupported                  []string `json:"claims_supported"`
}

// Discovery returns the provider metadata for the current issuer URL.
func (i *Issuer) Discovery() Discovery {
	iss := i.IssuerURL()
	return Discovery{
		Issuer:                           iss,
		JWKSURI:                          iss + JWKSPath,
		TokenEndpoint:                    iss + TokenPath,
		AuthorizationEndpoint:            iss + AuthorizePath,
		CodeChallengeMethodsSupported:    []string{"S256"},
		GrantTypesSupported:              []string{"authorization_code"},
		ScopesSupported:                  []string{"openid", "email"},
		TokenEndpointAuthMethods:         []string{"none"},
		IDTokenSigningAlgValuesSupported: []string{string(jose.RS256)},
		ResponseTypesSupported:           []string{"code", "id_token"},
		SubjectTypesSupported:            []string{"public"},
		ClaimsSupported:                  []string{"iss", "sub", "aud", "azp", "email", "email_verified", "iat", "exp"},
	}
}

// ServeHTTP serves DiscoveryPath and JWKSPath (GET, readable from any
// origin: they are public), AuthorizePath (GET and POST) and TokenPath
// (POST: a JSON body mints a token for any subject; a form body is the
// authorization_code grant). Errors are JSON {"error":{"code","message"}},
// those of the code flow as RFC 6749 has them.
func (i *Issuer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == AuthorizePath {
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			w.Header().Set("Allow", "GET, POST")
			writeError(w, apperr.E(apperr.MethodNotAllowed, "%s accepts GET and POST only", r.URL.Path))
			return
		}
		i.serveAuthorize(w, r)
		return
	}
	var method string
	switch r.URL.Path {
	case DiscoveryPath, JWKSPath:
		method = http.MethodGet
	case TokenPath:
		method = http.MethodPost
	default:
		writeError(w, apperr.E(apperr.NotFound, "no route %s", r.URL.Path))
		return
	}
	if r.Method != method && !(method == http.MethodGet && r.Method == http.MethodHead) {
		w.Header().Set("Allow", method)
		writeError(w, apperr.E(apperr.MethodNotAllowed, "%s accepts %s only", r.URL.Path, method))
		return
	}
	switch r.URL.Path {
	case DiscoveryPath:
		if i.IssuerURL() == "" {
			writeError(w, apperr.E(apperr.Unavailable, "the issuer URL is not set yet"))
			return
		}
		w.Header().Set("Access-Control-Allow-Origin", "*")
		writeJSON(w, http.StatusOK, i.Discovery())
	case JWKSPath:
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, "+jwksMaxAge)
		_, _ = w.Write(i.jwks)
	case TokenPath:
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
			i.serveCodeExchange(w, r)
			return
		}
		i.serveToken(w, r)
	}
}

func (i *Issuer) serveToken(w http.ResponseWriter, r *http.Request) {
	req, err := decodeTokenRequest(w, r)
	if err != nil {
		writeError(w, err)
		return
	}
	token, err := i.Mint(req)
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, TokenResponse{IDToken: token})
}

// decodeTokenRequest reads exactly one JSON object with known fields only.
func decodeTokenRequest(w http.ResponseWriter, r *http.Request) (TokenRequest, error) {
	var req TokenRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxTokenRequestBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return req, apperr.E(apperr.TooLarge, "the request body exceeds %d bytes", maxTokenRequestBytes)
		}
		return req, apperr.Wrap(err, apperr.Invalid, "the body must be a JSON object {sub, email?, aud?, ttlSeconds?}: %v", err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return req, apperr.E(apperr.Invalid, "the body must hold a single JSON object")
	}
	return req, nil
}

type errorBody struct {
	Error struct {
		Code    apperr.Code `json:"code"`
		Message string      `json:"message"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, err error) {
	e := apperr.From(err)
	var body errorBody
	body.Error.Code = e.Code
	body.Error.Message = e.Message
	writeJSON(w, apperr.Status(e.Code), body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
