package objects

import (
	"net/http"

	"valet.dev/valet/shared/access"
	"valet.dev/valet/shared/audit"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/object"
	"valet.dev/valet/shared/signer"
)

// createRequest is the body of POST /spaces/{space}/objects.
type createRequest struct {
	Name        string `json:"name"`
	ContentType string `json:"contentType"`
	SizeBytes   *int64 `json:"sizeBytes"`
	MD5         string `json:"md5"`
}

// uploadResponse answers POST /spaces/{space}/objects.
type uploadResponse struct {
	Object *object.Object `json:"object"`
	Upload signer.URL     `json:"upload"`
}

// createObject serves POST /spaces/{space}/objects: a PENDING object, its
// bytes reserved against the space's quota, and a signed PUT bound to its
// content type, exact size and (when given) MD5, which can create the
// bytes once and never replace them. The PUT names the object's upload key,
// never a key a download URL names: finalize copies matching bytes to the
// object's key, and deletes whatever a replay of the URL writes later.
func (h *handler) createObject(w http.ResponseWriter, r *http.Request) error {
	p, space, err := h.loadSpace(r, access.CreateObject)
	if err != nil {
		return err
	}
	var req createRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	if req.SizeBytes == nil {
		return errSizeRequired
	}
	o, err := object.New(space, req.Name, req.ContentType, *req.SizeBytes, req.MD5, ids.UserID(p.ID), h.clock())
	if err != nil {
		return err
	}
	// Sign before storing, so that a value the signer refuses leaves nothing
	// behind.
	upload, err := h.signer.Upload(h.bucket, o.UploadKey, signer.UploadOptions{
		ContentType: o.ContentType, MinBytes: o.SizeBytes, MaxBytes: o.SizeBytes, MD5: o.MD5,
		TTL: object.UploadWindow, CreateOnly: true,
	})
	if err != nil {
		return err
	}
	if err := h.objects.Create(r.Context(), o, h.quota); err != nil {
		return err
	}
	h.audit.Write(r.Context(), audit.URL(o.Space, "objects/"+string(o.ID), upload.Method, upload.ExpiresAt))
	httpapi.WriteJSON(w, http.StatusCreated, uploadResponse{Object: o, Upload: upload})
	return nil
}
