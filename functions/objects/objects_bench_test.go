package objects

import (
	"net/http"
	"testing"
)

// Benchmarks of the objects hot paths through the real handler over HTTP,
// against the Firestore emulator and an in-process fake-gcs-server, served
// as newEnv serves them. Read their figures as ratios to the floors
// (docs/benchmarks.md).

var benchContent = []byte("benchmark object content")

// BenchmarkCreateObject is POST /spaces/{space}/objects: the metadata with
// its quota reservation, and a signed upload URL.
func BenchmarkCreateObject(b *testing.B) {
	e := newEnv(b, 0)
	alice := unique("bench-create")
	e.createObject(user(alice), "users/"+alice, "warm.txt", benchContent)
	for b.Loop() {
		e.createObject(user(alice), "users/"+alice, "data.txt", benchContent)
	}
}

// BenchmarkDownloadObject is GET /objects/{id}/download of a READY object
// by its owner: a read, an access decision and a signed download URL.
func BenchmarkDownloadObject(b *testing.B) {
	e := newEnv(b, 0)
	alice := unique("bench-download")
	path := "/objects/" + e.upload(user(alice), "users/"+alice, "data.txt", benchContent).ID + "/download"
	for b.Loop() {
		var download map[string]any
		e.call(user(alice), "GET", string(path), nil).Decode(b, http.StatusOK, &download)
	}
}
