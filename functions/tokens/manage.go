package tokens

import (
	"net/http"
	"slices"
	"time"

	"valet.dev/valet/shared/apitoken"
	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/audit"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/scope"
)

// DefaultLifetime is a new token's lifetime when the request gives none
// (capped by the maximum).
const DefaultLifetime = 30 * 24 * time.Hour

// createRequest is the body of POST /tokens.
type createRequest struct {
	Name             string   `json:"name"`
	Scopes           []string `json:"scopes"`
	ExpiresInSeconds *int64   `json:"expiresInSeconds"`
}

// listResponse is the answer of GET /tokens.
type listResponse struct {
	Tokens []apitoken.Info `json:"tokens"`
}

func (h *handler) create(w http.ResponseWriter, r *http.Request) error {
	p, _ := httpapi.PrincipalFrom(r.Context())
	var req createRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	if err := apitoken.CheckName(req.Name); err != nil {
		return err
	}
	scopes, err := scope.ParseList(req.Scopes)
	if err != nil {
		return err
	}
	if !scope.Covers(p.Scopes, scopes) {
		return apperr.E(apperr.PermissionDenied, "a token can only narrow the scopes of the credential that creates it: the requested scopes are wider than this token's")
	}
	lifetime := min(DefaultLifetime, h.max)
	if req.ExpiresInSeconds != nil {
		secs := *req.ExpiresInSeconds
		if secs > int64(h.max/time.Second) || secs < 0 {
			return apitoken.CheckLifetime(h.max+time.Second, h.max)
		}
		lifetime = time.Duration(secs) * time.Second
	}
	created, err := h.tokens.Create(r.Context(), apitoken.Spec{
		Owner: ids.UserID(p.ID), Name: req.Name, Scopes: scopes, Lifetime: lifetime, MaxLifetime: h.max,
		Parent: ids.TokenID(p.TokenID), // a token minted by a token lives and dies with it
	})
	if err != nil {
		return err
	}
	h.audit.Write(r.Context(), audit.Entry{Space: personal(p), Action: audit.TokenMinted, Target: "tokens/" + string(created.ID),
		TokenKind: audit.APIToken, TokenID: string(created.ID), Scopes: created.Scopes, ExpiresAt: audit.At(created.ExpiresAt)})
	w.Header().Set("Cache-Control", "no-store")
	httpapi.WriteJSON(w, http.StatusCreated, created.Shown())
	return nil
}

// managesTokens reports whether p may see and revoke all its owner's
// tokens: an ID token, or an API token with tokens:manage (or all). Any
// other API token sees only itself.
func managesTokens(p identity.Principal) bool {
	return p.TokenID == "" || scope.Allows(p.Scopes, scope.TokensManage, "")
}

// list serves GET /tokens: the owner's tokens, or only the calling token
// when it may not manage tokens.
func (h *handler) list(w http.ResponseWriter, r *http.Request) error {
	p, _ := httpapi.PrincipalFrom(r.Context())
	infos, err := h.tokens.List(r.Context(), ids.UserID(p.ID))
	if err != nil {
		return err
	}
	if !managesTokens(p) {
		infos = slices.DeleteFunc(infos, func(i apitoken.Info) bool { return string(i.ID) != p.TokenID })
	}
	httpapi.WriteJSON(w, http.StatusOK, listResponse{Tokens: infos})
	return nil
}

// revoke serves DELETE /tokens/{id}: any of the owner's tokens, or only
// the calling token itself when it may not manage tokens (any other id is
// then 404, as it is invisible to it).
func (h *handler) revoke(w http.ResponseWriter, r *http.Request) error {
	p, _ := httpapi.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	if !managesTokens(p) && id != p.TokenID {
		return apperr.E(apperr.NotFound, "token %s not found: a token without %s sees only itself", id, scope.TokensManage)
	}
	if err := h.tokens.Revoke(r.Context(), ids.UserID(p.ID), ids.TokenID(id)); err != nil {
		return err
	}
	h.audit.Write(r.Context(), audit.Entry{Space: personal(p), Action: audit.TokenRevoked, Target: "tokens/" + id, TokenKind: audit.APIToken, TokenID: id})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// personal is p's personal space, where its API tokens are audited.
func personal(p identity.Principal) ids.SpaceID { return ids.UserSpace(ids.UserID(p.ID)) }
