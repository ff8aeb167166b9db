// Package access holds valet's access policy as pure functions: who may do
// what to which resource, decided from the principal and the resource alone,
// with no store or network behind it. Callers load the resource, ask, and
// answer a refusal to read with 404 (the caller may not know the resource
// exists) and a refusal to change something it may read with 403.
//
// The policy today is ownership: a user reaches the jobs they own. Project
// roles (viewer, editor, owner) widen it when projects arrive: the decision
// will then take the caller's membership of the job's project as an extra
// argument. A valet API token's scopes can only narrow what its owner may
// do (package scope): reading a job needs jobs:read, changing or creating one
// jobs:write, in the job's space.
package access

import (
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/scope"
)

// Action is something a principal does to a resource.
type Action string

// The actions on jobs.
const (
	// CreateJob submits a job; the resource is the job to be created, with
	// its Owner and Project set.
	CreateJob Action = "jobs.create"
	// ReadJob reads a job, its events and its output and attestation.
	ReadJob Action = "jobs.read"
	// WriteJob changes a job: cancels it or re-issues its workspace upload.
	WriteJob Action = "jobs.write"
)

// CanJob reports whether p may do a to j, as far as p's scopes allow.
//
// Only user principals act on jobs through this policy (dispatchers use the
// job's lock, not ownership). A user may create, read and write jobs they
// own. Jobs in a project are refused for now: project membership and roles
// come with projects, and until then nobody reaches a project's jobs. An
// unknown action, a nil job or a principal without an id is refused.
func CanJob(p identity.Principal, a Action, j *job.Job) bool {
	if j == nil || p.Kind != identity.User || p.ID == "" {
		return false
	}
	need := scope.JobsWrite
	switch a {
	case ReadJob:
		need = scope.JobsRead
	case CreateJob, WriteJob:
	default:
		return false
	}
	if j.Project != "" {
		return false
	}
	return j.Owner == p.ID && scope.Allows(p.Scopes, need, JobSpace(j))
}

// JobSpace is the space a job belongs to: its project's, or its owner's.
func JobSpace(j *job.Job) string {
	if j.Project != "" {
		return "projects/" + j.Project
	}
	return "users/" + j.Owner
}

// CanListJobs reports whether p may list its own jobs: a user whose scopes
// include jobs:read in its own space.
func CanListJobs(p identity.Principal) bool {
	return p.Kind == identity.User && p.ID != "" && scope.Allows(p.Scopes, scope.JobsRead, "users/"+p.ID)
}
