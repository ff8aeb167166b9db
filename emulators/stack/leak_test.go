package stack_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"sync"
	"testing"

	"cloud.google.com/go/firestore"
	"github.com/stretchr/testify/require"
	"google.golang.org/api/iterator"

	"valet.dev/valet/shared/logging"
)

// recorder collects what may never carry a secret: every log line, and
// every response body except those that hand a secret out.
type recorder struct {
	mu     sync.Mutex
	logs   bytes.Buffer
	bodies []string
	events []string // storage events, when a test taps them
}

func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.logs.Write(p)
}

func (r *recorder) body(b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.bodies = append(r.bodies, string(b))
}

// secretForms lists a secret in the encodings a careless path could use:
// raw, URL-escaped, hex, and standard and URL-safe base64 at every byte
// alignment.
func secretForms(secret string) []string {
	forms := []string{secret, url.QueryEscape(secret), hex.EncodeToString([]byte(secret))}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		for k := range 3 {
			forms = append(forms, logging.StableBase64(enc, []byte(secret), k))
		}
	}
	return forms
}

// signatureOf returns the X-Goog-Signature of a signed URL.
func signatureOf(t *testing.T, signed string) string {
	t.Helper()
	u, err := url.Parse(signed)
	require.NoError(t, err)
	sig := u.Query().Get("X-Goog-Signature")
	require.NotEmpty(t, sig, "not a signed URL: %s", signed)
	return sig
}

// firestoreDump returns every document of project as JSON, subcollections
// included.
func firestoreDump(t *testing.T, project string) []string {
	t.Helper()
	ctx := context.Background()
	client, err := firestore.NewClient(ctx, project)
	require.NoError(t, err)
	defer client.Close()
	var out []string
	var walk func(it *firestore.CollectionIterator)
	walk = func(it *firestore.CollectionIterator) {
		for {
			col, err := it.Next()
			if err == iterator.Done {
				return
			}
			require.NoError(t, err)
			docs, err := col.Documents(ctx).GetAll()
			require.NoError(t, err)
			for _, d := range docs {
				b, err := json.Marshal(d.Data())
				require.NoError(t, err)
				out = append(out, d.Ref.Path+" "+string(b))
				walk(d.Ref.Collections(ctx))
			}
		}
	}
	walk(client.Collections(ctx))
	return out
}

// requireNoLeak searches logs, recorded bodies, tapped storage events and
// every Firestore document (job events included) for every form of every
// secret.
func requireNoLeak(t *testing.T, rec *recorder, project string, secrets map[string]string) {
	t.Helper()
	docs := firestoreDump(t, project)
	require.NotEmpty(t, docs, "the dump must see the job documents, or it proves nothing")
	rec.mu.Lock()
	defer rec.mu.Unlock()
	require.NotZero(t, rec.logs.Len(), "the logs were captured")
	places := map[string][]string{"logs": {rec.logs.String()}, "responses": rec.bodies, "firestore": docs, "events": rec.events}
	for name, secret := range secrets {
		for _, form := range secretForms(secret) {
			for where, texts := range places {
				for _, text := range texts {
					require.NotContains(t, text, form, "%s leaked into %s", name, where)
				}
			}
		}
	}
}
