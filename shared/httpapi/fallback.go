package httpapi

import (
	"mime"
	"net/http"

	"valet.dev/valet/shared/apperr"
)

// NotFound answers 404 with an ErrorBody; mount it where a mux has no route.
func NotFound(w http.ResponseWriter, r *http.Request) {
	WriteError(w, r, apperr.E(apperr.NotFound, "no such route: %s %s", r.Method, r.URL.Path))
}

// JSONFallback wraps a mux (or any handler) so that its plain-text 404 and
// 405 answers, as http.ServeMux writes them for unknown paths and wrong
// methods, become ErrorBody JSON (the 405 keeps its Allow header). Answers
// that already are JSON, such as WriteError's, pass through untouched.
func JSONFallback(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&fallbackWriter{ResponseWriter: w, r: r}, r)
	})
}

type fallbackWriter struct {
	http.ResponseWriter
	r           *http.Request
	wroteHeader bool
	replaced    bool // the handler's body is dropped: ours was written
}

func (f *fallbackWriter) WriteHeader(code int) {
	if f.wroteHeader {
		f.ResponseWriter.WriteHeader(code) // let net/http report the superfluous call
		return
	}
	if (code == http.StatusNotFound || code == http.StatusMethodNotAllowed) && !isJSON(f.Header().Get("Content-Type")) {
		f.wroteHeader, f.replaced = true, true
		if code == http.StatusNotFound {
			NotFound(f.ResponseWriter, f.r)
			return
		}
		msg := "method " + f.r.Method + " is not allowed here"
		if allow := f.Header().Get("Allow"); allow != "" {
			msg += "; allowed: " + allow
		}
		WriteError(f.ResponseWriter, f.r, apperr.E(apperr.MethodNotAllowed, "%s", msg))
		return
	}
	if code >= 200 {
		f.wroteHeader = true
	}
	f.ResponseWriter.WriteHeader(code)
}

func (f *fallbackWriter) Write(b []byte) (int, error) {
	if f.replaced {
		return len(b), nil
	}
	f.wroteHeader = true
	return f.ResponseWriter.Write(b)
}

// Flush lets streaming handlers flush through the wrapper.
func (f *fallbackWriter) Flush() {
	if f.replaced {
		return
	}
	f.wroteHeader = true
	_ = http.NewResponseController(f.ResponseWriter).Flush()
}

// Unwrap serves http.ResponseController.
func (f *fallbackWriter) Unwrap() http.ResponseWriter { return f.ResponseWriter }

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/json"
}
