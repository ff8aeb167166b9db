// Package httpapi holds what every valet HTTP function shares at its edge:
// health routes, lazily built handlers, error codes mapped to statuses,
// request decoding limits, and the auth and logging middleware.
package httpapi

import (
	"encoding/json"
	"net/http"

	"valet.dev/valet/shared/version"
)

// HealthPath is the route every function answers when it is up.
const HealthPath = "/healthz"

// Health answers GET /healthz with
// {"status":"ok","function":name,"version":release} (package version).
func Health(name string) http.HandlerFunc {
	body, _ := json.Marshal(map[string]string{"status": "ok", "function": name, "version": version.String()})
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}
}
