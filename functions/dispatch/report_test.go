package dispatch_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
)

type lockOnly struct {
	Lock struct {
		Epoch          int64     `json:"epoch"`
		LeaseExpiresAt time.Time `json:"leaseExpiresAt"`
	} `json:"lock"`
}

func TestHeartbeatExtendsTheLease(t *testing.T) {
	e := newEnv(t)
	q, c := e.claimedJob(t)
	e.clock.Advance(4 * time.Minute)

	status, raw := e.call(t, "service:disp1", http.MethodPost, "/jobs/"+q.ID.String()+"/heartbeat", map[string]any{"epoch": c.Lock.Epoch})
	require.Equal(t, http.StatusOK, status, string(raw))
	hb := decode[lockOnly](t, raw)
	require.EqualValues(t, 1, hb.Lock.Epoch)
	require.True(t, t0.Add(4*time.Minute+job.DefaultLease).Equal(hb.Lock.LeaseExpiresAt), hb.Lock.LeaseExpiresAt)

	status, raw = e.call(t, "service:disp1", http.MethodPost, "/jobs/"+q.ID.String()+"/heartbeat", map[string]any{"epoch": 1, "leaseSeconds": 1800})
	require.Equal(t, http.StatusOK, status, string(raw))
	hb = decode[lockOnly](t, raw)
	require.True(t, t0.Add(34*time.Minute).Equal(hb.Lock.LeaseExpiresAt))

	stored, err := e.store.Get(t.Context(), q.ID)
	require.NoError(t, err)
	require.True(t, t0.Add(34*time.Minute).Equal(stored.Lock.LeaseExpiresAt))

	// Past the old lease, the extended one still holds.
	e.clock.Advance(10 * time.Minute)
	status, raw = e.call(t, "service:disp1", http.MethodGet, authPath(q.ID, 1), nil)
	require.Equal(t, http.StatusOK, status, string(raw))
}

func TestHeartbeatRefusals(t *testing.T) {
	e := newEnv(t)
	q, _ := e.claimedJob(t)
	path := "/jobs/" + q.ID.String() + "/heartbeat"
	for name, tc := range map[string]struct {
		who    string
		body   any
		status int
		code   apperr.Code
	}{
		"other holder":  {"service:disp2", map[string]any{"epoch": 1}, http.StatusConflict, apperr.Conflict},
		"stale epoch":   {"service:disp1", map[string]any{"epoch": 2}, http.StatusConflict, apperr.Conflict},
		"no epoch":      {"service:disp1", map[string]any{}, http.StatusBadRequest, apperr.Invalid},
		"zero epoch":    {"service:disp1", map[string]any{"epoch": 0}, http.StatusBadRequest, apperr.Invalid},
		"string epoch":  {"service:disp1", map[string]any{"epoch": "1"}, http.StatusBadRequest, apperr.Invalid},
		"lease too big": {"service:disp1", map[string]any{"epoch": 1, "leaseSeconds": 7200}, http.StatusBadRequest, apperr.Invalid},
		"user":          {"user:u1", map[string]any{"epoch": 1}, http.StatusForbidden, apperr.PermissionDenied},
	} {
		t.Run(name, func(t *testing.T) {
			status, raw := e.call(t, tc.who, http.MethodPost, path, tc.body)
			requireError(t, tc.status, tc.code, status, raw)
		})
	}
	status, raw := e.call(t, "service:disp1", http.MethodPost, "/jobs/"+string(ids.NewJobID())+"/heartbeat", map[string]any{"epoch": 1})
	requireError(t, http.StatusNotFound, apperr.NotFound, status, raw)
}

func TestStateReports(t *testing.T) {
	e := newEnv(t)
	q, c := e.claimedJob(t)
	path := "/jobs/" + q.ID.String() + "/state"

	status, raw := e.call(t, "service:disp1", http.MethodPost, path, map[string]any{"epoch": c.Lock.Epoch, "state": "RUNNING"})
	require.Equal(t, http.StatusOK, status, string(raw))
	j := decode[job.Job](t, raw)
	require.Equal(t, job.Running, j.State)
	before, err := e.store.Get(t.Context(), q.ID)
	require.NoError(t, err)

	status, raw = e.call(t, "service:disp1", http.MethodPost, path, map[string]any{"epoch": c.Lock.Epoch, "state": "RUNNING"})
	require.Equal(t, http.StatusOK, status, "RUNNING twice is acknowledged: %s", raw)
	require.Equal(t, job.Running, decode[job.Job](t, raw).State)
	stored, err := e.store.Get(t.Context(), q.ID)
	require.NoError(t, err)
	require.Equal(t, before.EventSeq, stored.EventSeq, "the repeat wrote no event")

	status, raw = e.call(t, "service:disp1", http.MethodPost, path, map[string]any{"epoch": c.Lock.Epoch, "state": "FAILED", "message": "exit 1"})
	require.Equal(t, http.StatusOK, status, string(raw))
	j = decode[job.Job](t, raw)
	require.Equal(t, job.Failed, j.State)
	require.Equal(t, "exit 1", j.Message)

	status, raw = e.call(t, "service:disp1", http.MethodPost, path, map[string]any{"epoch": c.Lock.Epoch, "state": "RUNNING"})
	requireError(t, http.StatusGone, apperr.Gone, status, raw)
}

