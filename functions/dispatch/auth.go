package dispatch

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

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
// first (nothing is minted for a caller without it, nor for a single-use
// bundle already taken) and again once the bundle is ready. The bundle is
// never logged nor stored; its audit entry is stored before it leaves.
//
// The serial round trips (deployed): the read; then at once the three
// signBlob calls of the URLs, the Secret Manager reads of the job's
// tokens and the job token's signature; then at once the lock's recheck
// and the audit entry's copy. So the bundle costs about one signBlob and
// two Firestore round trips beyond the claim.
func (s *server) auth(w http.ResponseWriter, r *http.Request) error {
	id, err := jobID(r)
	if err != nil {
		return err
	}
	epoch, err := queryEpoch(r)
	if err != nil {
		return err
	}
	ctx, now, who := r.Context(), s.now(), holder(r)
	j, err := s.store.Get(ctx, id)
	if err != nil {
		return err
	}
	if err := s.refuseRefetch(ctx, takeBundle(j, who, epoch, now), j, who, epoch); err != nil {
		return err
	}
	bundle, err := s.prepare(ctx, j, now)
	if err != nil {
		return err
	}
	if err := s.release(ctx, j, bundle, who, epoch, now); err != nil {
		return err
	}
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

// takeBundle checks on j, without changing it, that who holds its lock at
// epoch and that a single-use bundle is still there to take.
func takeBundle(j *job.Job, who string, epoch int64, now time.Time) error {
	c := *j
	if err := c.TakeBundle(who, epoch, now); !errors.Is(err, job.ErrDuplicate) {
		return err
	}
	return nil
}

// refuseRefetch returns err, logging it as an anomaly when it says a
// single-use bundle was fetched again.
func (s *server) refuseRefetch(ctx context.Context, err error, j *job.Job, who string, epoch int64) error {
	if errors.Is(err, job.ErrBundleTaken) {
		httpapi.LoggerFrom(ctx).WarnContext(ctx, "anomaly: a single-use auth bundle was fetched again",
			"anomaly", "bundle_refetch", "job", j.ID, "epoch", epoch, "holder", who)
	}
	return err
}

// prepare builds j's bundle: its signed URLs (each a signBlob call when
// deployed), its job token, and its workflow and runtime tokens from
// Secret Manager, all at once: the bundle costs about its slowest call
// (one signBlob), not the sum of them.
func (s *server) prepare(ctx context.Context, j *job.Job, now time.Time) (authBundle, error) {
	var (
		b, urls                       authBundle
		signErr, jobErr, wfErr, rtErr error
		wg                            sync.WaitGroup
	)
	wg.Go(func() { urls, signErr = s.bundle(j, now) })
	wg.Go(func() { b.JobToken, jobErr = s.jobTokens.Mint(ctx, j) })
	wg.Go(func() { b.WorkflowToken, wfErr = custody.Workflow(ctx, s.secrets, s.workflow, j, s.audit) })
	wg.Go(func() { b.RuntimeToken, rtErr = s.runtimeToken(ctx, j) })
	wg.Wait()
	if signErr != nil {
		return authBundle{}, apperr.Wrap(signErr, apperr.Internal, "the job's URLs could not be signed; retry later")
	}
	if err := cmp.Or(jobErr, wfErr, rtErr); err != nil {
		return authBundle{}, err
	}
	b.Workspace, b.Output, b.Attestation = urls.Workspace, urls.Output, urls.Attestation
	return b, nil
}

// release lets the ready bundle go: it checks the lock again (a requeue
// or a cancel that landed while the bundle was made is seen) and stores
// the bundle's audit entry (audit.Writer.Record: a bundle whose entry is
// not stored is not handed out, the caller retries).
//
// A reusable claim's recheck is a read (the transaction that uses up a
// single-use claim would write nothing here: a read sees every committed
// change, as the transaction's read would, in one round trip instead of
// three), and the entry's copy is written at the same time: one round
// trip for both. The entry may then outlive a recheck that fails (a
// requeue in those milliseconds, after the bundle was made): the trail
// then records a bundle that was made and not handed out, never the
// reverse.
//
// A single-use claim is used up in a transaction, and only once its entry
// is stored: an entry that fails leaves the bundle there for the retry.
func (s *server) release(ctx context.Context, j *job.Job, b authBundle, who string, epoch int64, now time.Time) error {
	entry := bundleEntry(j, b)
	if j.Lock.SingleUse {
		if err := s.audit.Record(ctx, entry); err != nil {
			return err
		}
		_, err := s.store.Update(ctx, j.ID, func(j *job.Job) ([]job.Event, error) {
			return nil, j.TakeBundle(who, epoch, now)
		})
		if errors.Is(err, job.ErrDuplicate) {
			err = nil
		}
		return s.refuseRefetch(ctx, err, j, who, epoch)
	}
	recorded := make(chan error, 1)
	go func() { recorded <- s.audit.Record(ctx, entry) }()
	latest, err := s.store.Get(ctx, j.ID)
	if err == nil {
		err = takeBundle(latest, who, epoch, now)
	}
	if auditErr := <-recorded; err == nil {
		err = auditErr
	}
	return err
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
	return audit.Entry{Space: j.Space(), Action: audit.BundleHandedOut, Target: "jobs/" + j.ID.String(), Epoch: j.Lock.Epoch,
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

// runtimeToken is the runtime token j was submitted with, "" without one.
func (s *server) runtimeToken(ctx context.Context, j *job.Job) (string, error) {
	token, err := s.secrets.Get(ctx, j, custody.RuntimeToken)
	if apperr.CodeOf(err) == apperr.NotFound {
		return "", nil // submitted without one
	}
	return token, err
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
