package job

import (
	"errors"
	"time"
)

// View is a job as the API answers it. Its fields are the job's public
// ones, each copied by Job.View: a field added to Job, the stored form,
// stays out of every answer until it is added here. It never holds the
// lock's holder or seal key, storage generations, the event counter, the
// secret bookkeeping or the open workspace key (see the test
// TestStoredFieldsNeverAnswer).
type View struct {
	ID                 string            `json:"id"`
	Owner              string            `json:"owner"`
	Project            string            `json:"project,omitempty"`
	Spec               map[string]any    `json:"spec"`
	SpecHash           string            `json:"specHash"`
	Labels             map[string]string `json:"labels,omitempty"`
	State              State             `json:"state"`
	Message            string            `json:"message,omitempty"`
	Attempt            int               `json:"attempt"`
	MaxAttempts        int               `json:"maxAttempts"`
	TimeoutSeconds     int64             `json:"timeoutSeconds"`
	RequireAttestation bool              `json:"requireAttestation"`
	RuntimeUser        string            `json:"runtimeUser"`
	RuntimeScopes      []string          `json:"runtimeScopes"`
	Workspace          ArtifactView      `json:"workspace"`
	Output             ArtifactView      `json:"output"`
	Attestation        ArtifactView      `json:"attestation"`
	Lock               LockView          `json:"lock"`
	CreatedAt          time.Time         `json:"createdAt"`
	UpdatedAt          time.Time         `json:"updatedAt"`
	UploadDeadline     time.Time         `json:"uploadDeadline"`
	Deadline           time.Time         `json:"deadline"`
	FinishedAt         time.Time         `json:"finishedAt,omitzero"`
	RejectedUploads    int64             `json:"rejectedUploads,omitempty"`
}

// ArtifactView is an artifact as answers show it: what was declared or
// recorded, not where storage keeps it.
type ArtifactView struct {
	SizeBytes   int64  `json:"sizeBytes"`
	MD5         string `json:"md5,omitempty"`
	ContentType string `json:"contentType,omitempty"`
	Present     bool   `json:"present"`
}

// LockView is the lock as answers show it: the epoch, the worker and the
// lease, not who holds it nor how its bundle is delivered.
type LockView struct {
	Epoch          int64     `json:"epoch"`
	Worker         string    `json:"worker,omitempty"`
	LeaseExpiresAt time.Time `json:"leaseExpiresAt,omitzero"`
}

// View is j as the API answers it.
func (j *Job) View() View {
	return View{
		ID: j.ID.String(), Owner: string(j.Owner), Project: string(j.Project), Spec: j.Spec, SpecHash: j.SpecHash, Labels: j.Labels,
		State: j.State, Message: j.Message, Attempt: j.Attempt, MaxAttempts: j.MaxAttempts,
		TimeoutSeconds: j.TimeoutSeconds, RequireAttestation: j.RequireAttestation,
		RuntimeUser: j.RuntimeUser, RuntimeScopes: j.RuntimeScopes,
		Workspace: j.Workspace.view(), Output: j.Output.view(), Attestation: j.Attestation.view(),
		Lock:      LockView{Epoch: j.Lock.Epoch, Worker: j.Lock.Worker, LeaseExpiresAt: j.Lock.LeaseExpiresAt},
		CreatedAt: j.CreatedAt, UpdatedAt: j.UpdatedAt, UploadDeadline: j.UploadDeadline, Deadline: j.Deadline,
		FinishedAt: j.FinishedAt, RejectedUploads: j.RejectedUploads,
	}
}

func (a Artifact) view() ArtifactView {
	return ArtifactView{SizeBytes: a.SizeBytes, MD5: a.MD5, ContentType: a.ContentType, Present: a.Present}
}

// Views is View of each job.
func Views(jobs []*Job) []View {
	out := make([]View, 0, len(jobs))
	for _, j := range jobs {
		out = append(out, j.View())
	}
	return out
}

// ErrStoredForm is why a Job refuses to be marshalled as JSON.
var ErrStoredForm = errors.New("job.Job is the stored form: answer with its View")

// MarshalJSON refuses (ErrStoredForm), so that no answer, log or event
// can carry the stored form by accident: a handler that writes a Job
// answers 500 instead of leaking a stored field.
func (j Job) MarshalJSON() ([]byte, error) { return nil, ErrStoredForm }
