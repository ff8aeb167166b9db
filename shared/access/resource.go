package access

import (
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
)

// ResourceKind says what sort of thing a Resource is; each action acts on
// one kind.
type ResourceKind string

// The kinds of resource.
const (
	JobKind     ResourceKind = "job"
	ObjectKind  ResourceKind = "object"
	ProjectKind ResourceKind = "project"
)

// Resource is what an access decision is about: its kind and the space it
// lives in.
type Resource struct {
	Kind ResourceKind
	// Space is "users/<uid>" or "projects/<pid>": where the resource lives.
	// Can parses it again, so a malformed space is refused, not trusted.
	Space ids.SpaceID
	// Owner is, for jobs, the submitting user. It is informational: access
	// follows the space (a project job's submitter needs a role like anyone).
	Owner ids.UserID
}

// JobResource is j as a resource, in j's space (job.Job.Space). A nil job gives a
// resource without a space, which Can refuses.
func JobResource(j *job.Job) Resource {
	if j == nil {
		return Resource{Kind: JobKind}
	}
	return Resource{Kind: JobKind, Space: j.Space(), Owner: j.Owner}
}

// ObjectResource is an object (or the objects) in space.
func ObjectResource(space ids.SpaceID) Resource {
	return Resource{Kind: ObjectKind, Space: space}
}

// ProjectResource is the project pid, in its space "projects/<pid>".
func ProjectResource(pid ids.ProjectID) Resource {
	return Resource{Kind: ProjectKind, Space: ids.ProjectSpace(pid)}
}
