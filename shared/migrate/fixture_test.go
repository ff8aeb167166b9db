package migrate_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/ids"
)

// v0 is a dataset as the release before schema versions wrote it (commit
// 87489cc): raw maps with exactly the fields of that release's stored
// forms (job.Job, job.Event, object.Object, project.Member, the project,
// membership, tombstone and usage documents of shared/firestore, the
// token record of shared/apitoken), and no schemaVersion.
type v0 struct {
	pid, deletedPID string
	owner, viewer   string
	jobs            []ids.JobID
	objects         []string
	tokenOwner      string
	docs            int // documents written
}

var v0Time = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// writeV0 writes the dataset: a project with two members, a tombstone, n
// objects in the project's space and its usage, n jobs with two events
// each, and one API token.
func writeV0(t *testing.T, c *firestore.Client, n int) v0 {
	t.Helper()
	ctx := context.Background()
	d := v0{pid: string(ids.NewProjectID()), deletedPID: string(ids.NewProjectID()), owner: "alice", viewer: "bob", tokenOwner: "alice"}
	put := func(path string, data map[string]any) {
		t.Helper()
		_, err := c.Doc(path).Set(ctx, data)
		require.NoError(t, err)
		d.docs++
	}
	space := "projects/" + d.pid
	put("projects/"+d.pid, map[string]any{"id": d.pid, "displayName": "Team", "createdBy": d.owner, "createdAt": v0Time, "deleting": false, "owners": int64(1)})
	for user, role := range map[string]string{d.owner: "owner", d.viewer: "viewer"} {
		put("projects/"+d.pid+"/members/"+user, map[string]any{"user": user, "role": role, "addedBy": d.owner, "addedAt": v0Time})
		put("memberships/"+d.pid+"~"+user, map[string]any{"project": d.pid, "user": user, "role": role})
	}
	put("deletedProjects/"+d.deletedPID, map[string]any{"id": d.deletedPID, "deletedAt": v0Time})
	put("spaces/projects:"+d.pid, map[string]any{"space": space, "usedBytes": int64(5 * n), "reservedBytes": int64(0), "objects": int64(n)})
	for i := range n {
		oid := string(ids.NewObjectID())
		d.objects = append(d.objects, oid)
		put("objects/"+oid, map[string]any{
			"id": oid, "space": space, "name": fmt.Sprintf("data/%03d.txt", i), "contentType": "text/plain",
			"sizeBytes": int64(5), "md5": "XUFAKrxLKna5cZ2REBfFkg==", "state": "READY", "createdBy": d.owner,
			"createdAt": v0Time, "updatedAt": v0Time, "uploadDeadline": v0Time.Add(time.Hour),
			"key": "spaces/" + space + "/" + oid, "revision": int64(0), "generation": int64(1700000000000000 + i),
		})
	}
	artifact := func(present bool, size, gen, epoch int64) map[string]any {
		return map[string]any{"sizeBytes": size, "md5": "", "contentType": "", "present": present, "generation": gen, "epoch": epoch}
	}
	for i := range n {
		jid := ids.NewJobID()
		d.jobs = append(d.jobs, jid)
		put("jobs/"+jid.String(), map[string]any{
			"id": jid.String(), "owner": d.owner, "project": d.pid, "spec": map[string]any{"image": "example/v0", "args": []any{"run"}},
			"specHash": "sha256:v0", "labels": map[string]any{"n": fmt.Sprint(i)}, "state": "SUCCEEDED", "message": "",
			"attempt": int64(1), "maxAttempts": int64(3), "timeoutSeconds": int64(3600), "requireAttestation": false,
			"runtimeUser": d.owner, "runtimeScopes": []any{"objects.read"},
			"workspace": artifact(true, 10, 1700000000000100, 1), "output": artifact(true, 20, 1700000000000200, 1),
			"attestation": artifact(false, 0, 0, 0),
			"lock":        map[string]any{"epoch": int64(1), "worker": "w1", "holder": "dispatcher@example.iam.gserviceaccount.com", "leaseExpiresAt": v0Time, "sealTo": "", "singleUse": false, "bundleTaken": false},
			"createdAt":   v0Time, "updatedAt": v0Time, "uploadDeadline": v0Time.Add(time.Hour), "deadline": v0Time.Add(2 * time.Hour),
			"finishedAt": v0Time.Add(time.Minute), "eventSeq": int64(2), "secretsHeld": false, "rejected": nil,
			"rejectedUploads": int64(0), "workspaceKey": int64(2),
		})
		for seq, typ := range []string{"CREATED", "SUCCEEDED"} {
			put(fmt.Sprintf("jobs/%s/events/%012d", jid, seq+1), map[string]any{"seq": int64(seq + 1), "time": v0Time, "type": typ, "message": typ, "epoch": int64(seq)})
		}
	}
	put("apiTokens/abcdefghijkl", map[string]any{
		"id": string(ids.NewTokenID()), "owner": d.tokenOwner, "name": "ci", "scopes": []any{"jobs.read"}, "prefix": "abcdefghijkl",
		"hash": "0000", "createdAt": v0Time, "expiresAt": time.Now().Add(24 * time.Hour).UTC().Truncate(time.Microsecond), "revokedAt": nil, "lastUsedAt": nil,
	})
	return d
}
