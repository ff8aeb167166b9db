package stack_test

// serviceRows are the rows of the functions only services call, behind
// Cloud Run's front door (emulators/frontdoor, invokers.json): dispatch
// admits the service accounts of its allow-list (the stack's dispatcher)
// with an ID token for dispatch's URL, sweep the scheduler's with one for
// sweep's URL; service credentials are sent as the reference worker sends
// them, in X-Serverless-Authorization for the door and in Authorization for
// the function. The door refuses a request without a token (403), a token
// it cannot verify for the function's URL (401) and a caller who is not an
// invoker (403); behind it, the function refuses what its own verifier
// does not accept. finalize authenticates nothing itself: only the
// Eventarc trigger passes its door (frontDoorOnly).
func serviceRows() []row {
	var rows []row
	add := func(rs []row) { rows = append(rows, rs...) }
	const d, sw = "dispatch", "sweep"
	// refused are the calls a service function refuses: every caller and
	// credential but its admitted account with a token for its own URL.
	refused := func(admitted who, aud, wrongAud cred) []call {
		var out []call
		for _, c := range with(behindTheDoor(),
			as(admitted, wrongAud, 401),                                                  // a token for another function
			as(schedulerSA, aud, 403), as(otherSA, aud, 403), as(dispatcherSA, aud, 403), // not invokers
			as(alice, oidcToken, 401), as(alice, apiAll, 401), as(alice, jobToken, 401)) {
			if c.who != admitted || c.cred != aud {
				out = append(out, c)
			}
		}
		return out
	}
	dispatchRefused := func() []call { return refused(dispatcherSA, forDispatch, forSweep) }
	sweepRefused := func() []call { return refused(schedulerSA, forSweep, forDispatch) }

	// dispatch: claim finds no queued job (204) or takes one; the running
	// job's holder reads its bundle, heartbeats and repeats RUNNING.
	add(on(d, "POST /claim", noResource, with(dispatchRefused(), as(dispatcherSA, forDispatch, anyOK))...))
	add(onQuery(d, "GET /jobs/{id}/auth", runningJob, "epoch={epoch}", with(dispatchRefused(), as(dispatcherSA, forDispatch, 200))...))
	for _, route := range []string{"POST /jobs/{id}/heartbeat", "POST /jobs/{id}/state"} {
		add(on(d, route, runningJob, with(dispatchRefused(), as(dispatcherSA, forDispatch, 200))...))
	}

	// sweep: the scheduler runs it, at /sweep or at the root.
	for _, route := range []string{"POST /sweep", "POST /{$}"} {
		add(on(sw, route, noResource, with(sweepRefused(), as(schedulerSA, forSweep, 200))...))
	}

	// finalize: only the Eventarc trigger passes the front door.
	add(on("finalize", "POST /", noResource, as(nobody, noCred, 403), as(alice, oidcToken, 401), as(dispatcherSA, forDispatch, 401)))
	return rows
}

// behindTheDoor are unauthenticated() as a private function's front door
// answers them: no token at all is 403.
func behindTheDoor() []call {
	var out []call
	for _, c := range unauthenticated() {
		if c.cred == noCred {
			c.want = 403
		}
		out = append(out, c)
	}
	return out
}
