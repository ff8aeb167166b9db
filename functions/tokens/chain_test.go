package tokens

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apitoken"
	"valet.dev/valet/shared/ids"
)

// TestNarrowedTokenSeesOnlyItself: an API token without tokens:manage
// lists and revokes only itself (issue 10, item 2); one with tokens:manage,
// or "all", manages every token of its owner, like an ID token.
func TestNarrowedTokenSeesOnlyItself(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	other := e.token(alice, "other", "objects:write")
	narrow := e.token(alice, "narrow", "jobs:read")
	manager := e.token(alice, "manager", "tokens:manage")
	asNarrow, asManager := user{ID: alice.ID, Token: narrow.Token}, user{ID: alice.ID, Token: manager.Token}

	l := e.list(asNarrow)
	require.Len(t, l.Tokens, 1, "a narrowed token sees only itself")
	require.Equal(t, narrow.ID, l.Tokens[0].ID)
	e.Do(asNarrow, http.MethodDelete, "/tokens/"+string(other.ID), nil).RequireError(t, http.StatusNotFound, "not_found", "tokens:manage")
	e.Do(asNarrow, http.MethodDelete, "/tokens/"+string(manager.ID), nil).RequireError(t, http.StatusNotFound, "not_found", "not found")
	require.Equal(t, http.StatusOK, e.Do(user{Token: other.Token}, http.MethodGet, "/tokens", nil).Status, "the other token still works")
	require.False(t, e.list(alice).Tokens[2].Revoked)

	require.Len(t, e.list(asManager).Tokens, 3, "tokens:manage sees every token")
	require.Len(t, e.list(user{Token: e.token(alice, "all", "all").Token}).Tokens, 4, `"all" includes tokens:manage`)
	require.Equal(t, http.StatusNoContent, e.Do(asManager, http.MethodDelete, "/tokens/"+string(other.ID), nil).Status)
	e.Do(user{Token: other.Token}, http.MethodGet, "/tokens", nil).RequireError(t, http.StatusUnauthorized, "unauthenticated", "revoked")

	// A narrowed token may revoke itself, and cannot mint tokens:manage.
	e.Do(asNarrow, http.MethodPost, "/tokens", map[string]any{"name": "up", "scopes": []string{"tokens:manage"}, "expiresInSeconds": 3600}).
		RequireError(t, http.StatusForbidden, "permission_denied", "narrow")
	require.Equal(t, http.StatusNoContent, e.Do(asNarrow, http.MethodDelete, "/tokens/"+string(narrow.ID), nil).Status)
	e.Do(asNarrow, http.MethodGet, "/tokens", nil).RequireError(t, http.StatusUnauthorized, "unauthenticated", "revoked")

	e.Do(alice, http.MethodPost, "/tokens", map[string]any{"name": "x", "scopes": []string{"tokens:manage@users/" + alice.ID}, "expiresInSeconds": 3600}).
		RequireError(t, http.StatusBadRequest, "invalid_argument", "cannot be restricted to a space")
}

// TestChildTokenLivesAndDiesWithItsParent: a token minted by a token
// expires at the latest with it, and revoking an ancestor revokes its
// descendants however deep (issue 10, item 2).
func TestChildTokenLivesAndDiesWithItsParent(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	parent := e.create(alice, map[string]any{"name": "short", "scopes": []string{"all"}, "expiresInSeconds": 60})
	asParent := user{ID: alice.ID, Token: parent.Token}
	child := e.create(asParent, map[string]any{"name": "child", "scopes": []string{"all"}, "expiresInSeconds": 30 * 24 * 3600})
	require.Equal(t, parent.ExpiresAt, child.ExpiresAt, "a 60-second token cannot mint a 30-day one: the child is capped")
	grandchild := e.create(user{Token: child.Token}, map[string]any{"name": "grandchild", "scopes": []string{"jobs:read"}})
	require.Equal(t, parent.ExpiresAt, grandchild.ExpiresAt)

	var byID = map[ids.TokenID]bool{}
	for _, tok := range e.list(alice).Tokens {
		byID[tok.ID] = true
		switch tok.ID {
		case child.ID:
			require.Equal(t, parent.ID, tok.ParentID)
		case grandchild.ID:
			require.Equal(t, child.ID, tok.ParentID)
		case parent.ID:
			require.Empty(t, tok.ParentID)
		}
	}
	require.Len(t, byID, 3)

	// Past the parent's expiry, every descendant is refused.
	e.offset.Store(int64(61 * time.Second))
	for _, tok := range []string{parent.Token, child.Token, grandchild.Token} {
		e.Do(user{Token: tok}, http.MethodGet, "/tokens", nil).RequireError(t, http.StatusUnauthorized, "unauthenticated", "expired")
	}
	e.offset.Store(0)

	// Revoking the parent revokes the child and the grandchild.
	require.Equal(t, http.StatusOK, e.Do(user{Token: grandchild.Token}, http.MethodGet, "/tokens", nil).Status)
	require.Equal(t, http.StatusNoContent, e.Do(alice, http.MethodDelete, "/tokens/"+string(parent.ID), nil).Status)
	for _, tok := range []string{parent.Token, child.Token, grandchild.Token} {
		e.Do(user{Token: tok}, http.MethodGet, "/tokens", nil).RequireError(t, http.StatusUnauthorized, "unauthenticated", "revoked")
	}
	for _, tok := range e.list(alice).Tokens {
		require.True(t, tok.Revoked, "%s is listed revoked with its ancestor", tok.Name)
	}

	// Revoking a child leaves its parent alone.
	p2 := e.token(alice, "p2", "all")
	c2 := e.token(user{Token: p2.Token}, "c2", "all")
	require.Equal(t, http.StatusNoContent, e.Do(alice, http.MethodDelete, "/tokens/"+string(c2.ID), nil).Status)
	require.Equal(t, http.StatusOK, e.Do(user{Token: p2.Token}, http.MethodGet, "/tokens", nil).Status)
}

// TestChainDepthIsBounded: a token chain is at most MaxChainDepth deep.
func TestChainDepthIsBounded(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	tok := e.token(alice, "root", "all").Token
	for range apitoken.MaxChainDepth {
		tok = e.token(user{Token: tok}, "link", "all").Token
	}
	e.Do(user{Token: tok}, http.MethodPost, "/tokens", map[string]any{"name": "too deep", "scopes": []string{"all"}, "expiresInSeconds": 3600}).
		RequireError(t, http.StatusBadRequest, "invalid_argument", "descends from")
	require.Equal(t, http.StatusOK, e.Do(user{Token: tok}, http.MethodGet, "/tokens", nil).Status, "the deepest token works")
}
