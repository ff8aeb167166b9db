// Package job is the job domain as plain Go: the Job record, its states, the
// transitions between them with their preconditions, and the events each
// transition appends. It has no cloud imports: a store runs a transition
// inside one Firestore transaction, writing the job and the returned event
// together (see Store).
//
// # Errors
//
// A transition whose precondition does not hold returns an *apperr.Error
// with code Conflict (stale epoch, wrong state), Gone (the job is final) or
// Invalid (bad input), and leaves the job unchanged.
package job

// State is where a job is in its life.
type State string

// The states of the job state machine (docs/design.md, "Job states").
const (
	AwaitingWorkspace State = "AWAITING_WORKSPACE"
	Queued            State = "QUEUED"
	Locked            State = "LOCKED"
	Running           State = "RUNNING"
	Succeeded         State = "SUCCEEDED"
	Failed            State = "FAILED"
	Cancelled         State = "CANCELLED"
	Expired           State = "EXPIRED"
)

// States lists every state, in the order of a job's life.
var States = []State{AwaitingWorkspace, Queued, Locked, Running, Succeeded, Failed, Cancelled, Expired}

// Final reports whether no transition leaves s.
func (s State) Final() bool {
	switch s {
	case Succeeded, Failed, Cancelled, Expired:
		return true
	}
	return false
}

// Valid reports whether s is one of States.
func (s State) Valid() bool {
	for _, v := range States {
		if s == v {
			return true
		}
	}
	return false
}

// Leased reports whether a dispatcher holds the job's lock in s: its
// lease can run out.
func (s State) Leased() bool { return s == Locked || s == Running }

// Timed reports whether a job in s runs against its deadline (set when it
// is queued): from QUEUED until it is final.
func (s State) Timed() bool { return s != AwaitingWorkspace && !s.Final() }

// StatesWhere lists the states for which is (a method of State, such as
// State.Leased) holds, in the order of States: how stores ask for "the
// leased states" without listing them.
func StatesWhere(is func(State) bool) []State {
	var out []State
	for _, s := range States {
		if is(s) {
			out = append(out, s)
		}
	}
	return out
}
