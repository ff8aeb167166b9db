package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	"valet.dev/valet/shared/access"
	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/audit"
	"valet.dev/valet/shared/custody"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/jobtoken"
	"valet.dev/valet/shared/seal"
	"valet.dev/valet/shared/signer"
)

// Content types and size limits of the artifacts a job uploads.
const (
	OutputContentType      = "application/x-tar"
	MaxOutputBytes         = 5 << 30
	AttestationContentType = "application/json"
	MaxAttestationBytes    = 1 << 20
)

// upload is an artifact's signed PUT: the URL and the headers to send.
type upload struct {
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers"`
	ExpiresAt time.Time         `json:"expiresAt"`
}

// authBundle is everything a job needs to run: its signed URLs and its
// secrets. It is a secret as a whole: never logged nor stored.
type authBundle struct {
	Workspace     signer.Link `json:"workspace"`
	Output        upload      `json:"output"`
	Attestation   upload      `json:"attestation"`
	JobToken      string      `json:"jobToken"`
	RuntimeToken  string      `json:"runtimeToken,omitempty"`
	WorkflowToken string      `json:"workflowToken"`
}

// sealedBundle is the answer to a claim made with sealTo: the bundle's JSON
// as HPKE ciphertext whose info binds the job id and epoch.
type sealedBundle struct {
	Sealed string `json:"sealed"`
}

// auth serves GET /jobs/{id}/auth?epoch=N: the job's secrets and signed
// URLs, for the lock holder at epoch N only; sealed to the claim's sealTo
// key when it had one, and once only when it was singleUse (a second
// fetch is 410 and logged as an anomaly). The lock is checked on a read
// first (nothing is minted for a caller without it) and again in a
// transaction once the bundle is ready. The bundle is never logged nor
// stored.
func (s *server) auth(w http.ResponseWriter, r *http.Request) error {
	id, err := jobID(r)
	if err != nil {
		return err
	}
	epoch, err := queryEpoch(r)
	if err != nil {
		return err
	}
	now, who := s.now(), holder(r)
	j, err := s.store.Get(r.Context(), id)
	if err != nil {
		return err
	}
	if err := j.CheckLock(who, epoch, now); err != nil {
		return err
	}
	// Deployed, each signed URL is an IAM signBlob round trip: the URLs are
	// signed while the secrets are read, so the bundle costs about one
	// signBlob, not three in a row plus the secrets.
	var (
		bundle  authBundle
		signErr error
		signed  = make(chan struct{})
	)
	go func() {
		defer close(signed)
		bundle, signErr = s.bundle(j, now)
	}()
	var secrets authBundle
	secretsErr := s.addSecrets(r.Context(), j, &secrets)
	<-signed
	if signErr != nil {
		return apperr.Wrap(signErr, apperr.Internal, "the job's URLs could not be signed; retry later")
	}
	if secretsErr != nil {
		return secretsErr
	}
	bundle.JobToken, bundle.RuntimeToken, bundle.WorkflowToken = secrets.JobToken, secrets.RuntimeToken, secrets.WorkflowToken
	// The lock was checked on a read: check it again right before the
	// bundle leaves, so a requeue or a cancel that landed meanwhile is
	// seen. A single-use claim is used up in a transaction, and only by a
	// bundle that is complete; for other claims that transaction would
	// write nothing, so a second read (which sees every committed change,
	// as the transaction's read would) checks the lock in one round trip
	// instead of three (begin, read, rollback).
	err = s.recheckLock(r.Context(), j, who, epoch, now)
	if errors.Is(err, job.ErrBundleTaken) {
		httpapi.LoggerFrom(r.Context()).WarnContext(r.Context(), "anomaly: a single-use auth bundle was fetched again",
			"anomaly", "bundle_refetch", "job", id, "epoch", epoch, "holder", who)
	}
	if err != nil && !errors.Is(err, job.ErrDuplicate) {
		return err
	}
	s.audit.Write(r.Context(), bundleEntry(j, bundle))
	if j.Lock.SealTo == "" {
		httpapi.WriteJSON(w, http.StatusOK, bundle)
		return nil
	}
	sealed, err := sealBundle(j, bundle)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, sealed)
	return nil
}

// recheckLock checks again that who holds j's lock at epoch, and takes
// the bundle of a single-use claim (job.Job.TakeBundle). ErrDuplicate
// means the lock holds and there was nothing to take.
func (s *server) recheckLock(ctx context.Context, j *job.Job, who string, epoch int64, now time.Time) error {
	if j.Lock.SingleUse {
		_, err := s.store.Update(ctx, j.ID, func(j *job.Job) ([]job.Event, error) {
			return nil, j.TakeBundle(who, epoch, now)
		})
		return err
	}
	latest, err := s.store.Get(ctx, j.ID)
	if err != nil {
		return err
	}
	return latest.TakeBundle(who, epoch, now)
}

