package object

import (
	"encoding/base64"
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
	if err := CheckMD5(md5); err != nil {
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

// CheckMD5 accepts "" (no MD5 declared) or the standard, padded base64 of
// 16 bytes, as GCS reports md5Hash.
func CheckMD5(md5 string) error {
	if md5 == "" {
		return nil
	}
	sum, err := base64.StdEncoding.Strict().DecodeString(md5)
	if err != nil || len(sum) != 16 {
		return apperr.E(apperr.Invalid, "md5 must be the standard base64 of 16 bytes (as `gsutil hash -m` prints it)")
	}
	return nil
}
