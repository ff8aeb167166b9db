package stack_test

// The authorization matrix as data: for each route, exactly as its
// function registers it, who presents which credential against which
// resource, and what docs/design.md says must answer: 401 without a valid
// credential, 404 for what the caller may not read, 403 for what it may
// read but not change, 2xx otherwise (okOrConflict where the resource's
// state may refuse: 409 then still proves the caller was authorized).

// Expectations that are not one status: okOrConflict is any 2xx or a 409,
// anyOK any 2xx.
const (
	okOrConflict = 1
	anyOK        = 2
)

// row is one cell of the matrix.
type row struct {
	fn     string // function: objects, jobs or tokens
	route  string // pattern as registered, e.g. "GET /objects/{id}"
	res    resource
	query  string // raw query appended to the path
	who    who
	cred   cred
	target who      // {user} of member routes
	dest   resource // the space a copy goes into; the caller's own when ""
	want   int
}

// call is who does it and what they get.
type call struct {
	who    who
	cred   cred
	want   int
	target who
	dest   resource
}

func as(w who, c cred, want int) call { return call{who: w, cred: c, want: want} }

// member sets the {user} of a member route.
func (c call) member(u who) call { c.target = u; return c }

// into sets the space a copy goes into.
func (c call) into(space resource) call { c.dest = space; return c }

// on builds the rows of one route and resource.
func on(fn, route string, res resource, calls ...call) []row {
	return onQuery(fn, route, res, "", calls...)
}

func onQuery(fn, route string, res resource, query string, calls ...call) []row {
	rows := make([]row, 0, len(calls))
	for _, c := range calls {
		rows = append(rows, row{fn: fn, route: route, res: res, query: query, who: c.who, cred: c.cred, target: c.target, dest: c.dest, want: c.want})
	}
	return rows
}

// unauthenticated are the calls every authenticated route answers 401.
func unauthenticated() []call {
	return []call{
		as(nobody, noCred, 401),
		as(nobody, garbage, 401),
		as(alice, wrongAud, 401),
		as(alice, revoked, 401),
	}
}

// with is more followed by calls (usually unauthenticated()).
func with(calls []call, more ...call) []call { return append(more, calls...) }

