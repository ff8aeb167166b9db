package cli

import (
	"errors"
	"fmt"
	"net/http"

	"valet.dev/valet/shared/client"
	"valet.dev/valet/shared/job"
)

// hint is the next step after err, printed after "next:", or "".
func hint(err error) string {
	var h hinted
	if errors.As(err, &h) {
		return h.next
	}
	var wu wrongURL
	if errors.As(err, &wu) {
		return wu.fix
	}
	var wf *client.WrongFunctionError
	if errors.As(err, &wf) {
		return fmt.Sprintf("point the %s URL at the %s function (`valet config set %s-url URL`, --%s-url or VALET_%s_URL)", wf.Want, wf.Want, wf.Want, wf.Want, upper(wf.Want))
	}
	if errors.Is(err, errNotLoggedIn) {
		return ""
	}
	return client.Advice(err)
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// wrongURL is a *client.WrongFunctionError with where the URL came from.
type wrongURL struct {
	error
	fix string
}

func (w wrongURL) Unwrap() error { return w.error }

// annotate adds what only the invocation knows to err: where a wrong
// function URL was configured.
func (in *inv) annotate(err error) error {
	var wf *client.WrongFunctionError
	if err == nil || !errors.As(err, &wf) || in.resolved == nil {
		return err
	}
	src := in.resolved.source[wf.Want]
	fix := fmt.Sprintf("the %s URL comes from %s: point it at the %s function", wf.Want, src, wf.Want)
	if p := in.resolved.profile; p != nil {
		fix += fmt.Sprintf(" (`valet config set %s-url URL --profile %s`)", wf.Want, in.resolved.name)
	}
	return wrongURL{err, fix}
}

// explainCancel turns a refused cancel into what happened: a final job
// cannot be cancelled.
func (in *inv) explainCancel(cl *client.Client, id string, err error) error {
	if client.StatusOf(err) != http.StatusConflict {
		return err
	}
	j, gerr := cl.GetJob(in.ctx, id)
	if gerr != nil || !j.State.Final() {
		return err
	}
	return hinted{fmt.Errorf("job %s is already final (%s%s): there is nothing to cancel", id, j.State, messageSuffix(j)), ""}
}

// explainArtifact turns a 409 on a download into why: the job is not done
// yet, or it ended without output (or without an attestation).
func (in *inv) explainArtifact(cl *client.Client, id, what string, err error) error {
	if client.StatusOf(err) != http.StatusConflict {
		return err
	}
	j, gerr := cl.GetJob(in.ctx, id)
	if gerr != nil {
		return err
	}
	switch {
	case j.State.Final() && j.State != job.Succeeded:
		return hinted{fmt.Errorf("job %s ended %s%s: there is no %s and there will be none", id, j.State, messageSuffix(j), what),
			fmt.Sprintf("see why: `valet jobs events %s`; submit it again to run it", id)}
	case what == "attestation" && !j.RequireAttestation:
		return hinted{fmt.Errorf("job %s was submitted without --attest: it has no attestation", id), "submit it again with --attest"}
	case !j.State.Final():
		return hinted{fmt.Errorf("job %s is %s: its %s is not there yet", id, j.State, what),
			fmt.Sprintf("wait for it: `valet jobs wait %s`, then download", id)}
	}
	return err
}

// hinted is an error with its own next step ("" for none).
type hinted struct {
	error
	next string
}
