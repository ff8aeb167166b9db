package bridge_test

import (
	"context"
	"encoding/json"
	"io"
	"testing"
	"time"

	"cloud.google.com/go/pubsub/v2"
	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/bridge"
)

func finalizeAttrs(bucket, name, generation string) map[string]string {
	return map[string]string{"bucketId": bucket, "objectId": name, "objectGeneration": generation, "eventType": "OBJECT_FINALIZE"}
}

func TestNewCloudEventRequest(t *testing.T) {
	published := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	msg := &pubsub.Message{
		ID:          "42",
		Data:        []byte(`{"kind":"storage#object","name":"objects/o 1","bucket":"data","generation":"5","size":"3"}`),
		Attributes:  finalizeAttrs("data", "objects/o 1", "5"),
		PublishTime: published,
	}
	req, forward, err := bridge.NewCloudEventRequest(context.Background(), "http://127.0.0.1:8080/finalize", msg)
	require.NoError(t, err)
	require.True(t, forward)
	require.Equal(t, "POST", req.Method)
	require.Equal(t, "http://127.0.0.1:8080/finalize", req.URL.String())
	require.Equal(t, map[string][]string{
		"Content-Type":   {"application/json"},
		"Ce-Specversion": {"1.0"},
		"Ce-Id":          {"42"},
		"Ce-Type":        {"google.cloud.storage.object.v1.finalized"},
		"Ce-Source":      {"//storage.googleapis.com/projects/_/buckets/data"},
		"Ce-Subject":     {"objects/objects/o 1"},
		"Ce-Time":        {"2026-11-02T10:00:00Z"},
	}, map[string][]string(req.Header))
	body, err := io.ReadAll(req.Body)
	require.NoError(t, err)
	require.JSONEq(t, string(msg.Data), string(body))
}

func TestNewCloudEventRequestFillsMissingFields(t *testing.T) {
	msg := &pubsub.Message{ID: "1", Data: []byte(`{"size":"3"}`), Attributes: finalizeAttrs("b", "n", "9")}
	msg.Attributes["eventTime"] = "2026-01-02T03:04:05Z"
	req, forward, err := bridge.NewCloudEventRequest(context.Background(), "http://x/", msg)
	require.NoError(t, err)
	require.True(t, forward)
	require.Equal(t, "2026-01-02T03:04:05Z", req.Header.Get("ce-time"), "eventTime when there is no publish time")
	var body map[string]any
	require.NoError(t, json.NewDecoder(req.Body).Decode(&body))
	require.Equal(t, map[string]any{"size": "3", "bucket": "b", "name": "n", "generation": "9"}, body)
}

func TestNewCloudEventRequestRefuses(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		attrs   map[string]string
		forward bool
	}{
		{"delete event", `{}`, map[string]string{"bucketId": "b", "objectId": "n", "eventType": "OBJECT_DELETE"}, false},
		{"metadata event", `{}`, map[string]string{"bucketId": "b", "objectId": "n", "eventType": "OBJECT_METADATA_UPDATE"}, false},
		{"no event type", `{}`, map[string]string{"bucketId": "b", "objectId": "n"}, false},
		{"no bucket", `{"name":"n"}`, map[string]string{"objectId": "n", "eventType": "OBJECT_FINALIZE"}, true},
		{"no name", `{"bucket":"b"}`, map[string]string{"bucketId": "b", "eventType": "OBJECT_FINALIZE"}, true},
		{"data not an object", `[1]`, finalizeAttrs("b", "n", "1"), true},
		{"data null", `null`, finalizeAttrs("b", "n", "1"), true},
		{"data not json", `{`, finalizeAttrs("b", "n", "1"), true},
		{"name not a string", `{"name":3}`, finalizeAttrs("b", "n", "1"), true},
		{"newline in name", `{}`, finalizeAttrs("b", "a\nb", "1"), true},
		{"invalid UTF-8 in name", `{}`, finalizeAttrs("b", "\x80", "1"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, forward, err := bridge.NewCloudEventRequest(context.Background(), "http://x/", &pubsub.Message{ID: "1", Data: []byte(tt.data), Attributes: tt.attrs})
			require.Nil(t, req)
			require.Equal(t, tt.forward, forward)
			if tt.forward {
				require.Error(t, err, "an undeliverable finalize event is an error")
			} else {
				require.NoError(t, err)
			}
		})
	}
}

func FuzzNewCloudEventRequest(f *testing.F) {
	f.Add(`{"name":"n","bucket":"b","generation":"1"}`, "b", "n", "1")
	f.Add(`{}`, "", "", "")
	f.Add(`null`, "b", "a\rb", "x")
	f.Fuzz(func(t *testing.T, data, bucket, name, generation string) {
		msg := &pubsub.Message{ID: "1", Data: []byte(data), Attributes: finalizeAttrs(bucket, name, generation)}
		req, forward, err := bridge.NewCloudEventRequest(context.Background(), "http://127.0.0.1/", msg)
		require.True(t, forward)
		if err != nil {
			require.Nil(t, req)
			return
		}
		var body map[string]any
		require.NoError(t, json.NewDecoder(req.Body).Decode(&body))
		require.Equal(t, "objects/"+body["name"].(string), req.Header.Get("ce-subject"))
		require.Equal(t, bridge.SourcePrefix+body["bucket"].(string), req.Header.Get("ce-source"))
	})
}
