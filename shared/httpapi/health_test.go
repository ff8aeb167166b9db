package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"valet.dev/valet/shared/version"
)

// /healthz names the function and the release it runs.
func TestHealthServesVersion(t *testing.T) {
	rec := httptest.NewRecorder()
	Health("jobs").ServeHTTP(rec, httptest.NewRequest(http.MethodGet, HealthPath, nil))
	var body map[string]string
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"status": "ok", "function": "jobs", "version": version.String()}
	if rec.Code != http.StatusOK || len(body) != len(want) || body["status"] != "ok" || body["function"] != "jobs" || body["version"] != want["version"] {
		t.Fatalf("GET /healthz = %d %v, want 200 %v", rec.Code, body, want)
	}
}
