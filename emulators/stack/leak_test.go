package stack_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"cloud.google.com/go/firestore"
	"github.com/stretchr/testify/require"
	"google.golang.org/api/iterator"

	"valet.dev/valet/shared/httpapi/apitest"
	"valet.dev/valet/shared/logging"
)

// recorder collects what may never carry a secret: every log line, every
// response's headers, every response body except those that hand a secret
// out, and, when a test captures it, the process's raw stdout and stderr.
type recorder struct {
	mu      sync.Mutex
	logs    bytes.Buffer
	bodies  []string
	headers []string
	raw     bytes.Buffer // os.Stdout and os.Stderr, when captured
	events  []string     // storage events, when a test taps them
}

// recordLogs returns a recorder that the production logger writes every
// log line to, for the rest of the test.
func recordLogs(t *testing.T) *recorder {
	rec := &recorder{}
	prev := slog.Default()
	slog.SetDefault(logging.New(rec, logging.Options{}))
	t.Cleanup(func() { slog.SetDefault(prev) })
	return rec
}

func (r *recorder) header(h http.Header) {
	var b strings.Builder
	_ = h.Write(&b)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.headers = append(r.headers, b.String())
}

// canaryToken creates an API token with scopes as c (an ID token's
// client), through the tokens function at tokensURL.
func canaryToken(c client, tokensURL string, scopes ...string) string {
	c.t.Helper()
	var created struct {
		Token string `json:"token"`
	}
	c.handout(http.MethodPost, tokensURL+"/tokens", map[string]any{"name": "canary", "scopes": scopes, "expiresInSeconds": 3600}, http.StatusCreated, &created)
	return created.Token
}

// captureOutput sends everything the process writes to os.Stdout and
// os.Stderr (the stack runs in this process) to rec.raw as well as to the
// real streams, until the returned stop is called.
func captureOutput(t *testing.T, rec *recorder) (stop func()) {
	t.Helper()
	var wg sync.WaitGroup
	var restore []func()
	for _, std := range []**os.File{&os.Stdout, &os.Stderr} {
		orig := *std
		r, w, err := os.Pipe()
		require.NoError(t, err)
		*std = w
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 32<<10)
			for {
				n, err := r.Read(buf)
				if n > 0 {
					rec.mu.Lock()
					rec.raw.Write(buf[:n])
					rec.mu.Unlock()
					_, _ = orig.Write(buf[:n])
				}
				if err != nil {
					return
				}
			}
		}()
		restore = append(restore, func() { *std = orig; _ = w.Close() })
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			for _, f := range restore {
				f()
			}
			wg.Wait()
		})
	}
	t.Cleanup(stop)
	return stop
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
	return apitest.SignatureOf(t, signed)
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

// requireNoLeak searches logs, recorded bodies and headers, the captured
// raw process output, tapped storage events and every Firestore document
// (job events included) for every form of every secret.
func requireNoLeak(t *testing.T, rec *recorder, project string, secrets map[string]string) {
	t.Helper()
	docs := firestoreDump(t, project)
	require.NotEmpty(t, docs, "the dump must see the job documents, or it proves nothing")
	rec.mu.Lock()
	defer rec.mu.Unlock()
	require.NotZero(t, rec.logs.Len(), "the logs were captured")
	places := map[string][]string{"logs": {rec.logs.String()}, "responses": rec.bodies, "firestore": docs, "events": rec.events,
		"response headers": rec.headers, "raw process output": {rec.raw.String()}}
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
