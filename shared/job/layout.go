package job

import (
	"strconv"
	"strings"

	"valet.dev/valet/shared/ids"
)

// Objects in the jobs bucket are private to valet: callers only ever see
// signed URLs, never these names.
//
//	jobs/<id>/w<n>/workspace.tar          the workspace uploaded with the job's n-th upload URL
//	jobs/<id>/workspace.tar               the one workspace key of jobs from before (n = 0)
//	jobs/<id>/e<epoch>/output.tar         the output of the claim at epoch
//	jobs/<id>/e<epoch>/attestation.json   its attestation
//
// Every upload URL names a key of its own and is create-only
// (x-goog-if-generation-match: 0): it can create its object but never
// replace one (a replay cannot destroy a recorded workspace or output).
// Each workspace upload URL gets a new n, and a key is used up by the
// first upload that reaches it (see Job.WorkspaceKey): a URL replayed once
// its object is gone creates bytes at a key nothing accepts any more, which
// finalize deletes without writing anything. Artifacts carry the epoch of
// the claim that uploads them, so each claim writes objects of its own,
// and an upload by a dispatcher whose claim was superseded names a stale
// epoch and is refused.
const objectPrefix = "jobs/"

// WorkspaceName is where the workspace uploaded with job id's n-th upload
// URL lives in the jobs bucket (n = 0: the single key of older jobs).
func WorkspaceName(id ids.JobID, n int64) string {
	if n == 0 {
		return objectPrefix + string(id) + "/" + WorkspaceKind.fileName()
	}
	return objectPrefix + string(id) + "/w" + strconv.FormatInt(n, 10) + "/" + WorkspaceKind.fileName()
}

// ArtifactName is where the output or attestation (kind) uploaded under
// the claim at epoch lives.
func ArtifactName(id ids.JobID, kind Kind, epoch int64) string {
	return objectPrefix + string(id) + "/e" + strconv.FormatInt(epoch, 10) + "/" + kind.fileName()
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

// ParseObjectName returns the job id, kind and number of an object in the
// jobs bucket (an artifact's epoch, a workspace's upload URL number), or
// ok=false for names valet did not hand out.
func ParseObjectName(name string) (id string, kind Kind, epoch int64, ok bool) {
	rest, found := strings.CutPrefix(name, objectPrefix)
	if !found {
		return "", "", 0, false
	}
	id, rest, found = strings.Cut(rest, "/")
	if !found || id == "" {
		return "", "", 0, false
	}
	jid := ids.JobID(id) // not checked: a name is compared with the names of jid
	if name == WorkspaceName(jid, 0) {
		return id, WorkspaceKind, 0, true
	}
	dir, file, found := strings.Cut(rest, "/")
	if !found || dir == "" || (dir[0] != 'e' && dir[0] != 'w') {
		return "", "", 0, false
	}
	epoch, err := strconv.ParseInt(dir[1:], 10, 64)
	if err != nil || epoch < 1 {
		return "", "", 0, false
	}
	if dir[0] == 'w' {
		if WorkspaceName(jid, epoch) == name {
			return id, WorkspaceKind, epoch, true
		}
		return "", "", 0, false
	}
	for _, k := range []Kind{OutputKind, AttestationKind} {
		if file == k.fileName() && ArtifactName(jid, k, epoch) == name {
			return id, k, epoch, true
		}
	}
	return "", "", 0, false
}