// bundleEntry is the audit entry of a bundle handed out to the lock
// holder (the request's principal): the job and epoch, what the bundle
// held (the URLs' objects and methods, the tokens' kinds), the job token's
// jti and scopes, and the URLs' expiry. Never a URL nor a token.
func bundleEntry(j *job.Job, b authBundle) audit.Entry {
	parts := []string{"jobs/" + j.ID.String() + "/workspace GET", "jobs/" + j.ID.String() + "/output PUT", "jobs/" + j.ID.String() + "/attestation PUT",
		audit.JobToken + " token", audit.WorkflowToken + " token"}
	if b.RuntimeToken != "" {
		parts = append(parts, audit.RuntimeToken+" token")
	}
	if j.Lock.SealTo != "" {
		parts = append(parts, "sealed")
	}
	return audit.Entry{Space: access.JobSpace(j), Action: audit.BundleHandedOut, Target: "jobs/" + j.ID.String(), Epoch: j.Lock.Epoch,
		Parts: parts, TokenKind: audit.JobToken, TokenID: jobtoken.TokenID(b.JobToken), Scopes: j.RuntimeScopes,
		ExpiresAt: audit.At(b.Workspace.ExpiresAt)}
}

// sealBundle encrypts the bundle's JSON to the claim's sealTo key for the
// job's id and epoch.
func sealBundle(j *job.Job, bundle authBundle) (sealedBundle, error) {
	pub, err := seal.ParsePublicKey(j.Lock.SealTo)
	if err != nil {
		return sealedBundle{}, apperr.Wrap(err, apperr.Internal, "the claim's sealTo key no longer parses; hand the job back and claim it again")
	}
	plain, err := json.Marshal(bundle)
	if err != nil {
		return sealedBundle{}, apperr.Wrap(err, apperr.Internal, "encoding the bundle")
	}
	out, err := seal.Seal(pub, j.ID.String(), j.Lock.Epoch, plain)
	clear(plain)
	if err != nil {
		return sealedBundle{}, err
	}
	return sealedBundle{Sealed: out}, nil
}

// addSecrets puts the job's tokens in the bundle: a job token minted for
// this epoch, the runtime token the job was submitted with (if any) and
// its workflow token (minted now if finalize has not yet).
func (s *server) addSecrets(ctx context.Context, j *job.Job, b *authBundle) error {
	var err error
	if b.JobToken, err = s.jobTokens.Mint(ctx, j); err != nil {
		return err
	}
	if b.WorkflowToken, err = custody.Workflow(ctx, s.secrets, s.workflow, j, s.audit); err != nil {
		return err
	}
	b.RuntimeToken, err = s.secrets.Get(ctx, j, custody.RuntimeToken)
	if apperr.CodeOf(err) == apperr.NotFound {
		return nil // submitted without one
	}
	return err
}

// bundle signs the workspace GET and the output and attestation PUTs, each
// valid until the job's deadline (job.BundleLeft, at most signer.MaxTTL),
// all three at once (each is a signBlob call when deployed).
// The PUTs name the claim's epoch and can create their object but never
// replace it: a replay cannot destroy a recorded artifact (412), and a
// superseded claim's upload is refused by finalize.
func (s *server) bundle(j *job.Job, now time.Time) (authBundle, error) {
	ttl := min(j.BundleLeft(now), signer.MaxTTL)
	var (
		ws       signer.URL
		out, att signer.URL
		errs     [3]error
		wg       sync.WaitGroup
	)
	wg.Go(func() {
		ws, errs[0] = s.signer.Download(s.bucket, job.WorkspaceName(j.ID, j.Workspace.Epoch), signer.DownloadOptions{TTL: ttl})
	})
	wg.Go(func() {
		out, errs[1] = s.signer.Upload(s.bucket, job.ArtifactName(j.ID, job.OutputKind, j.Lock.Epoch), signer.UploadOptions{
			ContentType: OutputContentType, MinBytes: 0, MaxBytes: MaxOutputBytes, TTL: ttl, CreateOnly: true,
		})
	})
	wg.Go(func() {
		att, errs[2] = s.signer.Upload(s.bucket, job.ArtifactName(j.ID, job.AttestationKind, j.Lock.Epoch), signer.UploadOptions{
			ContentType: AttestationContentType, MinBytes: 0, MaxBytes: MaxAttestationBytes, TTL: ttl, CreateOnly: true,
		})
	})
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		return authBundle{}, err
	}
	return authBundle{
		Workspace:   ws.Link(),
		Output:      upload{URL: out.URL, Headers: out.Headers, ExpiresAt: out.ExpiresAt},
		Attestation: upload{URL: att.URL, Headers: att.Headers, ExpiresAt: att.ExpiresAt},
	}, nil
}
