package job

import (
	"time"

	"valet.dev/valet/shared/ids"
)

// Limits and defaults of the job lifecycle.
const (
	DefaultTimeout     = 6 * time.Hour
	MaxTimeout         = 24 * time.Hour
	DefaultLease       = 5 * time.Minute
	MaxLease           = time.Hour
	DefaultMaxAttempts = 3
)

// Job is one job's record as the store keeps it: the stored form, never an
// answer (it refuses to be marshalled as JSON; answers carry View). Secrets
// are never fields of it: the runtime and workflow tokens live in Secret
// Manager, job tokens are minted per claim.
type Job struct {
	ID                 ids.JobID         `firestore:"id"`
	Owner              ids.UserID        `firestore:"owner"`
	Project            ids.ProjectID     `firestore:"project"`
	Spec               map[string]any    `firestore:"spec"`
	SpecHash           string            `firestore:"specHash"`
	Labels             map[string]string `firestore:"labels"`
	State              State             `firestore:"state"`
	Message            string            `firestore:"message"`
	Attempt            int               `firestore:"attempt"`
	MaxAttempts        int               `firestore:"maxAttempts"`
	TimeoutSeconds     int64             `firestore:"timeoutSeconds"`
	RequireAttestation bool              `firestore:"requireAttestation"`
	RuntimeUser        string            `firestore:"runtimeUser"`
	RuntimeScopes      []string          `firestore:"runtimeScopes"`
	Workspace          Artifact          `firestore:"workspace"`
	Output             Artifact          `firestore:"output"`
	Attestation        Artifact          `firestore:"attestation"`
	Lock               Lock              `firestore:"lock"`
	CreatedAt          time.Time         `firestore:"createdAt"`
	UpdatedAt          time.Time         `firestore:"updatedAt"`
	UploadDeadline     time.Time         `firestore:"uploadDeadline"`
	Deadline           time.Time         `firestore:"deadline"` // set when queued: queue time + timeout
	FinishedAt         time.Time         `firestore:"finishedAt"`
	EventSeq           int64             `firestore:"eventSeq"` // seq of the last event appended
	// SecretsHeld says Secret Manager may hold a secret of the job (its
	// runtime or workflow token): set when one is stored, cleared by
	// Scrubbed once a final job's secrets are destroyed. The sweep scrubs
	// final jobs that still have it.
	SecretsHeld bool `firestore:"secretsHeld"`
	// SecretLayout says how Secret Manager holds the job's secrets
	// (package custody): SecretsPerKind (zero, the layout of jobs created
	// before SecretsPerJob) or SecretsPerJob.
	SecretLayout SecretLayout `firestore:"secretLayout"`
	// HasRuntimeToken says the job was submitted with a runtime token:
	// with SecretsPerJob it is version 1 of the job's secret and the
	// workflow token version 2 (version 1 without one).
	HasRuntimeToken bool `firestore:"hasRuntimeToken"`
	// Rejected remembers the last uploads refused ("<kind>/<generation>"),
	// so a redelivered event deletes the bytes again without another
	// UPLOAD_REJECTED event.
	Rejected []string `firestore:"rejected"`
	// RejectedUploads counts the uploads refused; only the first
	// MaxRejectedEvents of them append an UPLOAD_REJECTED event, so replays
	// cannot grow the event log without bound.
	RejectedUploads int64 `firestore:"rejectedUploads"`
	// WorkspaceKey is the number of the only workspace key
	// (WorkspaceName(ID, n)) that may still deliver the workspace: set
	// when an upload URL is minted for it (NewWorkspaceKey), moved past it
	// by the first upload that reaches it, accepted or not. Uploads at any
	// other key are deleted without a trace on the job.
	WorkspaceKey int64 `firestore:"workspaceKey"`
	// SchemaVersion is the version of the stored form (package schema);
	// the store sets it on every write.
	SchemaVersion int `firestore:"schemaVersion"`
}

// Space is the space the job belongs to: its project's, or its owner's.
// Access to the job follows it (package access), and its audit entries are
// recorded in it.
func (j *Job) Space() ids.SpaceID {
	if j.Project != "" {
		return ids.ProjectSpace(j.Project)
	}
	return ids.UserSpace(j.Owner)
}

// Artifact describes one object of the job: declared for the workspace,
// recorded when it arrives for every artifact.
type Artifact struct {
	SizeBytes   int64  `firestore:"sizeBytes"`
	MD5         string `firestore:"md5"`
	ContentType string `firestore:"contentType"`
	Present     bool   `firestore:"present"`
	Generation  int64  `firestore:"generation"`
	// Epoch is, for an output or attestation, the claim that uploaded it;
	// for the workspace, the number of the key it was uploaded to.
	Epoch int64 `firestore:"epoch"`
}

// Lock is the dispatcher's fenced lease. Epoch grows by one at every claim;
// calls carrying an older epoch are refused.
type Lock struct {
	Epoch          int64     `firestore:"epoch"`
	Worker         string    `firestore:"worker"`
	Holder         string    `firestore:"holder"` // principal id of the dispatcher
	LeaseExpiresAt time.Time `firestore:"leaseExpiresAt"`
	// SealTo is the HPKE public key the epoch's auth bundle is sealed to
	// ("" for a plain bundle). Public, but of no use to job readers.
	SealTo string `firestore:"sealTo"`
	// SingleUse lets the epoch's auth bundle be fetched once; BundleTaken
	// records that it was.
	SingleUse   bool `firestore:"singleUse"`
	BundleTaken bool `firestore:"bundleTaken"`
}

// Event is one line of a job's event log. Messages pass through the
// logging masker before they are stored.
type Event struct {
	Seq     int64     `json:"seq" firestore:"seq"`
	Time    time.Time `json:"time" firestore:"time"`
	Type    string    `json:"type" firestore:"type"`
	Message string    `json:"message" firestore:"message"`
	Epoch   int64     `json:"-" firestore:"epoch"`
	// SchemaVersion: see Job.SchemaVersion.
	SchemaVersion int `json:"-" firestore:"schemaVersion"`
}

// Event types.
const (
	EventCreated        = "CREATED"
	EventQueued         = "QUEUED"
	EventLocked         = "LOCKED"
	EventRunning        = "RUNNING"
	EventHeartbeat      = "HEARTBEAT"
	EventRequeued       = "REQUEUED"
	EventOutput         = "OUTPUT_RECORDED"
	EventAttestation    = "ATTESTATION_RECORDED"
	EventSucceeded      = "SUCCEEDED"
	EventFailed         = "FAILED"
	EventCancelled      = "CANCELLED"
	EventExpired        = "EXPIRED"
	EventUploadRejected = "UPLOAD_REJECTED"
	EventScrubbed       = "SECRETS_SCRUBBED"
)
