package privategcs

import (
	"net"
	"net/http"

	"valet.dev/valet/emulators/runcred"
)

// functionsUser is the user name of the functions' credential.
const functionsUser = runcred.User

// Serve serves the store on l for the functions' Cloud Storage client, as
// Cloud Storage serves a private bucket to the functions' service account:
// every request must carry the per-run credential (HTTP Basic, package
// runcred), any other gets 401 without reaching fake-gcs-server. It
// returns the STORAGE_EMULATOR_HOST value, which carries the credential
// (http://valet-functions:<secret>@host:port; the Go client and net/http
// send it), and a function that stops serving.
func (s *Server) Serve(l net.Listener) (emulatorHost string, stop func()) {
	return runcred.Serve(l, s, func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, &preconditionError{status: http.StatusUnauthorized, reason: "required", code: "AccessDenied",
			message: "Anonymous caller does not have access to the local storage emulator; only the gate and the functions' credential reach it."})
	})
}
