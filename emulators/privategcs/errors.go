package privategcs

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strings"
)

// writeError answers err as Cloud Storage does: a JSON error on the JSON
// API (/storage/..., /upload/..., /download/...), an XML error document
// otherwise.
func writeError(w http.ResponseWriter, r *http.Request, err *preconditionError) {
	if err.status == http.StatusNotModified { // no body, as HTTP requires
		w.WriteHeader(err.status)
		return
	}
	path := r.URL.Path
	if strings.HasPrefix(path, "/storage/") || strings.HasPrefix(path, "/upload/") || strings.HasPrefix(path, "/download/") {
		type item struct {
			Domain  string `json:"domain"`
			Reason  string `json:"reason"`
			Message string `json:"message"`
		}
		var body struct {
			Error struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
				Errors  []item `json:"errors"`
			} `json:"error"`
		}
		body.Error.Code, body.Error.Message = err.status, err.message
		body.Error.Errors = []item{{Domain: "global", Reason: err.reason, Message: err.message}}
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		w.WriteHeader(err.status)
		_ = json.NewEncoder(w).Encode(body)
		return
	}
	doc, _ := xml.Marshal(struct {
		XMLName xml.Name `xml:"Error"`
		Code    string   `xml:"Code"`
		Message string   `xml:"Message"`
	}{Code: err.code, Message: err.message})
	w.Header().Set("Content-Type", "application/xml; charset=UTF-8")
	w.WriteHeader(err.status)
	_, _ = w.Write([]byte("<?xml version='1.0' encoding='UTF-8'?>"))
	_, _ = w.Write(doc)
}
