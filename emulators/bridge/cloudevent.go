package bridge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
	"unicode/utf8"

	"cloud.google.com/go/pubsub/v2"
)

// The storage notification attributes and event type fake-gcs-server (and
// GCS) publish to Pub/Sub.
const (
	AttrBucket     = "bucketId"
	AttrObject     = "objectId"
	AttrGeneration = "objectGeneration"
	AttrEventType  = "eventType"
	AttrEventTime  = "eventTime"
	EventFinalize  = "OBJECT_FINALIZE"
)

// FinalizedType is the CloudEvent type Eventarc gives object finalize events.
const FinalizedType = "google.cloud.storage.object.v1.finalized"

// SourcePrefix is the CloudEvent source of a bucket's events, before the bucket name.
const SourcePrefix = "//storage.googleapis.com/projects/_/buckets/"

// NewCloudEventRequest converts a storage notification into the binary-mode
// CloudEvent Eventarc would POST to target for it: ce-* headers and the
// object JSON as body (with bucket, name and generation filled in from the
// attributes when the JSON lacks them). It returns false, and no request,
// for events other than OBJECT_FINALIZE. An error means the message can never
// be delivered (no bucket or name, a body that is not a JSON object).
func NewCloudEventRequest(ctx context.Context, target string, msg *pubsub.Message) (*http.Request, bool, error) {
	if msg.Attributes[AttrEventType] != EventFinalize {
		return nil, false, nil
	}
	object := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(msg.Data)) > 0 {
		if err := json.Unmarshal(msg.Data, &object); err != nil || object == nil {
			return nil, true, fmt.Errorf("bridge: message %s: data is not a JSON object", msg.ID)
		}
	}
	bucket, err := field(object, "bucket", msg.Attributes[AttrBucket])
	if err != nil {
		return nil, true, fmt.Errorf("bridge: message %s: %w", msg.ID, err)
	}
	name, err := field(object, "name", msg.Attributes[AttrObject])
	if err != nil {
		return nil, true, fmt.Errorf("bridge: message %s: %w", msg.ID, err)
	}
	if _, ok := object["generation"]; !ok && msg.Attributes[AttrGeneration] != "" {
		object["generation"], _ = json.Marshal(msg.Attributes[AttrGeneration]) // GCS JSON writes int64 as strings
	}
	body, err := json.Marshal(object)
	if err != nil {
		return nil, true, fmt.Errorf("bridge: message %s: encode body: %w", msg.ID, err)
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, true, fmt.Errorf("bridge: target %q: %w", target, err)
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("ce-specversion", "1.0")
	h.Set("ce-id", msg.ID)
	h.Set("ce-type", FinalizedType)
	h.Set("ce-source", SourcePrefix+bucket)
	h.Set("ce-subject", "objects/"+name)
	h.Set("ce-time", eventTime(msg).UTC().Format(time.RFC3339Nano))
	return req, true, nil
}

// field returns object[key] as a string, or sets it to attr when absent.
// The value must be non-empty valid UTF-8 (as GCS names are) without
// control characters, so that it fits in an HTTP header.
func field(object map[string]json.RawMessage, key, attr string) (string, error) {
	var v string
	if raw, ok := object[key]; ok {
		if err := json.Unmarshal(raw, &v); err != nil {
			return "", fmt.Errorf("object %s is not a string", key)
		}
	} else {
		v = attr
		object[key], _ = json.Marshal(v)
	}
	if v == "" {
		return "", fmt.Errorf("no object %s in the data or attributes", key)
	}
	if !utf8.ValidString(v) {
		return "", errors.New("object " + key + " is not valid UTF-8")
	}
	for _, c := range []byte(v) {
		if c < 0x20 || c == 0x7f {
			return "", errors.New("object " + key + " contains a control character")
		}
	}
	return v, nil
}

// eventTime is the message's publish time, or the notification's eventTime
// attribute, or now.
func eventTime(msg *pubsub.Message) time.Time {
	if !msg.PublishTime.IsZero() {
		return msg.PublishTime
	}
	if t, err := time.Parse(time.RFC3339, msg.Attributes[AttrEventTime]); err == nil {
		return t
	}
	return time.Now()
}
