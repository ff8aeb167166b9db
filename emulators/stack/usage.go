package stack

import (
	"maps"
	"net/http"
	"sync/atomic"

	"valet.dev/valet/emulators/privategcs"
	smemu "valet.dev/valet/emulators/secretmanager"
	valetfs "valet.dev/valet/shared/firestore"
)

// Usage is what the stack's functions, and the clients of their signed
// URLs, have spent of each Google service, counted as Google meters it:
// the figures of docs/capacity.md. Calls made by tests themselves (their
// own Firestore or Secret Manager clients) are not counted, except in
// SecretManager, which the emulator counts whoever calls.
type Usage struct {
	// Firestore counts the functions' billed document reads, writes and
	// deletes (a query returning n documents is n reads, at least one),
	// and apart the reads of transactions aborted by contention.
	Firestore valetfs.Operations
	// SecretManager counts requests as its quotas do; SecretManagerCalls
	// by RPC.
	SecretManager      smemu.Requests
	SecretManagerCalls map[string]int64
	// SignBlob counts URL signatures: each is an IAM signBlob call, here
	// to the stack's IAM Credentials stand-in (whose Calls agree).
	SignBlob int64
	// Storage counts Cloud Storage operations by class, the functions'
	// and the signed URLs' (through the gate).
	Storage privategcs.Operations
	// Events counts the storage events delivered to finalize (Eventarc's,
	// through the bridge), redeliveries included.
	Events int64
	// Invocations counts the requests that reached each function past its
	// front door, events and scheduler runs included.
	Invocations map[string]int64
}

// meters are the counters behind Usage.
type meters struct {
	firestore   valetfs.Meter
	signs       atomic.Int64
	events      atomic.Int64
	invocations map[string]*atomic.Int64 // by function, fixed at deploy
}

// Usage returns what has been spent since the stack started.
func (s *Stack) Usage() Usage {
	u := Usage{
		Firestore:          s.meters.firestore.Operations(),
		SecretManager:      s.SecretManager.Server.Requests(),
		SecretManagerCalls: s.SecretManager.Server.Calls(),
		SignBlob:           s.meters.signs.Load(),
		Storage:            s.Storage.Operations(),
		Events:             s.meters.events.Load(),
		Invocations:        map[string]int64{},
	}
	for name, n := range s.meters.invocations {
		u.Invocations[name] = n.Load()
	}
	return u
}

// Settled reports whether every object written so far has had its event
// delivered and answered: nothing is left in flight that would still
// spend. Tests wait for it before reading Usage.
func (u Usage) Settled() bool { return u.Events >= u.Storage.Written }

// Since is what was spent between before and u.
func (u Usage) Since(before Usage) Usage {
	d := Usage{
		Firestore: valetfs.Operations{
			Reads:   u.Firestore.Reads - before.Firestore.Reads,
			Writes:  u.Firestore.Writes - before.Firestore.Writes,
			Deletes: u.Firestore.Deletes - before.Firestore.Deletes,

			RetriedReads: u.Firestore.RetriedReads - before.Firestore.RetriedReads,
		},
		SecretManager: smemu.Requests{
			Read:   u.SecretManager.Read - before.SecretManager.Read,
			Write:  u.SecretManager.Write - before.SecretManager.Write,
			Access: u.SecretManager.Access - before.SecretManager.Access,
		},
		SecretManagerCalls: diff(u.SecretManagerCalls, before.SecretManagerCalls),
		SignBlob:           u.SignBlob - before.SignBlob,
		Storage: privategcs.Operations{
			ClassA:  u.Storage.ClassA - before.Storage.ClassA,
			ClassB:  u.Storage.ClassB - before.Storage.ClassB,
			Free:    u.Storage.Free - before.Storage.Free,
			Written: u.Storage.Written - before.Storage.Written,
		},
		Events:      u.Events - before.Events,
		Invocations: diff(u.Invocations, before.Invocations),
	}
	return d
}

func diff(now, before map[string]int64) map[string]int64 {
	out := maps.Clone(now)
	for k, v := range before {
		out[k] -= v
	}
	for k, v := range out {
		if v == 0 {
			delete(out, k)
		}
	}
	return out
}

// invoked counts the requests that reach h, the named function.
func (s *Stack) invoked(name string, h http.Handler) http.Handler {
	n := &atomic.Int64{}
	s.meters.invocations[name] = n
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h.ServeHTTP(w, r)
	})
}

// delivered counts the events the bridge delivers through next: every
// request but the mux's redirect to the mount's trailing slash, which
// the client follows with the same event.
func (s *Stack) delivered(next http.RoundTripper) http.RoundTripper {
	return roundTripper(func(r *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(r)
		if err != nil || resp.StatusCode < 300 || resp.StatusCode > 399 {
			s.meters.events.Add(1)
		}
		return resp, err
	})
}
