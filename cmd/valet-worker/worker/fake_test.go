package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"valet.dev/valet/shared/client"
	"valet.dev/valet/shared/client/clienttest"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/seal"
)

// fakeValet is dispatch and storage for one job, in one httptest server.
type fakeValet struct {
	t         *testing.T
	url       string // the fake's base URL
	job       job.View
	workspace []byte
	bundle    client.Bundle

	mu      sync.Mutex
	claimed bool
	sealTo  string
	states  []string // "STATE: message"
	uploads map[string][]byte
	running chan struct{} // closed at RUNNING
	onceRun sync.Once
}

func newFakeValet(t *testing.T, j job.View, workspace []byte) *fakeValet {
	f := &fakeValet{t: t, job: j, workspace: workspace, uploads: map[string][]byte{}, running: make(chan struct{})}
	f.url = clienttest.Server(t, f.serve)
	f.bundle = client.Bundle{
		Workspace:     client.SignedURL{URL: f.url + "/storage/ws?X-Goog-Signature=wsig"},
		Output:        client.SignedURL{URL: f.url + "/storage/out?X-Goog-Signature=osig", Headers: map[string]string{"Content-Type": "application/x-tar"}},
		Attestation:   client.SignedURL{URL: f.url + "/storage/att?X-Goog-Signature=asig", Headers: map[string]string{"Content-Type": "application/json"}},
		JobToken:      "job-token-secret",
		RuntimeToken:  "runtime-token-secret",
		WorkflowToken: "workflow-token-secret",
	}
	return f
}

func (f *fakeValet) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := f.job.ID
	switch {
	case r.URL.Path == "/claim":
		var req client.ClaimRequest
		json.NewDecoder(r.Body).Decode(&req)
		if f.claimed || !req.SingleUse {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		f.claimed, f.sealTo = true, req.SealTo
		json.NewEncoder(w).Encode(client.Claim{Job: f.job, Lock: client.Lock{Epoch: 1, LeaseExpiresAt: time.Now().Add(time.Minute)}})
	case r.URL.Path == "/jobs/"+id+"/auth":
		pub, err := seal.ParsePublicKey(f.sealTo)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		plain, _ := json.Marshal(f.bundle)
		sealed, _ := seal.Seal(pub, id, 1, plain)
		json.NewEncoder(w).Encode(map[string]string{"sealed": sealed})
	case r.URL.Path == "/jobs/"+id+"/state":
		var body struct {
			State   string `json:"state"`
			Message string `json:"message"`
		}
		json.NewDecoder(r.Body).Decode(&body)
		f.states = append(f.states, strings.TrimSuffix(body.State+": "+body.Message, ": "))
		if body.State == "RUNNING" {
			f.onceRun.Do(func() { close(f.running) })
		}
		json.NewEncoder(w).Encode(f.job)
	case r.URL.Path == "/jobs/"+id+"/heartbeat":
		json.NewEncoder(w).Encode(map[string]any{"lock": client.Lock{Epoch: 1}})
	case r.URL.Path == "/storage/ws":
		w.Write(f.workspace)
	case strings.HasPrefix(r.URL.Path, "/storage/") && r.Method == http.MethodPut:
		b, _ := io.ReadAll(r.Body)
		f.uploads[strings.TrimPrefix(r.URL.Path, "/storage/")] = b
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeValet) worker(exec bool, log io.Writer) *Worker {
	return New(Options{
		Name: "test-worker", Lease: 30 * time.Second, Poll: 10 * time.Millisecond, Exec: exec, Once: true, Log: log,
		Dispatch: f.url,
		Token:    func(context.Context) (string, error) { return "svc-token", nil },
	})
}

func (f *fakeValet) snapshot() ([]string, map[string][]byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	uploads := map[string][]byte{}
	for k, v := range f.uploads {
		uploads[k] = v
	}
	return append([]string(nil), f.states...), uploads
}

// workspaceTar is a tar of files.
func workspaceTar(t *testing.T, files map[string]string) []byte {
	t.Helper()
	dir := t.TempDir()
	clienttest.WriteTree(t, dir, files)
	var b bytes.Buffer
	if err := client.TarDir(dir, &b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