// matrixRows is the whole matrix.
func matrixRows() []row {
	var rows []row
	add := func(rs []row) { rows = append(rows, rs...) }
	const o, j, tk = "objects", "jobs", "tokens"

	// objects: spaces and projects.
	add(on(o, "GET /spaces", noResource, with(unauthenticated(),
		as(alice, oidcToken, 200), as(alice, apiAll, 200), as(alice, jobsRead, 200), as(dave, oidcToken, 200))...))
	add(on(o, "POST /projects", noResource, with(unauthenticated(),
		as(alice, oidcToken, 201), as(alice, apiAll, 201), as(dave, oidcToken, 201),
		as(alice, objectsRead, 403), as(alice, jobsRead, 403), as(alice, ownWrite, 403))...))
	add(on(o, "GET /projects/{project}", projectP, with(unauthenticated(),
		as(alice, oidcToken, 200), as(bob, oidcToken, 200), as(carol, oidcToken, 200), as(carol, apiAll, 200),
		as(bob, objectsRead, 200), as(bob, jobsRead, 200), as(dave, oidcToken, 404), as(dave, apiAll, 404),
		as(alice, ownWrite, 404))...))
	add(on(o, "DELETE /projects/{project}", projectP, with(unauthenticated(),
		as(alice, oidcToken, 204), as(alice, apiAll, 204), as(bob, oidcToken, 403), as(carol, oidcToken, 403),
		as(dave, oidcToken, 404), as(alice, objectsRead, 403), as(alice, jobsRead, 403))...))
	add(on(o, "PUT /projects/{project}/members/{user}", projectP, with(memberCalls(dave, unauthenticated()),
		as(alice, oidcToken, 200).member(dave), as(alice, apiAll, 200).member(dave),
		as(bob, oidcToken, 403).member(dave), as(carol, oidcToken, 403).member(dave), as(carol, oidcToken, 403).member(carol),
		as(dave, oidcToken, 404).member(dave), as(alice, objectsRead, 403).member(dave))...))
	add(on(o, "DELETE /projects/{project}/members/{user}", projectP, with(memberCalls(carol, unauthenticated()),
		as(alice, oidcToken, 204).member(carol), as(alice, apiAll, 204).member(bob),
		as(carol, oidcToken, 204).member(carol), // a member may leave
		as(bob, oidcToken, 403).member(carol), as(carol, oidcToken, 403).member(bob),
		as(dave, oidcToken, 404).member(carol), as(dave, oidcToken, 404).member(dave),
		as(alice, objectsRead, 403).member(carol),
		// Leaving is a membership change: not with a read-only token.
		as(bob, jobsRead, 403).member(bob), as(bob, objectsRead, 403).member(bob))...))

	// objects: spaces' objects.
	add(on(o, "POST /spaces/{kind}/{owner}/objects", aliceSpace, with(unauthenticated(),
		as(alice, oidcToken, 201), as(alice, apiAll, 201), as(alice, ownWrite, 201),
		as(alice, objectsRead, 403), as(alice, jobsRead, 404),
		as(bob, oidcToken, 404), as(dave, oidcToken, 404))...))
	add(on(o, "POST /spaces/{kind}/{owner}/objects", projectSpace,
		as(alice, oidcToken, 201), as(bob, oidcToken, 201), as(bob, apiAll, 201),
		as(carol, oidcToken, 403), as(bob, objectsRead, 403), as(dave, oidcToken, 404), as(alice, ownWrite, 404)))
	add(on(o, "GET /spaces/{kind}/{owner}/objects", aliceSpace, with(unauthenticated(),
		as(alice, oidcToken, 200), as(alice, objectsRead, 200), as(alice, ownWrite, 200),
		as(alice, jobsRead, 404), as(bob, oidcToken, 404), as(dave, apiAll, 404))...))
	add(on(o, "GET /spaces/{kind}/{owner}/objects", projectSpace,
		as(alice, oidcToken, 200), as(bob, oidcToken, 200), as(carol, oidcToken, 200), as(bob, objectsRead, 200),
		as(bob, jobsRead, 404), as(dave, oidcToken, 404), as(alice, ownWrite, 404)))

	// objects: a space's audit trail, for its owners with an unnarrowed
	// credential: the user of a personal space, the owners of a project.
	// Who may read the space's objects but not its audit trail gets 403,
	// anyone else 404.
	add(on(o, "GET /spaces/{kind}/{owner}/audit", aliceSpace, with(unauthenticated(),
		as(alice, oidcToken, 200), as(alice, apiAll, 200),
		as(alice, objectsRead, 403), as(alice, ownWrite, 403), as(alice, jobsRead, 404),
		as(bob, oidcToken, 404), as(dave, apiAll, 404))...))
	add(on(o, "GET /spaces/{kind}/{owner}/audit", projectSpace,
		as(alice, oidcToken, 200), as(alice, apiAll, 200),
		as(bob, oidcToken, 403), as(bob, apiAll, 403), as(carol, oidcToken, 403), as(bob, objectsRead, 403),
		as(bob, jobsRead, 404), as(dave, oidcToken, 404), as(dave, apiAll, 404), as(alice, ownWrite, 404)))

	// objects: one object.
	for _, route := range []string{"GET /objects/{id}", "GET /objects/{id}/download"} {
		ok := 200
		if route == "GET /objects/{id}/download" {
			ok = okOrConflict // 409 until the upload has arrived
		}
		add(on(o, route, aliceObject, with(unauthenticated(),
			as(alice, oidcToken, ok), as(alice, apiAll, ok), as(alice, objectsRead, ok), as(alice, ownWrite, ok),
			as(alice, jobsRead, 404), as(bob, oidcToken, 404), as(dave, oidcToken, 404))...))
		add(on(o, route, projectObject,
			as(alice, oidcToken, ok), as(bob, oidcToken, ok), as(carol, oidcToken, ok), as(carol, apiAll, ok),
			as(bob, objectsRead, ok), as(bob, jobsRead, 404), as(dave, oidcToken, 404), as(alice, ownWrite, 404)))
	}
	// A copy goes into the caller's own space; 409 while the source is not
	// uploaded.
	add(on(o, "POST /objects/{id}/copy", aliceObject, with(unauthenticated(),
		as(alice, oidcToken, okOrConflict), as(alice, apiAll, okOrConflict),
		as(alice, jobsRead, 404), as(bob, oidcToken, 404), as(dave, oidcToken, 404))...))
	add(on(o, "POST /objects/{id}/copy", projectObject,
		as(carol, oidcToken, okOrConflict), as(bob, oidcToken, okOrConflict),
		as(dave, oidcToken, 404), as(alice, ownWrite, 404)))
	// Into another space: the source must be uploaded before the
	// destination is judged, so these rows need READY objects.
	add(on(o, "POST /objects/{id}/copy", aliceObject,
		as(alice, oidcToken, 201).into(projectSpace), as(alice, objectsRead, 403).into(aliceSpace),
		as(alice, ownWrite, 404).into(projectSpace)))
	add(on(o, "POST /objects/{id}/copy", projectObject,
		as(bob, oidcToken, 201).into(projectSpace), as(carol, oidcToken, 403).into(projectSpace),
		as(carol, oidcToken, 404).into(aliceSpace), as(bob, objectsRead, 403).into(projectSpace)))
	for _, route := range []string{"POST /objects/{id}/revoke", "DELETE /objects/{id}"} {
		ok := 204
		if route == "POST /objects/{id}/revoke" {
			ok = okOrConflict // 409 until the upload has arrived
		}
		add(on(o, route, aliceObject, with(unauthenticated(),
			as(alice, oidcToken, ok), as(alice, ownWrite, ok), as(alice, objectsRead, 403),
			as(alice, jobsRead, 404), as(bob, oidcToken, 404), as(dave, apiAll, 404))...))
		add(on(o, route, projectObject,
			as(alice, oidcToken, ok), as(bob, oidcToken, ok), as(bob, apiAll, ok), as(bob, objectsRead, 403),
			as(carol, oidcToken, 403), as(dave, oidcToken, 404), as(alice, ownWrite, 404)))
	}

	// jobs: personal jobs (noResource submits into the caller's space).
	add(on(j, "POST /jobs", noResource, with(unauthenticated(),
		as(alice, oidcToken, 201), as(alice, apiAll, 201), as(dave, oidcToken, 201),
		as(alice, jobsRead, 403), as(alice, objectsRead, 403))...))
	add(on(j, "POST /jobs", projectP,
		as(alice, oidcToken, 201), as(bob, oidcToken, 201), as(bob, apiAll, 201),
		as(carol, oidcToken, 403), as(bob, jobsRead, 403), as(dave, oidcToken, 404)))
	add(on(j, "GET /jobs", noResource, with(unauthenticated(),
		as(alice, oidcToken, 200), as(alice, jobsRead, 200), as(dave, oidcToken, 200), as(alice, objectsRead, 403))...))
	add(onQuery(j, "GET /jobs", projectP, "project={project}",
		as(alice, oidcToken, 200), as(carol, oidcToken, 200), as(bob, jobsRead, 200), as(dave, oidcToken, 404),
		as(dave, apiAll, 404), as(bob, objectsRead, 404)))
	for _, route := range []string{"GET /jobs/{id}", "GET /jobs/{id}/events", "GET /jobs/{id}/output", "GET /jobs/{id}/attestation"} {
		ok := 200
		if route == "GET /jobs/{id}/output" || route == "GET /jobs/{id}/attestation" {
			ok = okOrConflict // 409 until present
		}
		add(on(j, route, aliceJob, with(unauthenticated(),
			as(alice, oidcToken, ok), as(alice, apiAll, ok), as(alice, jobsRead, ok),
			as(alice, objectsRead, 404), as(bob, oidcToken, 404), as(dave, oidcToken, 404))...))
		add(on(j, route, projectJob,
			as(alice, oidcToken, ok), as(bob, oidcToken, ok), as(carol, oidcToken, ok), as(bob, jobsRead, ok),
			as(bob, objectsRead, 404), as(dave, oidcToken, 404)))
	}
	for _, route := range []string{"POST /jobs/{id}/upload", "POST /jobs/{id}/cancel"} {
		add(on(j, route, aliceJob, with(unauthenticated(),
			as(alice, oidcToken, 200), as(alice, apiAll, 200), as(alice, jobsRead, 403),
			as(alice, objectsRead, 404), as(bob, oidcToken, 404), as(dave, oidcToken, 404))...))
		add(on(j, route, projectJob,
			as(alice, oidcToken, 200), as(bob, oidcToken, 200), as(bob, jobsRead, 403),
			as(carol, oidcToken, 403), as(dave, oidcToken, 404)))
	}

	// tokens: a user's own tokens; nobody else's are visible.
	add(on(tk, "POST /tokens", noResource, with(unauthenticated(),
		as(alice, oidcToken, 201), as(alice, apiAll, 201), as(alice, objectsRead, 201),
		as(alice, jobsRead, 403), as(dave, oidcToken, 201))...))
	// A token without tokens:manage lists only itself (200, one token) and
	// cannot revoke another (404).
	add(on(tk, "GET /tokens", noResource, with(unauthenticated(),
		as(alice, oidcToken, 200), as(alice, apiAll, 200), as(alice, tokensManage, 200), as(alice, jobsRead, 200),
		as(dave, oidcToken, 200))...))
	add(on(tk, "DELETE /tokens/{id}", aliceToken, with(unauthenticated(),
		as(alice, oidcToken, 204), as(alice, apiAll, 204), as(alice, tokensManage, 204),
		as(alice, jobsRead, 404), as(alice, objectsRead, 404), as(bob, oidcToken, 404), as(dave, apiAll, 404))...))

	rows = append(rows, jobTokenRows()...)
	rows = append(rows, scopeRows()...)
	rows = append(rows, serviceRows()...)

	// Public routes answer anyone, whatever credential comes along; a
	// private function's health route is behind its front door like the
	// rest of it (its invoker reaches it). Each function's OpenAPI
	// document is served like its health.
	for _, route := range []string{"GET /healthz", "GET /openapi.json"} {
		for _, fn := range []string{o, j, tk, "console"} {
			add(on(fn, route, noResource, as(nobody, noCred, 200), as(nobody, garbage, 200), as(alice, oidcToken, 200)))
		}
		add(on("dispatch", route, noResource, as(nobody, noCred, 403), as(nobody, garbage, 401), as(alice, oidcToken, 401), as(dispatcherSA, forDispatch, 200)))
		add(on("sweep", route, noResource, as(nobody, noCred, 403), as(nobody, garbage, 401), as(alice, oidcToken, 401), as(schedulerSA, forSweep, 200)))
		add(on("finalize", route, noResource, as(nobody, noCred, 403), as(nobody, garbage, 401), as(alice, oidcToken, 401)))
	}
	for _, route := range []string{"GET /config.json", "GET /"} {
		add(on("console", route, noResource, as(nobody, noCred, 200), as(nobody, garbage, 200), as(alice, oidcToken, 200)))
	}
	add(on(tk, "GET /.well-known/jwks.json", noResource, as(nobody, noCred, 200), as(nobody, garbage, 200), as(alice, oidcToken, 200),
		as(alice, jobToken, 200), as(alice, jobTokenFinal, 200)))
	return rows
}

