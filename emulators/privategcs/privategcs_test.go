package privategcs

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"

	"github.com/fsouza/fake-gcs-server/fakestorage"
	"github.com/stretchr/testify/require"
	"google.golang.org/api/option"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/gcs"
)

const bucket = "valet-objects"

func newServer(t *testing.T) *Server {
	t.Helper()
	fake, err := fakestorage.NewServerWithOptions(fakestorage.Options{NoListener: true, PublicHost: "gate.test"})
	require.NoError(t, err)
	t.Cleanup(fake.Stop)
	fake.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: bucket})
	s, err := Wrap(fake)
	require.NoError(t, err)
	return s
}

func (s *Server) put(t *testing.T, name, content string) int64 {
	t.Helper()
	s.fake.CreateObject(fakestorage.Object{ObjectAttrs: fakestorage.ObjectAttrs{BucketName: bucket, Name: name}, Content: []byte(content)})
	obj, err := s.fake.GetObject(bucket, name)
	require.NoError(t, err)
	return obj.Generation
}

func (s *Server) content(t *testing.T, name string) string {
	t.Helper()
	obj, err := s.fake.GetObject(bucket, name)
	require.NoError(t, err)
	return string(obj.Content)
}

func (s *Server) gcsClient(t *testing.T) *gcs.Client {
	t.Helper()
	c, err := gcs.NewClient(context.Background(), option.WithHTTPClient(&http.Client{Transport: s.Transport()}), option.WithoutAuthentication())
	require.NoError(t, err)
	return c
}

func (s *Server) do(t *testing.T, method, path string, header http.Header, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, "http://gate.test"+path, bytes.NewReader([]byte(body)))
	require.NoError(t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := s.Transport().RoundTrip(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, b
}

func TestWrapRefusesAListener(t *testing.T) {
	fake, err := fakestorage.NewServerWithOptions(fakestorage.Options{Scheme: "http", Host: "127.0.0.1"})
	require.NoError(t, err)
	t.Cleanup(fake.Stop)
	_, err = Wrap(fake)
	require.ErrorContains(t, err, "NoListener")
}

// TestCreateOnlyCopyIsConflict: shared/gcs's Copy asks for DoesNotExist
// (ifGenerationMatch=0); onto an existing object Cloud Storage answers 412
// and changes nothing. fake-gcs-server alone overwrites.
func TestCreateOnlyCopyIsConflict(t *testing.T) {
	s := newServer(t)
	c := s.gcsClient(t)
	ctx := context.Background()
	genA := s.put(t, "a", "first")
	genB := s.put(t, "b", "second")

	copied, err := c.Copy(ctx, bucket, "a", genA, "dst")
	require.NoError(t, err)
	require.Equal(t, "first", s.content(t, "dst"))

	_, err = c.Copy(ctx, bucket, "b", genB, "dst")
	require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "%v", err)
	require.Equal(t, "first", s.content(t, "dst"), "the refused copy wrote nothing")
	obj, err := s.fake.GetObject(bucket, "dst")
	require.NoError(t, err)
	require.Equal(t, copied.Generation, obj.Generation)
}

// TestCopyPreconditionsOverJSON: copyTo and rewriteTo, ifGenerationMatch
// (412 conditionNotMet) and ifGenerationNotMatch (304), as Cloud Storage
// answers them ("Request preconditions");
// a precondition the store does not enforce is refused, not ignored.
func TestCopyPreconditionsOverJSON(t *testing.T) {
	s := newServer(t)
	s.put(t, "src", "bytes")
	gen := s.put(t, "dst", "kept")

	for _, verb := range []string{"copyTo", "rewriteTo"} {
		base := "/storage/v1/b/" + bucket + "/o/src/" + verb + "/b/" + bucket + "/o/dst"
		for query, want := range map[string]int{
			"?ifGenerationMatch=0":                  http.StatusPreconditionFailed,
			"?ifGenerationMatch=" + itoa(gen+1):     http.StatusPreconditionFailed,
			"?ifGenerationNotMatch=" + itoa(gen):    http.StatusNotModified,
			"?ifGenerationMatch=x":                  http.StatusBadRequest,
			"?ifMetagenerationMatch=1":              http.StatusBadRequest,
			"?ifSourceGenerationMatch=" + itoa(gen): http.StatusBadRequest,
		} {
			status, body := s.do(t, http.MethodPost, base+query, nil, "")
			require.Equal(t, want, status, "%s%s: %s", verb, query, body)
			if want == http.StatusPreconditionFailed {
				var e struct {
					Error struct {
						Code   int `json:"code"`
						Errors []struct {
							Reason string `json:"reason"`
						} `json:"errors"`
					} `json:"error"`
				}
				require.NoError(t, json.Unmarshal(body, &e))
				require.Equal(t, 412, e.Error.Code)
				require.Equal(t, "conditionNotMet", e.Error.Errors[0].Reason)
			}
			require.Equal(t, "kept", s.content(t, "dst"), "%s%s wrote nothing", verb, query)
		}
		status, body := s.do(t, http.MethodPost, base+"?ifGenerationMatch="+itoa(gen), nil, "")
		require.Equal(t, http.StatusOK, status, "%s onto the expected generation: %s", verb, body)
		require.Equal(t, "bytes", s.content(t, "dst"))
		gen = s.put(t, "dst", "kept")
	}
}

