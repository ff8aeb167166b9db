package objects

import (
	"errors"
	"net/http"

	"valet.dev/valet/shared/access"
	"valet.dev/valet/shared/audit"
	"valet.dev/valet/shared/httpapi"
)

// auditResponse answers GET /spaces/{space}/audit.
type auditResponse struct {
	Entries       []audit.Entry `json:"entries"`
	NextPageToken string        `json:"nextPageToken"`
}

// listAudit serves GET /spaces/{space}/audit?pageSize=&pageToken=: the
// space's audit entries, newest first, for its owners (access.ReadAudit:
// the user of a personal space, the owners of a project, with an
// unnarrowed credential). A caller that may not read the space gets 404,
// one that may read it but is not an owner, or holds a narrowed token, 403.
func (h *handler) listAudit(w http.ResponseWriter, r *http.Request) error {
	_, space, err := h.loadSpace(r, access.ReadAudit)
	if err != nil {
		return err
	}
	page, err := httpapi.ParsePage(r.URL.Query(), audit.DefaultPageSize, audit.MaxPageSize)
	if err != nil {
		return err
	}
	if h.auditLog == nil {
		return httpapi.NotConfigured(Name, errors.New("objects: Options.AuditLog is not set"))
	}
	entries, next, err := h.auditLog.List(r.Context(), space, page.Size, page.Token)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, auditResponse{Entries: entries, NextPageToken: next})
	return nil
}
