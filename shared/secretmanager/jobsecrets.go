package secretmanager

import (
	"context"
	"time"

	smapi "cloud.google.com/go/secretmanager/apiv1"
	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/custody"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/logging"
)

// MinLifetime is the shortest life Put gives a secret. Secret Manager
// refuses an expiration less than 60 s after the request reaches it
// ("Create and manage expiring secrets",
// https://cloud.google.com/secret-manager/docs/creating-and-managing-expiring-secrets),
// so a secret of a job that ends sooner is kept a little longer: 60 s plus
// a margin for the request's latency, clock skew between this instance and
// Google, and the retries of an event. Scrubbing deletes it anyway.
const MinLifetime = 60*time.Second + expiryMargin

// expiryMargin is MinLifetime's margin over Google's 60 s.
const expiryMargin = 4 * time.Minute

// JobSecrets keeps job secrets in one project's Secret Manager: the
// custody.Store of production (see the package documentation for where
// each value lives and what it costs).
type JobSecrets struct {
	client  *smapi.Client
	project string
	now     func() time.Time
}

var _ custody.Store = (*JobSecrets)(nil)

// NewJobSecrets returns a JobSecrets for project's secrets, reached
// through client.
func NewJobSecrets(client *smapi.Client, project string) *JobSecrets {
	return &JobSecrets{client: client, project: project, now: time.Now}
}

// SecretID is the id of job jobID's secret of kind kind in the per-kind
// layout (job.SecretsPerKind).
func SecretID(jobID string, kind custody.Kind) string {
	return "valet-job-" + jobID + "-" + string(kind)
}

// JobSecretID is the id of job jobID's secret in the per-job layout
// (job.SecretsPerJob).
func JobSecretID(jobID string) string {
	return "valet-job-" + jobID
}

// secretName is the resource name of secret secretID in project.
func secretName(project, secretID string) string {
	return "projects/" + project + "/secrets/" + secretID
}

// check validates a job and kind at the edge.
func check(j *job.Job, kind custody.Kind) error {
	if j == nil {
		return apperr.E(apperr.Invalid, "no job given for its secrets")
	}
	if _, err := ids.ParseJobID(j.ID.String()); err != nil {
		return err
	}
	if !kind.Valid() {
		return apperr.E(apperr.Invalid, "unknown job secret kind %q: use %q or %q", kind, custody.RuntimeToken, custody.WorkflowToken)
	}
	return nil
}

// Put stores value as job j's kind value (see the package documentation
// for where), creating the secret (labelled, expiring at expireAt, or
// MinLifetime from now if that is later, as for an expireAt already past
// on this instance's clock) when the value goes in its version 1. If the
// value is already there, Put leaves it (the first value wins) and returns
// nil. A value that goes after the runtime token (version 2) is never
// stored once the secret is gone: Put answers NotFound rather than bring a
// scrubbed secret back. The caller records j.HasRuntimeToken itself when
// it stores a runtime token.
func (s *JobSecrets) Put(ctx context.Context, j *job.Job, kind custody.Kind, value string, expireAt time.Time) error {
	_, err := s.put(ctx, j, kind, value, expireAt)
	return err
}

// put is Put, reporting whether value is the one stored (false when an
// earlier value stands).
func (s *JobSecrets) put(ctx context.Context, j *job.Job, kind custody.Kind, value string, expireAt time.Time) (bool, error) {
	if err := check(j, kind); err != nil {
		return false, err
	}
	if value == "" {
		return false, apperr.E(apperr.Invalid, "job %s %s secret: the value is empty; pass the token to keep", j.ID.String(), kind)
	}
	logging.RegisterSecret(ctx, value)
	at, _ := slotOf(j, kind)
	data, err := at.encode(kind, value)
	if err != nil {
		return false, err
	}
	what := "storing job " + j.ID.String() + " " + string(kind) + " secret"
	if at.version == 1 {
		held, err := s.create(ctx, j.ID.String(), kind, at, expireAt)
		if err != nil || held {
			return false, err
		}
	}
	v, err := s.client.AddSecretVersion(ctx, &secretmanagerpb.AddSecretVersionRequest{
		Parent:  secretName(s.project, at.secretID),
		Payload: &secretmanagerpb.SecretPayload{Data: data},
	})
	if err != nil {
		return false, valueError(err, what)
	}
	if v.GetName() == at.versionName(s.project) {
		return true, nil
	}
	// Another writer got there first: its value stands, ours goes.
	_, err = s.client.DestroySecretVersion(ctx, &secretmanagerpb.DestroySecretVersionRequest{Name: v.GetName()})
	if err != nil && !gone(err) {
		return false, valueError(err, "destroying a surplus version of job "+j.ID.String()+" "+string(kind)+" secret")
	}
	return false, nil
}