// jobTokenRows are the rows of running jobs' tokens (access package doc):
// a job token acts as its runtime user, alice, narrowed to the job's
// runtime scopes, on jobs and objects; it never creates a project and the
// tokens function refuses it (403). jobToken's job runs with ["all"],
// jobTokenNarrow's with ["jobs:write", "objects:read"]; jobTokenFinal's job
// is cancelled, so its token is refused (401).
func jobTokenRows() []row {
	var rows []row
	add := func(rs []row) { rows = append(rows, rs...) }
	const o, j, tk = "objects", "jobs", "tokens"
	all, narrow, final := jobToken, jobTokenNarrow, jobTokenFinal

	// objects: spaces and projects. Alice owns P, but project
	// administration is for people: any job token gets 403 there.
	add(on(o, "GET /spaces", noResource, as(alice, all, 200), as(alice, narrow, 200), as(alice, final, 401)))
	add(on(o, "POST /projects", noResource, as(alice, all, 403), as(alice, narrow, 403), as(alice, final, 401)))
	add(on(o, "GET /projects/{project}", projectP, as(alice, all, 200), as(alice, narrow, 200), as(alice, final, 401)))
	add(on(o, "DELETE /projects/{project}", projectP, as(alice, all, 403), as(alice, narrow, 403), as(alice, final, 401)))
	add(on(o, "PUT /projects/{project}/members/{user}", projectP,
		as(alice, all, 403).member(dave), as(alice, narrow, 403).member(dave), as(alice, final, 401).member(dave)))
	add(on(o, "DELETE /projects/{project}/members/{user}", projectP,
		as(alice, all, 403).member(carol), as(alice, narrow, 403).member(carol), as(alice, final, 401).member(carol),
		as(alice, all, 403).member(alice), as(alice, narrow, 403).member(alice))) // nor leave

	// objects: alice's space and P's, where she owns; creating and
	// changing needs objects:write; audit trails are for people.
	for _, space := range []resource{aliceSpace, projectSpace} {
		add(on(o, "GET /spaces/{kind}/{owner}/audit", space, as(alice, all, 403), as(alice, narrow, 403), as(alice, final, 401)))
		add(on(o, "POST /spaces/{kind}/{owner}/objects", space, as(alice, all, 201), as(alice, narrow, 403), as(alice, final, 401)))
		add(on(o, "GET /spaces/{kind}/{owner}/objects", space, as(alice, all, 200), as(alice, narrow, 200), as(alice, final, 401)))
	}
	for _, obj := range []resource{aliceObject, projectObject} {
		add(on(o, "GET /objects/{id}", obj, as(alice, all, 200), as(alice, narrow, 200), as(alice, final, 401)))
		add(on(o, "GET /objects/{id}/download", obj, as(alice, all, okOrConflict), as(alice, narrow, okOrConflict), as(alice, final, 401)))
		// A copy needs the source uploaded before the destination is
		// judged: the narrow job reads the source but may not create.
		add(on(o, "POST /objects/{id}/copy", obj, as(alice, all, okOrConflict), as(alice, final, 401),
			as(alice, all, 201).into(projectSpace), as(alice, narrow, 403).into(aliceSpace), as(alice, narrow, 403).into(projectSpace)))
		add(on(o, "POST /objects/{id}/revoke", obj, as(alice, all, okOrConflict), as(alice, narrow, 403), as(alice, final, 401)))
		add(on(o, "DELETE /objects/{id}", obj, as(alice, all, 204), as(alice, narrow, 403), as(alice, final, 401)))
	}

	// jobs: both jobs hold jobs:write, so they submit, read and change
	// alice's jobs and P's (she owns P).
	add(on(j, "POST /jobs", noResource, as(alice, all, 201), as(alice, narrow, 201), as(alice, final, 401)))
	add(on(j, "POST /jobs", projectP, as(alice, all, 201), as(alice, narrow, 201), as(alice, final, 401)))
	add(on(j, "GET /jobs", noResource, as(alice, all, 200), as(alice, narrow, 200), as(alice, final, 401)))
	add(onQuery(j, "GET /jobs", projectP, "project={project}", as(alice, all, 200), as(alice, narrow, 200), as(alice, final, 401)))
	for _, route := range []string{"GET /jobs/{id}", "GET /jobs/{id}/events", "GET /jobs/{id}/output", "GET /jobs/{id}/attestation"} {
		ok := 200
		if route == "GET /jobs/{id}/output" || route == "GET /jobs/{id}/attestation" {
			ok = okOrConflict // 409 until present
		}
		for _, res := range []resource{aliceJob, projectJob} {
			add(on(j, route, res, as(alice, all, ok), as(alice, narrow, ok), as(alice, final, 401)))
		}
	}
	for _, route := range []string{"POST /jobs/{id}/upload", "POST /jobs/{id}/cancel"} {
		for _, res := range []resource{aliceJob, projectJob} {
			add(on(j, route, res, as(alice, all, 200), as(alice, narrow, 200), as(alice, final, 401)))
		}
	}

	// tokens: users only, whatever the job's scopes.
	add(on(tk, "POST /tokens", noResource, as(alice, all, 403), as(alice, narrow, 403), as(alice, final, 401)))
	add(on(tk, "GET /tokens", noResource, as(alice, all, 403), as(alice, narrow, 403), as(alice, final, 401)))
	add(on(tk, "DELETE /tokens/{id}", aliceToken, as(alice, all, 403), as(alice, narrow, 403), as(alice, final, 401)))
	return rows
}

