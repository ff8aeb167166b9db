package access

import (
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/project"
)

// CanJobIn is Can for a job, given the caller's role in the job's project
// (project.None for personal jobs and non-members). A nil job is refused.
func CanJobIn(p identity.Principal, a Action, j *job.Job, role project.Role) bool {
	if j == nil {
		return false
	}
	return Can(p, a, JobResource(j), role)
}

// CanJob is CanJobIn with role project.None, for callers that have not
// looked the caller's role up: it decides personal jobs (only their owner
// passes) and refuses every project job.
func CanJob(p identity.Principal, a Action, j *job.Job) bool {
	return CanJobIn(p, a, j, project.None)
}

// CanListJobs reports whether p may list its own personal jobs: ReadJob
// in its own space (a user, or a running job acting as its runtime user,
// with jobs:read there).
func CanListJobs(p identity.Principal) bool {
	return Can(p, ReadJob, Resource{Kind: JobKind, Space: ids.UserSpace(ids.UserID(p.ID))}, project.None)
}
