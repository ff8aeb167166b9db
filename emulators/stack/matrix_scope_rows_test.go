package stack_test

// scopeRows state, for alice (owner of P and of her space), what an API
// token of each scope gets on every route of the user-facing functions, so
// that checkCredentialCoverage holds: a scope reaches only its own resource
// (jobs:* jobs, objects:* objects and projects), write implies read,
// project administration needs objects:write, and tokens:manage reaches
// nothing but the token routes.
func scopeRows() []row {
	var rows []row
	add := func(rs []row) { rows = append(rows, rs...) }
	const o, j, tk = "objects", "jobs", "tokens"
	jw, ow, tm := jobsWrite, objectsWrite, tokensManage

	// objects: spaces and projects. GET /spaces lists the caller's spaces
	// its credential may see.
	add(on(o, "GET /spaces", noResource, as(alice, jw, 200), as(alice, objectsRead, 200), as(alice, ow, 200), as(alice, tm, 200)))
	add(on(o, "POST /projects", noResource, as(alice, jw, 403), as(alice, ow, 201), as(alice, tm, 403)))
	add(on(o, "GET /projects/{project}", projectP, as(alice, jw, 200), as(alice, ow, 200), as(alice, tm, 404)))
	add(on(o, "DELETE /projects/{project}", projectP, as(alice, jw, 403), as(alice, ow, 204), as(alice, tm, 404)))
	add(on(o, "PUT /projects/{project}/members/{user}", projectP,
		as(alice, jobsRead, 403).member(dave), as(alice, jw, 403).member(dave), as(alice, ow, 200).member(dave), as(alice, tm, 404).member(dave)))
	add(on(o, "DELETE /projects/{project}/members/{user}", projectP,
		as(alice, jw, 403).member(carol), as(alice, ow, 204).member(carol), as(alice, tm, 404).member(carol)))

	// objects: audit trails are read with an unnarrowed credential only.
	for _, space := range []resource{aliceSpace, projectSpace} {
		add(on(o, "GET /spaces/{kind}/{owner}/audit", space, as(alice, jw, 404), as(alice, ow, 403), as(alice, tm, 404)))
	}

	// objects: alice's space and objects.
	add(on(o, "POST /spaces/{kind}/{owner}/objects", aliceSpace, as(alice, jw, 404), as(alice, ow, 201), as(alice, tm, 404)))
	add(on(o, "GET /spaces/{kind}/{owner}/objects", aliceSpace, as(alice, jw, 404), as(alice, ow, 200), as(alice, tm, 404)))
	for _, route := range []string{"GET /objects/{id}", "GET /objects/{id}/download"} {
		add(on(o, route, aliceObject, as(alice, jw, 404), as(alice, ow, 200), as(alice, tm, 404)))
	}
	add(on(o, "POST /objects/{id}/copy", aliceObject, as(alice, jw, 404), as(alice, ow, 201), as(alice, tm, 404)))
	add(on(o, "POST /objects/{id}/revoke", aliceObject, as(alice, jw, 404), as(alice, ow, okOrConflict), as(alice, tm, 404)))
	add(on(o, "DELETE /objects/{id}", aliceObject, as(alice, jw, 404), as(alice, ow, 204), as(alice, tm, 404)))

	// jobs: alice's.
	add(on(j, "POST /jobs", noResource, as(alice, jw, 201), as(alice, ow, 403), as(alice, tm, 403)))
	add(on(j, "GET /jobs", noResource, as(alice, apiAll, 200), as(alice, jw, 200), as(alice, ow, 403), as(alice, tm, 403)))
	for _, route := range []string{"GET /jobs/{id}", "GET /jobs/{id}/events", "GET /jobs/{id}/output", "GET /jobs/{id}/attestation"} {
		ok := 200
		if route == "GET /jobs/{id}/output" || route == "GET /jobs/{id}/attestation" {
			ok = okOrConflict // 409 until present
		}
		add(on(j, route, aliceJob, as(alice, jw, ok), as(alice, ow, 404), as(alice, tm, 404)))
	}
	for _, route := range []string{"POST /jobs/{id}/upload", "POST /jobs/{id}/cancel"} {
		add(on(j, route, aliceJob, as(alice, jw, 200), as(alice, ow, 404), as(alice, tm, 404)))
	}

	// tokens: POST /tokens asks for objects:read, which jobs:write and
	// tokens:manage do not cover; without tokens:manage a token sees only
	// itself.
	add(on(tk, "POST /tokens", noResource, as(alice, jw, 403), as(alice, ow, 201), as(alice, tm, 403)))
	add(on(tk, "GET /tokens", noResource, as(alice, jw, 200), as(alice, objectsRead, 200), as(alice, ow, 200)))
	add(on(tk, "DELETE /tokens/{id}", aliceToken, as(alice, jw, 404), as(alice, ow, 404)))
	return rows
}