// create creates the secret of at, which is to hold its value at version
// 1. It reports true when the secret already exists with a version 1:
// the first value stands.
func (s *JobSecrets) create(ctx context.Context, jobID string, kind custody.Kind, at slot, expireAt time.Time) (bool, error) {
	if floor := s.now().Add(MinLifetime); expireAt.Before(floor) {
		expireAt = floor
	}
	labels := map[string]string{"app": "valet", "job": jobID}
	if !at.labelled {
		labels["kind"] = string(kind)
	}
	what := "storing job " + jobID + " " + string(kind) + " secret"
	_, err := s.client.CreateSecret(ctx, &secretmanagerpb.CreateSecretRequest{
		Parent:   "projects/" + s.project,
		SecretId: at.secretID,
		Secret: &secretmanagerpb.Secret{
			Labels: labels,
			Replication: &secretmanagerpb.Replication{Replication: &secretmanagerpb.Replication_Automatic_{
				Automatic: &secretmanagerpb.Replication_Automatic{},
			}},
			Expiration: &secretmanagerpb.Secret_ExpireTime{ExpireTime: timestamppb.New(expireAt)},
		},
	})
	if err == nil {
		return false, nil
	}
	if status.Code(err) != codes.AlreadyExists {
		return false, valueError(err, what)
	}
	// It existed: keep a value it already holds.
	_, err = s.client.GetSecretVersion(ctx, &secretmanagerpb.GetSecretVersionRequest{Name: at.versionName(s.project)})
	switch {
	case err == nil:
		return true, nil
	case status.Code(err) == codes.NotFound:
		return false, nil
	}
	return false, valueError(err, what)
}

// Get returns job j's kind value: NotFound when it is absent, destroyed
// or deleted, or when j has no place for it (a runtime token j was not
// submitted with: then Secret Manager is not asked).
func (s *JobSecrets) Get(ctx context.Context, j *job.Job, kind custody.Kind) (string, error) {
	if err := check(j, kind); err != nil {
		return "", err
	}
	what := "reading job " + j.ID.String() + " " + string(kind) + " secret"
	at, ok := slotOf(j, kind)
	if !ok {
		return "", apperr.E(apperr.NotFound, "%s: the job has none", what)
	}
	resp, err := s.client.AccessSecretVersion(ctx, &secretmanagerpb.AccessSecretVersionRequest{Name: at.versionName(s.project)})
	if err != nil {
		return "", valueError(err, what)
	}
	value, err := at.decode(kind, resp.GetPayload().GetData())
	if err != nil {
		return "", err
	}
	logging.RegisterSecret(ctx, value)
	return value, nil
}

// Ensure returns job j's kind value, storing mint()'s value first when it
// has none. Concurrent callers all get the same value, that of the first
// version stored in its place, whoever minted it. A value that was
// destroyed stays NotFound: Ensure does not bring it back.
func (s *JobSecrets) Ensure(ctx context.Context, j *job.Job, kind custody.Kind, expireAt time.Time, mint func() (string, error)) (string, error) {
	value, err := s.Get(ctx, j, kind)
	if apperr.CodeOf(err) != apperr.NotFound {
		return value, err
	}
	minted, err := mint()
	if err != nil {
		return "", err
	}
	stored, err := s.put(ctx, j, kind, minted, expireAt)
	switch {
	case err != nil:
		return "", err
	case stored:
		return minted, nil
	}
	return s.Get(ctx, j, kind) // another caller's value stands
}
