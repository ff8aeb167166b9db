package job

import "time"

// Limits and defaults of the job lifecycle.
const (
	DefaultTimeout     = 6 * time.Hour
	MaxTimeout         = 24 * time.Hour
	DefaultLease       = 5 * time.Minute
	MaxLease           = time.Hour
	DefaultMaxAttempts = 3
)

// Job is one job's record. Secrets are never fields of it: the runtime and
// workflow tokens live in Secret Manager, job tokens are minted per claim.
type Job struct {
	ID                 string            `json:"id" firestore:"id"`
	Owner              string            `json:"owner" firestore:"owner"`
	Project            string            `json:"project,omitempty" firestore:"project"`
	Spec               map[string]any    `json:"spec" firestore:"spec"`
	SpecHash           string            `json:"specHash" firestore:"specHash"`
	Labels             map[string]string `json:"labels,omitempty" firestore:"labels"`
	State              State             `json:"state" firestore:"state"`
	Message            string            `json:"message,omitempty" firestore:"message"`
	Attempt            int               `json:"attempt" firestore:"attempt"`
	MaxAttempts        int               `json:"maxAttempts" firestore:"maxAttempts"`
	TimeoutSeconds     int64             `json:"timeoutSeconds" firestore:"timeoutSeconds"`
	RequireAttestation bool              `json:"requireAttestation" firestore:"requireAttestation"`
	RuntimeUser        string            `json:"runtimeUser" firestore:"runtimeUser"`
	RuntimeScopes      []string          `json:"runtimeScopes" firestore:"runtimeScopes"`
	Workspace          Artifact          `json:"workspace" firestore:"workspace"`
	Output             Artifact          `json:"output" firestore:"output"`
	Attestation        Artifact          `json:"attestation" firestore:"attestation"`
	Lock               Lock              `json:"lock" firestore:"lock"`
	CreatedAt          time.Time         `json:"createdAt" firestore:"createdAt"`
	UpdatedAt          time.Time         `json:"updatedAt" firestore:"updatedAt"`
	UploadDeadline     time.Time         `json:"uploadDeadline" firestore:"uploadDeadline"`
	Deadline           time.Time         `json:"deadline" firestore:"deadline"` // set when queued: queue time + timeout
	FinishedAt         time.Time         `json:"finishedAt,omitzero" firestore:"finishedAt"`
	EventSeq           int64             `json:"-" firestore:"eventSeq"` // seq of the last event appended
	// SecretsHeld says Secret Manager may hold a secret of the job (its
	// runtime or workflow token): set when one is stored, cleared by
	// Scrubbed once a final job's secrets are destroyed. The sweep scrubs
	// final jobs that still have it.
	SecretsHeld bool `json:"-" firestore:"secretsHeld"`
	// SecretLayout says how Secret Manager holds the job's secrets
	// (package custody): SecretsPerKind (zero, the layout of jobs created
	// before SecretsPerJob) or SecretsPerJob.
	SecretLayout SecretLayout `json:"-" firestore:"secretLayout"`
	// HasRuntimeToken says the job was submitted with a runtime token:
	// with SecretsPerJob it is version 1 of the job's secret and the
	// workflow token version 2 (version 1 without one).
	HasRuntimeToken bool `json:"-" firestore:"hasRuntimeToken"`
	// Rejected remembers the last uploads refused ("<kind>/<generation>"),
	// so a redelivered event deletes the bytes again without another
	// UPLOAD_REJECTED event.
	Rejected []string `json:"-" firestore:"rejected"`
	// RejectedUploads counts the uploads refused; only the first
	// MaxRejectedEvents of them append an UPLOAD_REJECTED event, so replays
	// cannot grow the event log without bound.
	RejectedUploads int64 `json:"rejectedUploads,omitempty" firestore:"rejectedUploads"`
	// WorkspaceKey is the number of the only workspace key
	// (WorkspaceName(ID, n)) that may still deliver the workspace: set
	// when an upload URL is minted for it (NewWorkspaceKey), moved past it
	// by the first upload that reaches it, accepted or not. Uploads at any
	// other key are deleted without a trace on the job.
	WorkspaceKey int64 `json:"-" firestore:"workspaceKey"`
	// SchemaVersion is the version of the stored form (package schema);
	// the store sets it on every write.
	SchemaVersion int `json:"-" firestore:"schemaVersion"`
}

// Artifact describes one object of the job: declared for the workspace,
// recorded when it arrives for every artifact.
type Artifact struct {
	SizeBytes   int64  `json:"sizeBytes" firestore:"sizeBytes"`
	MD5         string `json:"md5,omitempty" firestore:"md5"`
	ContentType string `json:"contentType,omitempty" firestore:"contentType"`
	Present     bool   `json:"present" firestore:"present"`
	Generation  int64  `json:"-" firestore:"generation"`
	// Epoch is, for an output or attestation, the claim that uploaded it;
	// for the workspace, the number of the key it was uploaded to.
	Epoch int64 `json:"-" firestore:"epoch"`
}

// Lock is the dispatcher's fenced lease. Epoch grows by one at every claim;
// calls carrying an older epoch are refused.
type Lock struct {
	Epoch          int64     `json:"epoch" firestore:"epoch"`
	Worker         string    `json:"worker,omitempty" firestore:"worker"`
	Holder         string    `json:"-" firestore:"holder"` // principal id of the dispatcher
	LeaseExpiresAt time.Time `json:"leaseExpiresAt,omitzero" firestore:"leaseExpiresAt"`
	// SealTo is the HPKE public key the epoch's auth bundle is sealed to
	// ("" for a plain bundle). Public, but of no use to job readers.
	SealTo string `json:"-" firestore:"sealTo"`
	// SingleUse lets the epoch's auth bundle be fetched once; BundleTaken
	// records that it was.
	SingleUse   bool `json:"-" firestore:"singleUse"`
	BundleTaken bool `json:"-" firestore:"bundleTaken"`
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
