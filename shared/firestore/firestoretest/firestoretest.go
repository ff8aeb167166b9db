// Package firestoretest connects tests to the Firestore emulator: each test
// package gets its own project id (so packages sharing one emulator never
// see each other's documents, nor those of an earlier run), a client closed
// when the test ends, and Reset to empty a project.
//
// Without FIRESTORE_EMULATOR_HOST the tests skip on a laptop and fail under
// CI=true (testenv.Require).
package firestoretest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/firestore"

	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/testenv"
)

// maxProjectIDLen is Google Cloud's limit on project ids.
const maxProjectIDLen = 30

// runSuffix tells this test process from any other: two runs (or two
// packages' binaries running at once) never share a project.
var runSuffix = func() string {
	b := make([]byte, 2)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}()

// New returns a client of the emulator for the calling test package's
// project (ProjectID), closed when t ends. Tests of one package share the
// project: use distinct document ids, or Reset it first in tests that do not
// run in parallel.
func New(t testing.TB) *firestore.Client {
	t.Helper()
	testenv.Require(t, valetfs.EmulatorHostEnv, "the Firestore emulator")
	client, err := valetfs.NewClient(context.Background(), projectID(callerPackage()))
	if err != nil {
		t.Fatalf("firestoretest: %v", err)
	}
	t.Cleanup(func() { _ = client.Close() })
	return client
}

// ProjectID is the calling test package's project id in the emulator: the
// tail of the package path in [a-z0-9-], a hash of the whole path, and a
// per-process random suffix, at most 30 characters.
func ProjectID(t testing.TB) string {
	t.Helper()
	return projectID(callerPackage())
}

// Reset deletes every document of projectID in the emulator.
func Reset(t testing.TB, projectID string) {
	t.Helper()
	host := testenv.Require(t, valetfs.EmulatorHostEnv, "the Firestore emulator")
	u := "http://" + host + "/emulator/v1/projects/" + url.PathEscape(projectID) + "/databases/(default)/documents"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, u, nil)
	if err != nil {
		t.Fatalf("firestoretest: reset %s: %v", projectID, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("firestoretest: reset %s: %v", projectID, err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("firestoretest: reset %s: emulator answered %s", projectID, resp.Status)
	}
}

// projectID builds the id for a package path (see ProjectID).
func projectID(pkgPath string) string {
	pkgPath = strings.TrimSuffix(pkgPath, "_test")
	h := fnv.New32a()
	_, _ = h.Write([]byte(pkgPath))
	tag := fmt.Sprintf("-%04x-%s", h.Sum32()&0xffff, runSuffix)

	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(pkgPath) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	name := b.String()
	if keep := maxProjectIDLen - len(tag) - 1; len(name) > keep {
		name = name[len(name)-keep:] // the tail names the package best
	}
	name = strings.Trim(name, "-")
	if name == "" || name[0] < 'a' || name[0] > 'z' {
		name = "p" + name // a project id starts with a letter
	}
	return name + tag
}

// callerPackage is the import path of the first caller outside this package.
func callerPackage() string {
	self := reflect.TypeFor[marker]().PkgPath()
	pcs := make([]uintptr, 32)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	for {
		frame, more := frames.Next()
		if pkg := packageOf(frame.Function); pkg != "" && pkg != self {
			return pkg
		}
		if !more {
			return "unknown"
		}
	}
}

type marker struct{}

// packageOf extracts the import path from a qualified function name such as
// "valet.dev/valet/shared/job_test.TestX.func1".
func packageOf(function string) string {
	slash := strings.LastIndex(function, "/")
	dot := strings.Index(function[slash+1:], ".")
	if dot < 0 {
		return ""
	}
	return function[:slash+1+dot]
}