// memberCalls sets the {user} of calls.
func memberCalls(u who, calls []call) []call {
	out := make([]call, len(calls))
	for i, c := range calls {
		out[i] = c.member(u)
	}
	return out
}

// userCredentials are the kinds of credential every authenticated route of
// the user-facing functions states an answer for: an ID token, an API token
// of each scope, a running job's token (all scopes, narrowed), a final
// job's, and none.
var userCredentials = []cred{oidcToken, apiAll, jobsRead, jobsWrite, objectsRead, objectsWrite, tokensManage,
	jobToken, jobTokenNarrow, jobTokenFinal, noCred}

// serviceCredentials are the kinds of credential every route of dispatch
// and sweep states an answer for: a service account's ID token for each
// function's audience, a person's ID token and API token, a job token, and
// none.
var serviceCredentials = []cred{forDispatch, forSweep, oidcToken, apiAll, jobToken, noCred}

// credentialKinds lists, per function, the kinds of credential each of its
// authenticated routes must have rows for (checkCredentialCoverage).
var credentialKinds = map[string][]cred{
	"objects": userCredentials, "jobs": userCredentials, "tokens": userCredentials,
	"dispatch": serviceCredentials, "sweep": serviceCredentials,
}

// frontDoorOnly are routes a function does not authenticate itself: only
// Cloud Run's front door stands before them (terraform/policy/invokers.json
// names who passes). Their rows state what the function does with what gets
// through; they are exempt from the 401 and credential-kind checks.
var frontDoorOnly = map[string]string{
	"finalize POST /":            "only the Eventarc trigger's account passes the front door; the function takes CloudEvents only",
	"finalize GET /healthz":      "only the Eventarc trigger's account passes the front door",
	"finalize GET /openapi.json": "only the Eventarc trigger's account passes the front door",
}

