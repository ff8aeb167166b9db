package finalize_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/functions/finalize"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
)

// scenario is one job's storage history: workspace uploads (a rejected one
// first for some jobs), then, once the job is claimed, its artifacts.
type scenario struct {
	requireAttestation bool
	badWorkspaceFirst  bool
}

// history is the objects a scenario's job sees, in upload order.
type history struct {
	id        ids.JobID
	workspace []finalize.StorageObject
	artifacts []finalize.StorageObject
}

func scenarios() []scenario {
	var out []scenario
	for i := range 10 {
		out = append(out, scenario{requireAttestation: i%2 == 0, badWorkspaceFirst: i%3 == 0})
	}
	return out
}

// play creates the job of s and uploads its objects in order.
func (e *env) play(s scenario) history {
	e.t.Helper()
	j := e.newJob(s.requireAttestation)
	h := history{id: j.ID}
	if s.badWorkspaceFirst {
		h.workspace = append(h.workspace, e.upload(job.WorkspaceName(j.ID, 0), []byte("a tar of the wrong size")))
		e.newWorkspaceKey(j.ID) // the user takes a new upload URL (POST /jobs/{id}/upload)
	}
	h.workspace = append(h.workspace, e.uploadArtifact(j.ID, job.WorkspaceKind, 0))
	// The artifacts are uploaded under the claim the test makes next
	// (epoch 1).
	h.artifacts = append(h.artifacts, e.uploadAt(j.ID, job.OutputKind, 1, 0))
	if s.requireAttestation {
		h.artifacts = append(h.artifacts, e.uploadAt(j.ID, job.AttestationKind, 1, 0))
	}
	return h
}

// outcome is what must not depend on delivery order or repetition.
type outcome struct {
	State       job.State
	Attempt     int
	Workspace   job.Artifact
	Output      job.Artifact
	Attestation job.Artifact
	Transitions []string // event types, rejections left out (their number depends on the order of arrival)
}

func (e *env) outcome(id ids.JobID) outcome {
	e.t.Helper()
	j := e.get(id)
	types := slices.DeleteFunc(e.eventTypes(id), func(t string) bool { return t == job.EventUploadRejected })
	return outcome{State: j.State, Attempt: j.Attempt, Workspace: j.Workspace, Output: j.Output, Attestation: j.Attestation, Transitions: types}
}

// normalise drops what differs between two runs by construction: the
// generations, the MD5s (the bodies name the job) and the order in which
// output and attestation were recorded.
func normalise(o outcome) outcome {
	o.Workspace.Generation, o.Output.Generation, o.Attestation.Generation = 0, 0, 0
	o.Workspace.MD5, o.Output.MD5, o.Attestation.MD5 = "", "", ""
	// Output and attestation may be recorded in either order; each once.
	o.Transitions = slices.Sorted(slices.Values(o.Transitions))
	return o
}

// TestRedeliveredShuffledEventsEqualInOrderDelivery delivers every finalize
// event of ten jobs twice, in a shuffled order, and requires the jobs to end
// as a single in-order delivery leaves them: no double transition, no
// resurrection, every refused upload deleted.
func TestRedeliveredShuffledEventsEqualInOrderDelivery(t *testing.T) {
	e := newEnv(t)
	var want []outcome
	for _, s := range scenarios() {
		h := e.play(s)
		for _, obj := range h.workspace {
			e.deliver(obj)
		}
		e.claim(h.id)
		for _, obj := range h.artifacts {
			e.deliver(obj)
		}
		o := e.outcome(h.id)
		require.Equal(t, job.Succeeded, o.State)
		want = append(want, o)
	}

	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			e := newEnv(t)
			rng := rand.New(rand.NewPCG(seed, seed*7919))
			var hs []history
			var workspaces, artifacts []finalize.StorageObject
			for _, s := range scenarios() {
				h := e.play(s)
				hs = append(hs, h)
				workspaces = append(workspaces, h.workspace...)
				workspaces = append(workspaces, h.workspace...)
				artifacts = append(artifacts, h.artifacts...)
				artifacts = append(artifacts, h.artifacts...)
			}
			rng.Shuffle(len(workspaces), func(i, j int) { workspaces[i], workspaces[j] = workspaces[j], workspaces[i] })
			rng.Shuffle(len(artifacts), func(i, j int) { artifacts[i], artifacts[j] = artifacts[j], artifacts[i] })

			for _, obj := range workspaces {
				e.deliver(obj)
			}
			for _, h := range hs {
				require.Equal(t, job.Queued, e.get(h.id).State)
				e.claim(h.id) // the dispatcher claims between the workspace and the output
			}
			for _, obj := range artifacts {
				e.deliver(obj)
			}

			for i, h := range hs {
				got := e.outcome(h.id)
				require.Equal(t, normalise(want[i]), normalise(got), "job %d", i)
				require.Equal(t, []string{job.EventSucceeded, job.EventScrubbed}, got.Transitions[len(got.Transitions)-2:], "job %d: nothing after success but the scrub", i)
				require.Empty(t, e.secrets.Held(t, h.id.String()), "job %d: Secret Manager holds nothing of it", i)
				// The recorded generations are the accepted uploads'.
				require.Equal(t, h.workspace[len(h.workspace)-1].Generation, itoa(got.Workspace.Generation))
				require.Equal(t, h.artifacts[0].Generation, itoa(got.Output.Generation))
				if len(h.artifacts) > 1 {
					require.Equal(t, h.artifacts[1].Generation, itoa(got.Attestation.Generation))
				}
				for _, obj := range append(h.workspace[len(h.workspace)-1:], h.artifacts...) {
					require.True(t, e.present(obj), "accepted upload %s kept", obj.Name)
				}
			}
		})
	}
}
