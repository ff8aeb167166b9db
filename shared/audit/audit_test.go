package audit_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/audit"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/httpapi/apitest"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/logging"
)

// fakeStore records what it is given, or fails.
type fakeStore struct {
	mu       sync.Mutex
	entries  []audit.Entry
	expireAt []time.Time
	err      error
}

func (s *fakeStore) Add(_ context.Context, e audit.Entry, expireAt time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.entries = append(s.entries, e)
	s.expireAt = append(s.expireAt, expireAt)
	return nil
}

// TestWriteLogsAndStoresOneEntry: Write puts one JSON line on its output,
// labelled for the log sink, holding the entry with its id, time and the
// request's principal as actor, and stores the same entry with its expiry.
func TestWriteLogsAndStoresOneEntry(t *testing.T) {
	var out bytes.Buffer
	store := &fakeStore{}
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	w := audit.New(audit.Options{Out: &out, Store: store, Retention: 48 * time.Hour, Now: func() time.Time { return now }})
	ctx := httpapi.WithPrincipal(context.Background(), identity.Principal{Kind: identity.User, ID: "alice", TokenID: "t_abc", Scopes: []string{"all"}})
	expires := now.Add(time.Hour)
	w.Write(ctx, audit.URL("users/alice", "objects/o_1", "PUT", expires))

	got := apitest.JSONLines(t, out.String())
	require.Len(t, got, 1)
	line := got[0]
	require.Equal(t, map[string]any{audit.LabelKey: audit.LabelValue}, line[logging.LabelsKey])
	require.Equal(t, "INFO", line["severity"])
	require.Equal(t, "audit url.signed", line["message"])
	entry := line["audit"].(map[string]any)
	require.Equal(t, "users/alice", entry["space"])
	require.Equal(t, "url.signed", entry["action"])
	require.Equal(t, "objects/o_1", entry["target"])
	require.Equal(t, "PUT", entry["method"])
	require.Equal(t, expires.Format(time.RFC3339Nano), entry["expiresAt"])
	require.Equal(t, map[string]any{"kind": "user", "id": "alice", "tokenId": "t_abc"}, entry["actor"])
	require.NoError(t, audit.ParseID(entry["id"].(string)))

	require.Len(t, store.entries, 1)
	stored := store.entries[0]
	require.Equal(t, entry["id"], stored.ID)
	require.Equal(t, now, stored.Time)
	require.Equal(t, now.Add(48*time.Hour), store.expireAt[0])
	require.Equal(t, audit.Actor{Kind: "user", ID: "alice", TokenID: "t_abc"}, stored.Actor)
}

// TestWriteKeepsTheLogLineWhenTheCopyFails: the log line is the record; a
// copy that cannot be stored is reported, and the caller goes on.
func TestWriteKeepsTheLogLineWhenTheCopyFails(t *testing.T) {
	var out, errs bytes.Buffer
	w := audit.New(audit.Options{Out: &out, Store: &fakeStore{err: errors.New("firestore down")}})
	ctx := httpapi.WithLogger(context.Background(), slog.New(slog.NewJSONHandler(&errs, nil)))
	w.Write(ctx, audit.Of("projects/p1", audit.ProjectDeleted, "projects/p1"))
	got := apitest.JSONLines(t, out.String())
	require.Len(t, got, 1)
	require.Equal(t, "projects/p1", got[0]["audit"].(map[string]any)["target"])
	require.Equal(t, map[string]any{"kind": "system", "id": "valet"}, got[0]["audit"].(map[string]any)["actor"], "no principal: the system acted")
	require.Contains(t, errs.String(), "the audit entry's copy was not stored")
	require.Contains(t, errs.String(), got[0]["audit"].(map[string]any)["id"])

	var nilWriter *audit.Writer
	require.NotPanics(t, func() { nilWriter.Write(context.Background(), audit.Of("users/u", audit.JobCancelled, "jobs/j")) })
}

// TestOnlyAuditLinesCarryTheLabel: an attribute named like Cloud Logging's
// labels field cannot label an ordinary line, so nothing but the audit
// writer reaches the audit log bucket through the sink's filter.
func TestOnlyAuditLinesCarryTheLabel(t *testing.T) {
	var out bytes.Buffer
	l := logging.New(&out, logging.Options{})
	l.Info("spoof", logging.LabelsKey, map[string]string{audit.LabelKey: audit.LabelValue})
	got := apitest.JSONLines(t, out.String())
	require.Len(t, got, 1)
	require.NotContains(t, got[0], logging.LabelsKey)
	require.Contains(t, got[0], logging.LabelsKey+"_", "renamed like every reserved key")
}

// TestIDs: ids are "a_" and 26 base32 characters, and nothing else parses.
func TestIDs(t *testing.T) {
	id := audit.NewID()
	require.NoError(t, audit.ParseID(id))
	require.NotEqual(t, id, audit.NewID())
	for _, bad := range []string{"", "a_", "a_" + strings.Repeat("A", 26), "b_" + id[2:], id + "a", "a_" + strings.Repeat("1", 26)} {
		require.Error(t, audit.ParseID(bad), bad)
	}
}
