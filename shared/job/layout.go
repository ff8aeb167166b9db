package job

import (
	"strconv"
	"strings"
)

// Objects in the jobs bucket are private to valet: callers only ever see
// signed URLs, never these names.
//
//	jobs/<id>/workspace.tar               the workspace, one per job
//	jobs/<id>/e<epoch>/output.tar         the output of the claim at epoch
//	jobs/<id>/e<epoch>/attestation.json   its attestation
//
// Artifacts carry the epoch of the claim that uploads them, so each claim
// writes objects of its own: their upload URLs can create an object but
// never replace one (a replay cannot destroy a recorded output), and an
// upload by a dispatcher whose claim was superseded names a stale epoch
// and is refused.
const objectPrefix = "jobs/"

// WorkspaceName is where job id's workspace lives in the jobs bucket.
func WorkspaceName(id string) string {
	return objectPrefix + id + "/" + WorkspaceKind.fileName()
}

// ArtifactName is where the output or attestation (kind) uploaded under
// the claim at epoch lives.
func ArtifactName(id string, kind Kind, epoch int64) string {
	return objectPrefix + id + "/e" + strconv.FormatInt(epoch, 10) + "/" + kind.fileName()
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

// ParseObjectName returns the job id, kind and epoch (0 for the workspace)
// of an object in the jobs bucket, or ok=false for names valet did not
// hand out.
func ParseObjectName(name string) (id string, kind Kind, epoch int64, ok bool) {
	rest, found := strings.CutPrefix(name, objectPrefix)
	if !found {
		return "", "", 0, false
	}
	id, rest, found = strings.Cut(rest, "/")
	if !found || id == "" {
		return "", "", 0, false
	}
	if name == WorkspaceName(id) {
		return id, WorkspaceKind, 0, true
	}
	dir, file, found := strings.Cut(rest, "/")
	if !found || !strings.HasPrefix(dir, "e") {
		return "", "", 0, false
	}
	epoch, err := strconv.ParseInt(dir[1:], 10, 64)
	if err != nil || epoch < 1 {
		return "", "", 0, false
	}
	for _, k := range []Kind{OutputKind, AttestationKind} {
		if file == k.fileName() && ArtifactName(id, k, epoch) == name {
			return id, k, epoch, true
		}
	}
	return "", "", 0, false
}
