package job

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// storedOnly are the fields of the stored form that no answer carries.
// A field added to Job, Artifact or Lock must be listed here or shown in
// View (TestStoredFieldsNeverAnswer fails until it is either).
var storedOnly = map[string]bool{
	"Job.EventSeq": true, "Job.SecretsHeld": true, "Job.SecretLayout": true, "Job.HasRuntimeToken": true,
	"Job.Rejected": true, "Job.WorkspaceKey": true, "Job.SchemaVersion": true,
	"Artifact.Generation": true, "Artifact.Epoch": true,
	"Lock.Holder": true, "Lock.SealTo": true, "Lock.SingleUse": true, "Lock.BundleTaken": true,
}

// TestStoredFieldsNeverAnswer: every field of the stored form is either
// shown by View under the same name or listed in storedOnly; with every
// stored-only field set to a canary, the answer carries none of them; and
// the stored form itself refuses to become JSON.
func TestStoredFieldsNeverAnswer(t *testing.T) {
	for _, pair := range []struct{ stored, view reflect.Type }{
		{reflect.TypeFor[Job](), reflect.TypeFor[View]()},
		{reflect.TypeFor[Artifact](), reflect.TypeFor[ArtifactView]()},
		{reflect.TypeFor[Lock](), reflect.TypeFor[LockView]()},
	} {
		for i := range pair.stored.NumField() {
			f := pair.stored.Field(i)
			key := pair.stored.Name() + "." + f.Name
			_, shown := pair.view.FieldByName(f.Name)
			require.False(t, shown && storedOnly[key], "%s is stored-only but View shows it", key)
			require.True(t, shown || storedOnly[key], "%s is neither shown by View nor listed in storedOnly: decide whether answers may carry it", key)
		}
		for i := range pair.view.NumField() {
			_, ok := pair.stored.FieldByName(pair.view.Field(i).Name)
			require.True(t, ok, "%s.%s has no stored field", pair.view.Name(), pair.view.Field(i).Name)
		}
	}

	const canary = "CANARY-stored-only"
	j := &Job{ID: "j1", State: Running, SecretsHeld: true, HasRuntimeToken: true, SecretLayout: SecretsPerJob,
		EventSeq: 424242, WorkspaceKey: 434343, Rejected: []string{canary},
		Output: Artifact{Present: true, Generation: 454545, Epoch: 464646},
		Lock:   Lock{Epoch: 2, Holder: canary + "-holder", SealTo: canary + "-seal", SingleUse: true, BundleTaken: true, LeaseExpiresAt: time.Now()}}
	body, err := json.Marshal(j.View())
	require.NoError(t, err)
	for _, leak := range []string{canary, "424242", "434343", "454545", "464646", "secretsHeld", "secretLayout", "hasRuntimeToken", "holder", "sealTo", "singleUse", "bundleTaken", "generation", "workspaceKey", "eventSeq"} {
		require.False(t, strings.Contains(string(body), leak), "the answer carries %q: %s", leak, body)
	}
	_, err = json.Marshal(j)
	require.True(t, errors.Is(err, ErrStoredForm), "marshalling the stored form: %v", err)
	_, err = json.Marshal(map[string]any{"job": *j})
	require.Error(t, err)
}
