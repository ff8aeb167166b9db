package stack_test

// serviceRows are the rows of the functions only services call: dispatch
// admits the service accounts of its allow-list (the stack's dispatcher)
// with an ID token for dispatch's URL, sweep the scheduler's with one for
// sweep's URL; every other account, audience, person, API token or job
// token gets 401 (the service verifier refuses what it does not accept).
// finalize authenticates nothing itself: Cloud Run's front door admits only
// the Eventarc trigger (frontDoorOnly), and the function answers anything
// that is not a CloudEvent with 415.
func serviceRows() []row {
	var rows []row
	add := func(rs []row) { rows = append(rows, rs...) }
	const d, sw = "dispatch", "sweep"
	refused := func(admitted who, aud, wrongAud cred) []call {
		return with(unauthenticated(),
			as(admitted, wrongAud, 401), // a token for another function
			as(schedulerSA, aud, 401), as(otherSA, aud, 401), as(dispatcherSA, aud, 401),
			as(alice, oidcToken, 401), as(alice, apiAll, 401), as(alice, jobToken, 401))
	}
	dispatchRefused := func() []call {
		var out []call
		for _, c := range refused(dispatcherSA, forDispatch, forSweep) {
			if c.who != dispatcherSA || c.cred != forDispatch {
				out = append(out, c)
			}
		}
		return out
	}
	sweepRefused := func() []call {
		var out []call
		for _, c := range refused(schedulerSA, forSweep, forDispatch) {
			if c.who != schedulerSA || c.cred != forSweep {
				out = append(out, c)
			}
		}
		return out
	}

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

	// finalize: what passes the front door must be a CloudEvent.
	add(on("finalize", "POST /", noResource, as(nobody, noCred, 415), as(alice, oidcToken, 415)))
	return rows
}
