package tokens

import (
	"encoding/json"
	"net/http"

	"valet.dev/valet/shared/apperr"
)

// emptyJWKS is served when no JWKS source is configured.
var emptyJWKS = []byte(`{"keys":[]}`)

// serveJWKS serves the public keys of workflow tokens, to anyone.
func (h *handler) serveJWKS(w http.ResponseWriter, r *http.Request) error {
	body := emptyJWKS
	if h.jwks != nil {
		b, err := h.jwks(r.Context())
		if err != nil {
			return apperr.Wrap(err, apperr.Unavailable, "the JWKS is unavailable")
		}
		if !json.Valid(b) {
			return apperr.E(apperr.Internal, "the JWKS source returned invalid JSON")
		}
		body = b
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	return nil
}
