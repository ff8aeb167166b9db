// Package audit records every capability valet hands out, as one structured
// entry per hand-out: signed URLs (who, which object or job artifact, the
// method, the expiry), tokens minted (API, job and workflow tokens: their
// id, scopes and expiry), auth bundles (to which dispatcher, at which
// epoch), membership changes, revocations, deletions and cancellations.
//
// An entry never holds a secret: it has no field for a token, a URL or a
// signature, only ids, names, methods, scopes and times. Functions call
// Writer.Write where they hand the capability out, in one line, before the
// answer that carries it is written.
//
// # Where entries go
//
// Write writes the entry twice:
//
//   - as one JSON line on stdout (the function's log), through the masking
//     logger of shared/logging, with the label valet_audit=1
//     ("logging.googleapis.com/labels"). Cloud Run functions cannot choose
//     their log name from stdout: their lines land in run.googleapis.com/stdout
//     and Cloud Logging honours only the special JSON fields of "Structured
//     logging" (https://cloud.google.com/logging/docs/structured-logging),
//     labels among them, logName not. Terraform's log sink routes the
//     entries with that label, from valet's own services, to a dedicated log
//     bucket with its own retention (terraform/audit.tf). This line is the
//     record of authority: it is written even when the copy below fails.
//   - as a queryable copy in Firestore, spaces/{space}/audit/{id} (Store),
//     with an expireAt field that Firestore's TTL policy deletes after the
//     retention, so owners read their space's entries through the API
//     (GET /spaces/{space}/audit) without the functions holding a role that
//     reads Cloud Logging. A copy that cannot be written is logged as an
//     error naming the entry's id; Writer.Record returns that error
//     instead, for a hand-out that must not go without its copy (a job's
//     auth bundle).
package audit

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/logging"
)

// The label that marks audit lines; the log sink filters on it.
const (
	LabelKey   = "valet_audit"
	LabelValue = "1"
)

// Page sizes of Store.List: the API's pageSize for a space's audit trail
// (shared/openapi/openapi.json says the same).
const (
	DefaultPageSize = 50
	MaxPageSize     = 100
)

// DefaultRetention is how long the Firestore copy of an entry is kept when
// Options.Retention is zero (Terraform's audit_retention_days default).
const DefaultRetention = 400 * 24 * time.Hour

// Action is what an entry records.
type Action string

// The actions.
const (
	// URLSigned: a signed URL was handed out (Method, Target, ExpiresAt).
	URLSigned Action = "url.signed"
	// TokenMinted: a token was minted (TokenKind, TokenID, Scopes,
	// ExpiresAt); for runtime tokens, handed out in a bundle.
	TokenMinted Action = "token.minted"
	// TokenRevoked: an API token (and every token it minted) was revoked.
	TokenRevoked Action = "token.revoked"
	// BundleHandedOut: a job's auth bundle went to the dispatcher (Actor)
	// at Epoch; Parts says what it held.
	BundleHandedOut Action = "bundle.handed_out"
	// ProjectCreated: a project was created; its creator is its owner.
	ProjectCreated Action = "project.created"
	// ProjectDeleted: a project's delete began.
	ProjectDeleted Action = "project.deleted"
	// MemberSet: a member was added or its role changed (Role).
	MemberSet Action = "member.set"
	// MemberRemoved: a member was removed, or left.
	MemberRemoved Action = "member.removed"
	// ObjectRevoked: an object's bytes moved to a new key: every URL
	// handed out before stops working.
	ObjectRevoked Action = "object.revoked"
	// ObjectDeleted: an object was deleted.
	ObjectDeleted Action = "object.deleted"
	// JobCancelled: a job was cancelled; its secrets are destroyed.
	JobCancelled Action = "job.cancelled"
)

// The kinds of token a TokenMinted entry names.
const (
	APIToken      = "api"
	JobToken      = "job"
	RuntimeToken  = "runtime"
	WorkflowToken = "workflow"
)

// Actor is who was handed the capability, or who acted.
type Actor struct {
	Kind string `json:"kind" firestore:"kind"` // user, job, service or system
	ID   string `json:"id" firestore:"id"`     // the user id, or the service account's email
	// TokenID is the id of the credential used: an API token's id, or a
	// job token's jti. Empty for ID tokens.
	TokenID string `json:"tokenId,omitempty" firestore:"tokenId,omitempty"`
}

// Entry is one audit record. Only Space, Action and Target are required of
// callers; Write fills ID, Time and, from the request's principal, Actor.
type Entry struct {
	ID     string      `json:"id" firestore:"id"`
	Time   time.Time   `json:"time" firestore:"time"`
	Space  ids.SpaceID `json:"space" firestore:"space"` // users/<uid> or projects/<pid>: whose record it is
	Action Action      `json:"action" firestore:"action"`
	Actor  Actor       `json:"actor" firestore:"actor"`
	// Target is what the capability is about: "objects/<id>",
	// "jobs/<id>/workspace", "jobs/<id>/output", "tokens/<id>",
	// "projects/<pid>/members/<uid>", ...
	Target    string     `json:"target" firestore:"target"`
	Method    string     `json:"method,omitempty" firestore:"method,omitempty"` // of a signed URL: GET or PUT
	ExpiresAt *time.Time `json:"expiresAt,omitempty" firestore:"expiresAt,omitempty"`
	Epoch     int64      `json:"epoch,omitempty" firestore:"epoch,omitempty"`
	TokenKind string     `json:"tokenKind,omitempty" firestore:"tokenKind,omitempty"` // api, job, runtime, workflow
	TokenID   string     `json:"tokenId,omitempty" firestore:"tokenId,omitempty"`     // an API token's id or a JWT's jti
	Scopes    []string   `json:"scopes,omitempty" firestore:"scopes,omitempty"`
	Role      string     `json:"role,omitempty" firestore:"role,omitempty"`
	Parts     []string   `json:"parts,omitempty" firestore:"parts,omitempty"` // what an auth bundle held
}

