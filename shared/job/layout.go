package job

import "strings"

// Objects in the jobs bucket are private to valet: callers only ever see
// signed URLs, never these names.
const objectPrefix = "jobs/"

// ObjectName is where kind's object of job id lives in the jobs bucket.
func ObjectName(id string, kind Kind) string {
	return objectPrefix + id + "/" + kind.fileName()
}

// WorkspaceKind is the workspace tar a frontend uploads.
const WorkspaceKind Kind = "workspace"

func (k Kind) fileName() string {
	switch k {
	case WorkspaceKind:
		return "workspace.tar"
	case OutputKind:
		return "output.tar"
	case AttestationKind:
		return "attestation.json"
	}
	return string(k)
}

// ParseObjectName returns the job id and kind of an object in the jobs
// bucket, or ok=false for names valet did not hand out.
func ParseObjectName(name string) (id string, kind Kind, ok bool) {
	rest, found := strings.CutPrefix(name, objectPrefix)
	if !found {
		return "", "", false
	}
	id, file, found := strings.Cut(rest, "/")
	if !found || id == "" {
		return "", "", false
	}
	for _, k := range []Kind{WorkspaceKind, OutputKind, AttestationKind} {
		if file == k.fileName() && ObjectName(id, k) == name {
			return id, k, true
		}
	}
	return "", "", false
}