// publicRoutes need no credential.
var publicRoutes = map[string]bool{"GET /healthz": true, "GET /openapi.json": true, "GET /.well-known/jwks.json": true,
	"GET /config.json": true, "GET /": true} // the console's page and its configuration

// declaredRoutes are the routes each function registers; the test checks
// them against the functions' sources and probes each on the stack.
var declaredRoutes = map[string][]string{
	"objects": {
		"GET /healthz", "GET /openapi.json", "GET /spaces", "POST /projects", "GET /projects/{project}", "DELETE /projects/{project}",
		"PUT /projects/{project}/members/{user}", "DELETE /projects/{project}/members/{user}",
		"POST /spaces/{kind}/{owner}/objects", "GET /spaces/{kind}/{owner}/objects", "GET /spaces/{kind}/{owner}/audit",
		"GET /objects/{id}", "GET /objects/{id}/download", "POST /objects/{id}/copy",
		"POST /objects/{id}/revoke", "DELETE /objects/{id}",
	},
	"jobs": {
		"GET /healthz", "GET /openapi.json", "POST /jobs", "GET /jobs", "GET /jobs/{id}", "POST /jobs/{id}/upload",
		"POST /jobs/{id}/cancel", "GET /jobs/{id}/output", "GET /jobs/{id}/attestation", "GET /jobs/{id}/events",
	},
	"tokens":   {"GET /healthz", "GET /openapi.json", "POST /tokens", "GET /tokens", "DELETE /tokens/{id}", "GET /.well-known/jwks.json"},
	"dispatch": {"GET /healthz", "GET /openapi.json", "POST /claim", "GET /jobs/{id}/auth", "POST /jobs/{id}/heartbeat", "POST /jobs/{id}/state"},
	"sweep":    {"GET /healthz", "GET /openapi.json", "POST /sweep", "POST /{$}"},
	"finalize": {"GET /healthz", "GET /openapi.json", "POST /"},
	"console":  {"GET /healthz", "GET /openapi.json", "GET /config.json", "GET /"},
}