func TestQueuedReportsRequeueUntilMaxAttempts(t *testing.T) {
	e := newEnv(t)
	q := e.queued(t, t0)
	path := "/jobs/" + q.ID.String() + "/state"
	for attempt := 1; attempt <= job.DefaultMaxAttempts; attempt++ {
		c := e.claim(t, "service:disp1", map[string]any{"worker": "w1"})
		require.Equal(t, attempt, c.Job.Attempt)
		require.EqualValues(t, attempt, c.Lock.Epoch)
		status, raw := e.call(t, "service:disp1", http.MethodPost, path, map[string]any{"epoch": c.Lock.Epoch, "state": "QUEUED", "message": "node drained"})
		require.Equal(t, http.StatusOK, status, string(raw))
		j := decode[job.Job](t, raw)
		if attempt < job.DefaultMaxAttempts {
			require.Equal(t, job.Queued, j.State)
			require.Equal(t, attempt+1, j.Attempt)
			// The old epoch is stale right away.
			status, raw = e.call(t, "service:disp1", http.MethodPost, path, map[string]any{"epoch": c.Lock.Epoch, "state": "RUNNING"})
			requireError(t, http.StatusConflict, apperr.Conflict, status, raw)
		} else {
			require.Equal(t, job.Failed, j.State)
			require.Equal(t, job.DefaultMaxAttempts, j.Attempt)
		}
	}
	status, _ := e.call(t, "service:disp1", http.MethodPost, "/claim", map[string]any{"worker": "w1"})
	require.Equal(t, http.StatusNoContent, status)
}

func TestStateBadInput(t *testing.T) {
	e := newEnv(t)
	q, _ := e.claimedJob(t)
	path := "/jobs/" + q.ID.String() + "/state"
	for name, body := range map[string]any{
		"no epoch":       map[string]any{"state": "RUNNING"},
		"no state":       map[string]any{"epoch": 1},
		"succeeded":      map[string]any{"epoch": 1, "state": "SUCCEEDED"},
		"lowercase":      map[string]any{"epoch": 1, "state": "running"},
		"long message":   map[string]any{"epoch": 1, "state": "FAILED", "message": strings.Repeat("m", 1025)},
		"control in msg": map[string]any{"epoch": 1, "state": "FAILED", "message": "a\x1bb"},
		"unknown field":  map[string]any{"epoch": 1, "state": "RUNNING", "x": 1},
		"array":          "[]",
	} {
		t.Run(name, func(t *testing.T) {
			status, raw := e.call(t, "service:disp1", http.MethodPost, path, body)
			requireError(t, http.StatusBadRequest, apperr.Invalid, status, raw)
		})
	}
	status, raw := e.call(t, "service:disp1", http.MethodPost, "/jobs/bad/state", map[string]any{"epoch": 1, "state": "RUNNING"})
	requireError(t, http.StatusBadRequest, apperr.Invalid, status, raw)
	status, raw = e.call(t, "service:disp1", http.MethodPost, "/jobs/"+string(ids.NewJobID())+"/state", map[string]any{"epoch": 1, "state": "RUNNING"})
	requireError(t, http.StatusNotFound, apperr.NotFound, status, raw)
	stored, err := e.store.Get(t.Context(), q.ID)
	require.NoError(t, err)
	require.Equal(t, job.Locked, stored.State, "no bad request changed the job")
}

func TestUnknownRouteIsJSON(t *testing.T) {
	e := newEnv(t)
	status, raw := e.call(t, "service:disp1", http.MethodGet, "/claim", nil)
	requireError(t, http.StatusMethodNotAllowed, apperr.MethodNotAllowed, status, raw)
	status, raw = e.call(t, "service:disp1", http.MethodGet, "/nope", nil)
	requireError(t, http.StatusNotFound, apperr.NotFound, status, raw)
}
