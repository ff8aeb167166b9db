package stack_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/oidc"
)

type sharedObject struct {
	ID        string `json:"id"`
	Space     string `json:"space"`
	Name      string `json:"name"`
	State     string `json:"state"`
	SizeBytes int64  `json:"sizeBytes"`
	MD5       string `json:"md5"`
}

// TestObjectSharedAcrossApps is issue 6's done-when: an object one app
// uploads with a user's token is downloaded by another app with another
// token of the same user; bytes go only through the gate; a revoke stops
// the download URLs handed out before it.
func TestObjectSharedAcrossApps(t *testing.T) {
	s := startStack(t)
	objectsURL, tokensURL := s.Info.Functions["objects"], s.Info.Functions["tokens"]
	alice := client{t: t, token: mint(t, s, oidc.TokenRequest{Sub: "alice"}), rec: nil}
	appToken := func(scopes ...string) client {
		var created struct {
			Token string `json:"token"`
		}
		alice.handout(http.MethodPost, tokensURL+"/tokens", map[string]any{"name": "app", "scopes": scopes, "expiresInSeconds": 3600}, http.StatusCreated, &created)
		return client{t: t, token: created.Token, rec: nil}
	}
	painter, viewer := appToken("objects:write"), appToken("objects:read")

	var spaces struct {
		Spaces []struct{ ID string } `json:"spaces"`
	}
	painter.do(http.MethodGet, objectsURL+"/spaces", nil, http.StatusOK, &spaces)
	home := spaces.Spaces[0].ID
	require.True(t, strings.HasPrefix(home, "users/"), "the personal space comes first")

	image := []byte(strings.Repeat("png bytes ", 200))
	created := painter.createObject(objectsURL, home, "art/sunset.png", "image/png", image)
	require.Equal(t, "PENDING", created.Object.State)
	require.True(t, strings.HasPrefix(created.Upload.URL, s.Info.Storage), "bytes go to storage, not to a function")
	require.NotContains(t, created.Upload.URL, "sunset", "the user's name never becomes a storage path")
	put(t, created.Upload, image)

	objectURL := objectsURL + "/objects/" + created.Object.ID
	waitForState(t, viewer, objectURL, "READY")

	var list struct {
		Objects []sharedObject `json:"objects"`
	}
	viewer.do(http.MethodGet, objectsURL+"/spaces/"+home+"/objects?prefix=art/", nil, http.StatusOK, &list)
	require.Len(t, list.Objects, 1)
	var dl signedURL
	viewer.handout(http.MethodGet, objectURL+"/download", nil, http.StatusOK, &dl)
	require.Equal(t, image, get(t, dl.URL), "the other app reads the bytes the first one uploaded")
	u, err := url.Parse(dl.URL)
	require.NoError(t, err)
	require.Contains(t, u.Query().Get("response-content-disposition"), "sunset.png")
	viewer.do(http.MethodDelete, objectURL, nil, http.StatusForbidden, nil)

	// A revoke moves the bytes: the URL handed out before stops working,
	// a new one works.
	painter.do(http.MethodPost, objectURL+"/revoke", nil, http.StatusOK, nil)
	require.Equal(t, http.StatusNotFound, getRaw(t, dl.URL).status, "a revoked download URL")
	viewer.handout(http.MethodGet, objectURL+"/download", nil, http.StatusOK, &dl)
	require.Equal(t, image, get(t, dl.URL))

	// Bob sees nothing of it.
	bob := client{t: t, token: mint(t, s, oidc.TokenRequest{Sub: "bob"}), rec: nil}
	bob.do(http.MethodGet, objectURL, nil, http.StatusNotFound, nil)
	bob.do(http.MethodGet, objectURL+"/download", nil, http.StatusNotFound, nil)
}
