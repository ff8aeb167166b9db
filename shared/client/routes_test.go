package client

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/client/clienttest"
)

// routePattern finds the ServeMux patterns a function registers in its
// source: "POST /jobs", {"GET /spaces", h.spaces}, ...
var routePattern = regexp.MustCompile(`"((?:GET|POST|PUT|DELETE|PATCH) /[^"]*)"`)

// functionRoutes reads the route patterns of a function's package that
// a Client method calls: all but sweep's alias for Cloud Scheduler.
func functionRoutes(t *testing.T, function string) []string {
	t.Helper()
	return slices.DeleteFunc(sourceRoutes(t, function), func(p string) bool {
		return p == "POST /{$}" // sweep's alias of POST /sweep for Cloud Scheduler's bare URL
	})
}

// sourceRoutes reads the route patterns of a function's package.
func sourceRoutes(t *testing.T, function string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "functions", function, "*.go"))
	require.NoError(t, err)
	require.NotEmpty(t, files, function)
	// Every function: httpapi.HealthPath and httpapi.OpenAPIPath.
	seen := map[string]bool{"GET /healthz": true, "GET /openapi.json": true}
	switch function {
	case Tokens:
		seen["GET /.well-known/jwks.json"] = true // registered through the JWKSPath constant
	case "console":
		seen["GET /config.json"] = true // registered through the ConfigPath constant
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range routePattern.FindAllStringSubmatch(string(b), -1) {
			seen[m[1]] = true
		}
	}
	var out []string
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// TestClientCoversEveryRoute: every route a function registers (read from
// its source) is reached by a method of Client, so a new route without a
// client method fails here.
func TestClientCoversEveryRoute(t *testing.T) {
	functions := []string{Jobs, Objects, Tokens, Dispatch, Sweep}
	var mu sync.Mutex
	hit := map[string]bool{}
	root := http.NewServeMux()
	for _, fn := range functions {
		mux := http.NewServeMux()
		for _, p := range functionRoutes(t, fn) {
			pattern := fn + " " + p
			mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				hit[pattern] = true
				mu.Unlock()
				if strings.HasSuffix(p, "/healthz") {
					clienttest.Answer(w, http.StatusOK, `{"status":"ok","function":"`+fn+`"}`)
					return
				}
				clienttest.Answer(w, http.StatusOK, `{"state":"SUCCEEDED"}`)
			})
		}
		root.Handle("/"+fn+"/", http.StripPrefix("/"+fn, mux))
	}
	srv := clienttest.Server(t, root.ServeHTTP)
	c := &Client{JobsURL: srv + "/jobs", ObjectsURL: srv + "/objects", TokensURL: srv + "/tokens",
		DispatchURL: srv + "/dispatch", SweepURL: srv + "/sweep", Token: "t"}
	ctx := context.Background()
	calls := []func() error{
		func() error { _, err := c.CreateJob(ctx, CreateJobRequest{}); return err },
		func() error { _, err := c.GetJob(ctx, "j_1"); return err },
		func() error {
			_, err := c.ListJobs(ctx, ListJobsOptions{Project: "p", State: "RUNNING", PageSize: 5})
			return err
		},
		func() error { _, err := c.ReissueUpload(ctx, "j_1"); return err },
		func() error { _, err := c.CancelJob(ctx, "j_1"); return err },
		func() error { _, err := c.OutputURL(ctx, "j_1"); return err },
		func() error { _, err := c.AttestationURL(ctx, "j_1"); return err },
		func() error { _, err := c.Events(ctx, "j_1", 10, "tok"); return err },
		func() error { _, _, err := c.Claim(ctx, ClaimRequest{Worker: "w"}); return err },
		func() error { _, err := c.Auth(ctx, "j_1", 1, nil); return err },
		func() error { _, err := c.Heartbeat(ctx, "j_1", 1, 0); return err },
		func() error { _, err := c.State(ctx, "j_1", 1, "RUNNING", ""); return err },
		func() error { _, err := c.RunSweep(ctx); return err },
		func() error { _, err := c.Spaces(ctx); return err },
		func() error { _, err := c.CreateProject(ctx, "p-a", "A"); return err },
		func() error { _, err := c.GetProject(ctx, "p-a"); return err },
		func() error { return c.DeleteProject(ctx, "p-a", true) },
		func() error { _, err := c.SetMember(ctx, "p-a", "bob", "viewer"); return err },
		func() error { return c.RemoveMember(ctx, "p-a", "bob") },
		func() error { _, err := c.CreateObject(ctx, "users/u1", CreateObjectRequest{Name: "a"}); return err },
		func() error { _, err := c.ListObjects(ctx, "projects/p-a", "d/", 10, ""); return err },
		func() error { _, err := c.Audit(ctx, "users/u1", 10, "tok"); return err },
		func() error { _, err := c.GetObject(ctx, "o_1"); return err },
		func() error { _, err := c.ObjectURL(ctx, "o_1"); return err },
		func() error { _, err := c.CopyObject(ctx, "o_1", "users/u1", ""); return err },
		func() error { _, err := c.RevokeObject(ctx, "o_1"); return err },
		func() error { return c.DeleteObject(ctx, "o_1") },
		func() error { _, err := c.CreateToken(ctx, CreateTokenRequest{Name: "n"}); return err },
		func() error { _, err := c.ListTokens(ctx); return err },
		func() error { return c.RevokeToken(ctx, "t_1") },
		func() error { _, err := c.JWKS(ctx); return err },
	}
	for _, fn := range functions {
		calls = append(calls, func() error { _, err := c.Health(ctx, fn); return err })
		calls = append(calls, func() error { _, err := c.OpenAPI(ctx, fn); return err })
	}
	for i, call := range calls {
		require.NoError(t, call(), "call %d", i)
	}
	for _, fn := range functions {
		for _, p := range functionRoutes(t, fn) {
			require.True(t, hit[fn+" "+p], "no Client method calls %s's route %q", fn, p)
		}
	}
}

// TestWrongFunctionIsNamed: a 404 "no such route" from a URL that serves
// another function becomes a *WrongFunctionError naming both.
func TestWrongFunctionIsNamed(t *testing.T) {
	srv := clienttest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			clienttest.Answer(w, http.StatusOK, `{"status":"ok","function":"tokens"}`)
			return
		}
		clienttest.Answer(w, http.StatusNotFound, `{"error":{"code":"not_found","message":"no such route: GET /spaces"}}`)
	})
	_, err := (&Client{ObjectsURL: srv}).Spaces(context.Background())
	var wf *WrongFunctionError
	require.ErrorAs(t, err, &wf)
	require.Equal(t, WrongFunctionError{Want: Objects, Got: Tokens, URL: srv, Err: wf.Err}, *wf)
	require.Equal(t, http.StatusNotFound, StatusOf(err), "the API's answer is kept")

	// A 404 of the right function (a missing object) is left alone.
	_, err = (&Client{TokensURL: srv}).ListTokens(context.Background())
	require.NotErrorAs(t, err, &wf)
}
