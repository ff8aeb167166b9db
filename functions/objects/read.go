package objects

import (
	"mime"
	"net/http"
	"path"
	"strings"

	"valet.dev/valet/shared/access"
	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/audit"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/object"
	"valet.dev/valet/shared/signer"
)

var errSizeRequired = apperr.E(apperr.Invalid, "sizeBytes is required: the exact size of the bytes you will upload")

// listResponse answers GET /spaces/{space}/objects.
type listResponse struct {
	Objects       []*object.Object `json:"objects"`
	NextPageToken string           `json:"nextPageToken"`
}

// getObject serves GET /objects/{id}: the object's metadata.
func (h *handler) getObject(w http.ResponseWriter, r *http.Request) error {
	_, o, err := h.loadObject(r, access.ReadObject)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, o)
	return nil
}

// listObjects serves GET /spaces/{space}/objects?prefix=&pageSize=&pageToken=:
// the space's pending and ready objects by name.
func (h *handler) listObjects(w http.ResponseWriter, r *http.Request) error {
	_, space, err := h.loadSpace(r, access.ReadObject)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	page, err := httpapi.ParsePage(q, object.DefaultPageSize, object.MaxPageSize)
	if err != nil {
		return err
	}
	prefix, err := ids.ParseNamePrefix(q.Get("prefix"))
	if err != nil {
		return err
	}
	objs, next, err := h.objects.List(r.Context(), space, string(prefix), page.Size, page.Token)
	if err != nil {
		return err
	}
	if objs == nil {
		objs = []*object.Object{}
	}
	httpapi.WriteJSON(w, http.StatusOK, listResponse{Objects: objs, NextPageToken: next})
	return nil
}

// download serves GET /objects/{id}/download: a signed GET of a READY
// object for object.DownloadWindow, whose answer names the file as the object.
func (h *handler) download(w http.ResponseWriter, r *http.Request) error {
	_, o, err := h.loadObject(r, access.ReadObject)
	if err != nil {
		return err
	}
	if o.State != object.Ready {
		return apperr.E(apperr.Conflict, "object %s is %s; it can be downloaded once its upload has arrived", o.ID, o.State)
	}
	u, err := h.signer.Download(h.bucket, o.Key, signer.DownloadOptions{TTL: object.DownloadWindow, ContentDisposition: disposition(o.Name)})
	if err != nil {
		return err
	}
	h.audit.Write(r.Context(), audit.URL(o.Space, "objects/"+string(o.ID), http.MethodGet, u.ExpiresAt))
	httpapi.WriteJSON(w, http.StatusOK, u.Link())
	return nil
}

// maxDispositionBytes keeps a download's Content-Disposition within what
// the signer accepts (256 bytes), whatever the object's name.
const maxDispositionBytes = 200

// disposition is the Content-Disposition of a download: attachment, with
// the last segment of the object's name as filename (RFC 2231 encoded when
// it is not plain ASCII, as mime.FormatMediaType does). A long filename is
// shortened, keeping its extension, so every valid name can be downloaded.
func disposition(name string) string {
	base := path.Base(name)
	if base == "/" || base == "." || base == ".." {
		base = "download"
	}
	ext := path.Ext(base)
	if len(ext) > 16 {
		ext = ""
	}
	stem := []rune(strings.TrimSuffix(base, ext))
	for {
		v := formatDisposition(string(stem) + ext)
		if len(v) <= maxDispositionBytes || len(stem) == 0 {
			return v
		}
		stem = stem[:len(stem)-max(1, len(stem)/8)]
	}
}

// formatDisposition is "attachment" with filename, falling back to a plain
// ASCII filename when mime refuses it.
func formatDisposition(filename string) string {
	if filename == "" {
		filename = "download"
	}
	if v := mime.FormatMediaType("attachment", map[string]string{"filename": filename}); v != "" {
		return v
	}
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, filename)
	return `attachment; filename="` + ascii + `"`
}
