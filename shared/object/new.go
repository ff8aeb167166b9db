package object

import (
	"time"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/mediatype"
)

// New returns a PENDING object of space named name, declared by createdBy
// to hold size bytes of contentType (and, when md5 is not empty, with that
// MD5), waiting for its bytes until now+UploadWindow. It gets a new id,
// the key of revision 0 and an upload key of its own. Bad input is Invalid, an object over
// MaxObjectBytes TooLarge.
func New(space ids.SpaceID, name, contentType string, size int64, md5 string, createdBy ids.UserID, now time.Time) (*Object, error) {
	if _, err := ids.ParseSpaceID(string(space)); err != nil {
		return nil, err
	}
	if _, err := ids.ParseObjectName(name); err != nil {
		return nil, err
	}
	if err := mediatype.Check("contentType", contentType, "application/octet-stream"); err != nil {
		return nil, err
	}
	if size < 0 {
		return nil, apperr.E(apperr.Invalid, "sizeBytes must not be negative, got %d", size)
	}
	if size > MaxObjectBytes {
		return nil, apperr.E(apperr.TooLarge, "sizeBytes %d is over the limit of %d bytes per object; split the data", size, MaxObjectBytes)
	}
	if err := mediatype.CheckMD5("md5", md5); err != nil {
		return nil, err
	}
	if createdBy == "" {
		return nil, apperr.E(apperr.Invalid, "an object needs its creator")
	}
	id := ids.NewObjectID()
	now = now.UTC()
	return &Object{
		ID:             id,
		Space:          space,
		Name:           name,
		ContentType:    contentType,
		SizeBytes:      size,
		MD5:            md5,
		State:          Pending,
		CreatedBy:      createdBy,
		CreatedAt:      now,
		UpdatedAt:      now,
		UploadDeadline: now.Add(UploadWindow),
		Key:            Key(space, id, 0),
		UploadKey:      UploadKey(space, id, ids.NewSuffix()),
	}, nil
}