// At returns a pointer to t in UTC, for ExpiresAt.
func At(t time.Time) *time.Time {
	u := t.UTC()
	return &u
}

// Store keeps the queryable copy of entries (shared/firestore.AuditStore).
type Store interface {
	// Add stores e under its space, to be deleted at expireAt.
	Add(ctx context.Context, e Entry, expireAt time.Time) error
}

// Log is a Store that reads its copies back: the trail GET
// /spaces/{space}/audit serves. Its conformance suite is audittest.
type Log interface {
	Store
	// List returns space's entries newest first (ties by id, descending),
	// at most size (1 to MaxPageSize; 0 means DefaultPageSize), and the
	// token of the next page ("" after the last). Entries past their
	// expireAt are left out, whether or not they are deleted yet. A bad
	// space, size or token is Invalid.
	List(ctx context.Context, space ids.SpaceID, size int, pageToken string) ([]Entry, string, error)
}

// Options configures New.
type Options struct {
	// Out receives the log lines; os.Stdout when nil.
	Out io.Writer
	// ProjectID links the lines' traces (logging.Options.ProjectID).
	ProjectID string
	// Masker masks secrets in the log lines; logging.DefaultMasker when nil.
	Masker *logging.Masker
	// Store keeps the queryable copy; none when nil (the log line only).
	Store Store
	// Retention is how long the copy is kept; DefaultRetention when zero.
	Retention time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Writer writes audit entries. A nil *Writer writes the log line to stdout
// only. It is safe for concurrent use.
type Writer struct {
	log       *slog.Logger
	store     Store
	retention time.Duration
	now       func() time.Time
}

// New returns a Writer.
func New(opts Options) *Writer {
	out := opts.Out
	if out == nil {
		out = os.Stdout
	}
	w := &Writer{
		log: logging.New(out, logging.Options{
			ProjectID: opts.ProjectID, Masker: opts.Masker, Labels: map[string]string{LabelKey: LabelValue},
		}),
		store: opts.Store, retention: opts.Retention, now: opts.Now,
	}
	if w.retention <= 0 {
		w.retention = DefaultRetention
	}
	if w.now == nil {
		w.now = time.Now
	}
	return w
}

// stdoutOnly is what a nil Writer writes through.
var stdoutOnly = New(Options{})

// Write records e: it fills e's ID and Time, and its Actor from the
// request's principal (identity.PrincipalFrom) when the caller left it
// empty, writes the log line, then the Firestore copy. It never fails the
// caller: the log line is written whatever happens to the copy.
func (w *Writer) Write(ctx context.Context, e Entry) {
	if id, err := w.write(ctx, e); err != nil {
		logging.LoggerFrom(ctx).ErrorContext(ctx, "the audit entry's copy was not stored; the audit log holds it",
			"auditId", id, "error", err)
	}
}

// Record is Write for a capability that must not leave unless its entry
// is stored: it returns the copy's error (Unavailable) instead of only
// logging it, so the caller answers with an error and hands nothing out.
// The log line is written either way.
func (w *Writer) Record(ctx context.Context, e Entry) error {
	id, err := w.write(ctx, e)
	if err != nil {
		return apperr.Wrap(err, apperr.Unavailable, "the audit entry %s could not be stored; retry later", id)
	}
	return nil
}

// write writes e's log line and its copy, and returns e's id and the
// copy's error.
func (w *Writer) write(ctx context.Context, e Entry) (string, error) {
	if w == nil {
		w = stdoutOnly
	}
	e.ID = NewID()
	e.Time = w.now().UTC().Truncate(time.Microsecond)
	if e.Actor.ID == "" {
		e.Actor = actorFrom(ctx)
	}
	w.log.InfoContext(ctx, "audit "+string(e.Action), "audit", e)
	if w.store == nil {
		return e.ID, nil
	}
	return e.ID, w.store.Add(context.WithoutCancel(ctx), e, e.Time.Add(w.retention))
}

// actorFrom is the request's principal as an Actor.
func actorFrom(ctx context.Context) Actor {
	p, ok := identity.PrincipalFrom(ctx)
	if !ok {
		return Actor{Kind: "system", ID: "valet"}
	}
	return Actor{Kind: string(p.Kind), ID: p.ID, TokenID: p.TokenID}
}

// idPrefix starts every entry id.
const idPrefix = "a_"

const idLen = 26

// NewID returns a new random entry id: "a_" and 26 characters of a-z2-7.
func NewID() string { return idPrefix + strings.ToLower(rand.Text()[:idLen]) }

// ParseID checks s is an entry id.
func ParseID(s string) error {
	rest, ok := strings.CutPrefix(s, idPrefix)
	if ok && len(rest) == idLen && strings.Trim(rest, "abcdefghijklmnopqrstuvwxyz234567") == "" {
		return nil
	}
	return apperr.E(apperr.Invalid, "audit entry id is malformed")
}

// URL is the entry of a signed URL for target handed out in space.
func URL(space ids.SpaceID, target, method string, expiresAt time.Time) Entry {
	return Entry{Space: space, Action: URLSigned, Target: target, Method: method, ExpiresAt: At(expiresAt)}
}

// Of is an entry of action on target in space, for the actions that need
// nothing more.
func Of(space ids.SpaceID, action Action, target string) Entry {
	return Entry{Space: space, Action: action, Target: target}
}