// TestXMLPutPrecondition: x-goog-if-generation-match on a PUT holds under
// the same lock as copies.
func TestXMLPutPrecondition(t *testing.T) {
	s := newServer(t)
	s.put(t, "obj", "first")
	h := http.Header{"X-Goog-If-Generation-Match": {"0"}}
	status, body := s.do(t, http.MethodPut, "/"+bucket+"/obj?X-Goog-Algorithm=GOOG4-RSA-SHA256", h, "second")
	require.Equal(t, http.StatusPreconditionFailed, status)
	require.Contains(t, string(body), "<Code>PreconditionFailed</Code>")
	require.Equal(t, "first", s.content(t, "obj"))

	status, _ = s.do(t, http.MethodPut, "/"+bucket+"/new?X-Goog-Algorithm=GOOG4-RSA-SHA256", h, "created")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "created", s.content(t, "new"))

	status, _ = s.do(t, http.MethodPut, "/"+bucket+"/obj?X-Goog-Algorithm=GOOG4-RSA-SHA256", http.Header{"X-Goog-If-Metageneration-Match": {"1"}}, "x")
	require.Equal(t, http.StatusBadRequest, status)
}

// TestRacingCreateOnlyCopies: of many create-only copies to one name, one
// wins; the others get Conflict, and the winner's bytes stay.
func TestRacingCreateOnlyCopies(t *testing.T) {
	s := newServer(t)
	c := s.gcsClient(t)
	const racers = 8
	gens := make([]int64, racers)
	for i := range gens {
		gens[i] = s.put(t, "src"+itoa(int64(i)), "racer "+itoa(int64(i)))
	}
	var wg sync.WaitGroup
	errs := make([]error, racers)
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = c.Copy(context.Background(), bucket, "src"+itoa(int64(i)), gens[i], "dst")
		}()
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		if err == nil {
			require.Equal(t, -1, winner, "two copies created dst")
			winner = i
			continue
		}
		require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "%v", err)
	}
	require.NotEqual(t, -1, winner)
	require.Equal(t, "racer "+itoa(int64(winner)), s.content(t, "dst"))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestServeNeedsTheFunctionsCredential: on its port the store answers only
// the functions' client, which finds it (and its credential) through
// STORAGE_EMULATOR_HOST as the production code does; anonymous requests
// in any URL form get 401.
func TestServeNeedsTheFunctionsCredential(t *testing.T) {
	s := newServer(t)
	gen := s.put(t, "secret", "bytes")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	host, stop := s.Serve(l)
	t.Cleanup(stop)

	t.Setenv("STORAGE_EMULATOR_HOST", host)
	c, err := gcs.NewClient(context.Background())
	require.NoError(t, err)
	_, err = c.Copy(context.Background(), bucket, "secret", gen, "copy")
	require.NoError(t, err)
	require.Equal(t, "bytes", s.content(t, "copy"))
	require.NoError(t, c.Delete(context.Background(), bucket, "copy", 0))

	base := "http://" + l.Addr().String()
	for _, path := range []string{
		"/" + bucket + "/secret",
		"/download/storage/v1/b/" + bucket + "/o/secret?alt=media",
		"/storage/v1/b/" + bucket + "/o/secret?alt=media",
		"/storage/v1/b/" + bucket + "/o/secret",
	} {
		for _, user := range []*url.Userinfo{nil, url.UserPassword(functionsUser, "guess")} {
			u, err := url.Parse(base + path)
			require.NoError(t, err)
			u.User = user
			res, err := http.Get(u.String())
			require.NoError(t, err)
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			require.Equal(t, http.StatusUnauthorized, res.StatusCode, "%s as %v", path, user)
			require.NotContains(t, string(body), "bytes")
		}
	}
}
