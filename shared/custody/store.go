package custody

import (
	"context"
	"path"
	"time"

	smapi "cloud.google.com/go/secretmanager/apiv1"
	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/logging"
)

// Kind names which of a job's secrets is meant.
type Kind string

// The kinds of job secret.
const (
	RuntimeToken  Kind = "runtime"  // the runtime token the job runs with
	WorkflowToken Kind = "workflow" // the job's workflow token (a JWT)
)

// Kinds lists every kind, in the order Scrub destroys them.
var Kinds = []Kind{RuntimeToken, WorkflowToken}

func (k Kind) valid() bool { return k == RuntimeToken || k == WorkflowToken }

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

// firstVersion is the only version a reader ever reads.
const firstVersion = "1"

// Store keeps job secrets in one project's Secret Manager.
type Store struct {
	client  *smapi.Client
	project string
	now     func() time.Time
}

// New returns a Store for project's secrets, reached through client.
func New(client *smapi.Client, project string) *Store {
	return &Store{client: client, project: project, now: time.Now}
}

// SecretID is the id of job jobID's secret of kind kind.
func SecretID(jobID string, kind Kind) string {
	return "valet-job-" + jobID + "-" + string(kind)
}

func (s *Store) secretName(jobID string, kind Kind) string {
	return "projects/" + s.project + "/secrets/" + SecretID(jobID, kind)
}

// check validates a job id and kind at the edge.
func check(jobID string, kind Kind) error {
	if _, err := ids.ParseJobID(jobID); err != nil {
		return err
	}
	if !kind.valid() {
		return apperr.E(apperr.Invalid, "unknown job secret kind %q: use %q or %q", kind, RuntimeToken, WorkflowToken)
	}
	return nil
}

// Put stores value as the first version of job jobID's kind secret,
// creating the secret (labelled, expiring at expireAt, or MinLifetime from
// now if that is later, as for an expireAt already past on this instance's
// clock) when missing. If the
// secret already has a value, Put leaves it (the first value wins) and
// returns nil.
func (s *Store) Put(ctx context.Context, jobID string, kind Kind, value string, expireAt time.Time) error {
	if err := check(jobID, kind); err != nil {
		return err
	}
	if value == "" {
		return apperr.E(apperr.Invalid, "job %s %s secret: the value is empty; pass the token to keep", jobID, kind)
	}
	if floor := s.now().Add(MinLifetime); expireAt.Before(floor) {
		expireAt = floor
	}
	logging.RegisterSecret(ctx, value)
	what := "storing job " + jobID + " " + string(kind) + " secret"
	name := s.secretName(jobID, kind)
	_, err := s.client.CreateSecret(ctx, &secretmanagerpb.CreateSecretRequest{
		Parent:   "projects/" + s.project,
		SecretId: SecretID(jobID, kind),
		Secret: &secretmanagerpb.Secret{
			Labels: map[string]string{"app": "valet", "job": jobID, "kind": string(kind)},
			Replication: &secretmanagerpb.Replication{Replication: &secretmanagerpb.Replication_Automatic_{
				Automatic: &secretmanagerpb.Replication_Automatic{},
			}},
			Expiration: &secretmanagerpb.Secret_ExpireTime{ExpireTime: timestamppb.New(expireAt)},
		},
	})
	if err != nil && status.Code(err) != codes.AlreadyExists {
		return smError(err, what)
	}
	if err != nil { // it existed: keep a value it already holds
		_, gerr := s.client.GetSecretVersion(ctx, &secretmanagerpb.GetSecretVersionRequest{Name: name + "/versions/" + firstVersion})
		if gerr == nil {
			return nil
		}
		if status.Code(gerr) != codes.NotFound {
			return smError(gerr, what)
		}
	}
	v, err := s.client.AddSecretVersion(ctx, &secretmanagerpb.AddSecretVersionRequest{
		Parent:  name,
		Payload: &secretmanagerpb.SecretPayload{Data: []byte(value)},
	})
	if err != nil {
		return smError(err, what)
	}
	if path.Base(v.GetName()) != firstVersion {
		// Another writer got there first: its value stands, ours goes.
		_, err := s.client.DestroySecretVersion(ctx, &secretmanagerpb.DestroySecretVersionRequest{Name: v.GetName()})
		if err != nil && status.Code(err) != codes.FailedPrecondition && status.Code(err) != codes.NotFound {
			return smError(err, "destroying a surplus version of job "+jobID+" "+string(kind)+" secret")
		}
	}
	return nil
}

// Get returns the value of job jobID's kind secret: NotFound when it is
// absent, destroyed or deleted.
func (s *Store) Get(ctx context.Context, jobID string, kind Kind) (string, error) {
	if err := check(jobID, kind); err != nil {
		return "", err
	}
	resp, err := s.client.AccessSecretVersion(ctx, &secretmanagerpb.AccessSecretVersionRequest{
		Name: s.secretName(jobID, kind) + "/versions/" + firstVersion,
	})
	if err != nil {
		return "", smError(err, "reading job "+jobID+" "+string(kind)+" secret")
	}
	value := string(resp.GetPayload().GetData())
	logging.RegisterSecret(ctx, value)
	return value, nil
}

// Ensure returns the value of job jobID's kind secret, storing mint()'s
// value first when the secret has none. Concurrent callers all get the same
// value, that of version 1, whoever minted it. A secret whose value was
// destroyed stays NotFound: Ensure does not bring it back.
func (s *Store) Ensure(ctx context.Context, jobID string, kind Kind, expireAt time.Time, mint func() (string, error)) (string, error) {
	value, err := s.Get(ctx, jobID, kind)
	if apperr.CodeOf(err) != apperr.NotFound {
		return value, err
	}
	minted, err := mint()
	if err != nil {
		return "", err
	}
	if err := s.Put(ctx, jobID, kind, minted, expireAt); err != nil {
		return "", err
	}
	return s.Get(ctx, jobID, kind)
}
