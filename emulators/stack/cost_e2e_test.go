package stack_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"

	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/oidc"
	"valet.dev/valet/emulators/stack"
	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/object"
	"valet.dev/valet/shared/secretmanager"
	"valet.dev/valet/shared/testenv"
)

// The call counts of docs/capacity.md are the ceilings the tests below
// check: a change that makes one job or one object cost more of a Google
// service fails them; one that costs less is told to lower the table.

// TestCallsPerJob runs one job through its whole life (a runtime token, a
// workflow token, a claim, its output and attestation, the owner reading
// it once and downloading its output) and checks what it spent of each
// Google service against docs/capacity.md's "one job" column. A first job
// warms the functions' caches (the signing key), as in steady state.
func TestCallsPerJob(t *testing.T) {
	s := startStack(t, func(o *stack.Options) { o.SweepEvery = -1 })
	c := newCostClients(t, s)
	c.jobLife(t)
	checkCalls(t, s, "job", func() { c.jobLife(t) })
}

// TestCallsPerObject uploads one shared object into a space and downloads
// it once, and checks the spend against docs/capacity.md's "one object"
// column.
func TestCallsPerObject(t *testing.T) {
	s := startStack(t, func(o *stack.Options) { o.SweepEvery = -1 })
	c := newCostClients(t, s)
	c.objectLife(t, "warm-up")
	n := 0
	checkCalls(t, s, "object", func() { n++; c.objectLife(t, fmt.Sprintf("measured-%d", n)) })
}

// settled waits until every storage event has been delivered and
// answered (finalize may still be working on one after the state a test
// waits for), then returns the stack's usage.
func settled(t *testing.T, s *stack.Stack) stack.Usage {
	t.Helper()
	var u stack.Usage
	testenv.WaitUntil(t, func() bool { u = s.Usage(); return u.Settled() },
		func() string {
			return fmt.Sprintf("%d objects written, %d events delivered", u.Storage.Written, u.Events)
		})
	return u
}

// costClients are the callers of one measured life, and the test's own
// (unmetered) view of Firestore to wait on state without calling the API.
type costClients struct {
	s          *stack.Stack
	user       client
	dispatcher client
	runtime    string
	jobs       job.Store
	objects    *valetfs.ObjectStore
	space      string // the user's personal space, once listed
}

func newCostClients(t *testing.T, s *stack.Stack) *costClients {
	oidcUser := client{t: t, token: mint(t, s, oidc.TokenRequest{Sub: "alice", Email: "alice@example.com"}), rec: nil}
	tokensURL := s.Info.Functions["tokens"]
	fs, err := valetfs.NewClient(context.Background(), s.Info.Project)
	require.NoError(t, err)
	t.Cleanup(func() { _ = fs.Close() })
	return &costClients{
		s:          s,
		user:       client{t: t, token: canaryToken(oidcUser, tokensURL, "jobs:write", "objects:write"), rec: nil},
		dispatcher: dispatcherClient(t, s, nil),
		runtime:    canaryToken(oidcUser, tokensURL, "jobs:write", "objects:read"),
		jobs:       valetfs.NewJobStore(fs),
		objects:    valetfs.NewObjectStore(fs),
	}
}

// jobLife is one job's life, each step waiting on state through the
// test's own Firestore client, never by polling the API.
func (c *costClients) jobLife(t *testing.T) {
	ctx := context.Background()
	jobsURL, dispatchURL := c.s.Info.Functions["jobs"], c.s.Info.Functions["dispatch"]
	var created struct {
		Job    jobView   `json:"job"`
		Upload signedURL `json:"upload"`
	}
	workspace := []byte("workspace")
	c.user.handout(http.MethodPost, jobsURL+"/jobs", map[string]any{
		"spec": map[string]any{"image": "example/build"}, "workspace": map[string]any{"sizeBytes": len(workspace)},
		"runtimeToken": c.runtime, "requireAttestation": true,
	}, http.StatusCreated, &created)
	id := created.Job.ID
	put(t, created.Upload, workspace)

	// Queued, and its workflow token stored (read from the emulator in
	// process: no request counted).
	secret := "projects/" + c.s.Info.Project + "/secrets/" + secretmanager.JobSecretID(id) + "/versions/2"
	testenv.WaitUntil(t, func() bool {
		_, err := c.s.SecretManager.Server.GetSecretVersion(ctx, &secretmanagerpb.GetSecretVersionRequest{Name: secret})
		return err == nil
	}, func() string { return "finalize never stored the workflow token of " + id })

	claim := c.dispatcher.claim(dispatchURL, "cost")
	require.Equal(t, id, claim.Job.ID)
	bundle := c.dispatcher.bundle(dispatchURL, id, claim.Lock.Epoch)
	require.Equal(t, c.runtime, bundle.RuntimeToken)
	require.NotEmpty(t, bundle.WorkflowToken)
	c.dispatcher.report(dispatchURL, id, claim.Lock.Epoch, "RUNNING")
	require.Equal(t, workspace, get(t, bundle.Workspace.URL))
	put(t, bundle.Output, []byte("output"))
	// The attestation goes up once the output is recorded, as the worker
	// sends them: two finalize events in flight at once can make one
	// transaction retry and read again, a cost of the race, not of the job.
	testenv.WaitUntil(t, func() bool {
		j, err := c.jobs.Get(ctx, ids.JobID(id))
		return err == nil && j.Output.Present
	}, func() string { return "finalize never recorded the output of " + id })
	put(t, bundle.Attestation, []byte(`{"attested":true}`))

	// Succeeded and scrubbed.
	var last *job.Job
	testenv.WaitUntil(t, func() bool {
		var err error
		last, err = c.jobs.Get(ctx, ids.JobID(id))
		return err == nil && last.State == job.Succeeded && !last.SecretsHeld
	}, func() string { return fmt.Sprintf("job %s is %+v, not SUCCEEDED and scrubbed", id, last) })

	// The owner reads it once and downloads its output.
	c.user.do(http.MethodGet, jobsURL+"/jobs/"+id, nil, http.StatusOK, nil)
	var dl signedURL
	c.user.handout(http.MethodGet, jobsURL+"/jobs/"+id+"/output", nil, http.StatusOK, &dl)
	require.Equal(t, []byte("output"), get(t, dl.URL))
}

// objectLife uploads one object to the user's personal space and
// downloads it once.
func (c *costClients) objectLife(t *testing.T, name string) {
	ctx := context.Background()
	objectsURL := c.s.Info.Functions["objects"]
	if c.space == "" {
		var spaces struct {
			Spaces []struct{ ID string } `json:"spaces"`
		}
		c.user.do(http.MethodGet, objectsURL+"/spaces", nil, http.StatusOK, &spaces)
		require.NotEmpty(t, spaces.Spaces)
		c.space = spaces.Spaces[0].ID
	}
	data := []byte(strings.Repeat(name, 100))
	created := c.user.createObject(objectsURL, c.space, name+".bin", "application/octet-stream", data)
	put(t, created.Upload, data)
	var o *object.Object
	testenv.WaitUntil(t, func() bool {
		var err error
		o, err = c.objects.Get(ctx, ids.ObjectID(created.Object.ID))
		return err == nil && o.State == object.Ready
	}, func() string { return fmt.Sprintf("object %s is %+v, not READY", created.Object.ID, o) })
	var dl signedURL
	c.user.handout(http.MethodGet, objectsURL+"/objects/"+created.Object.ID+"/download", nil, http.StatusOK, &dl)
	require.Equal(t, data, get(t, dl.URL))
}

// calls flattens u into the keys of docs/capacity.md's table. Secret
// Manager read requests leave out ListSecretVersions: the functions list
// the signing key's versions at most once a minute per instance, whatever
// the traffic (docs/capacity.md counts it apart). Firestore reads leave
// out those of transaction attempts aborted by contention (an object's
// two finalize events can overlap, each in a transaction on the object's
// document): the table is the cost of a life without contention.
func calls(u stack.Usage) map[string]int64 {
	m := map[string]int64{
		"firestore.reads":       u.Firestore.Reads - u.Firestore.RetriedReads,
		"firestore.writes":      u.Firestore.Writes,
		"firestore.deletes":     u.Firestore.Deletes,
		"secretmanager.read":    u.SecretManager.Read - u.SecretManagerCalls["ListSecretVersions"],
		"secretmanager.write":   u.SecretManager.Write,
		"secretmanager.access":  u.SecretManager.Access,
		"iam.signBlob":          u.SignBlob,
		"storage.classA":        u.Storage.ClassA,
		"storage.classB":        u.Storage.ClassB,
		"storage.free":          u.Storage.Free,
		"eventarc.events":       u.Events,
		"functions.invocations": 0,
	}
	for name, n := range u.Invocations {
		m["functions."+name] += n
		m["functions.invocations"] += n
	}
	return m
}

// lives is how many lives checkCalls measures at most. Concurrent work
// inside one life (finalize handling an object's two events at once, say)
// can make a transaction retry and read again; the fewest calls of a few
// lives is the life's cost without that, and a change that adds calls
// raises every life.
const lives = 3

// checkCalls measures life (up to lives times, until one fits) and
// compares the fewest calls of each kind with the column of
// docs/capacity.md's call table: over the table fails, under it says to
// lower the table.
func checkCalls(t *testing.T, s *stack.Stack, column string, life func()) {
	t.Helper()
	table := callTable(t)
	var best map[string]int64
	var over, under []string
	for range lives {
		before := settled(t, s)
		life()
		spent := settled(t, s).Since(before)
		got := calls(spent)
		t.Logf("one %s spent: %v (and %d Firestore reads of transactions retried on contention)", column, got, spent.Firestore.RetriedReads)
		if best == nil {
			best = got
		}
		for k, v := range got {
			best[k] = min(best[k], v)
		}
		if over, under = compare(table, column, best); len(over) == 0 {
			break
		}
	}
	if len(under) > 0 {
		t.Logf("one %s costs less than docs/capacity.md says; lower the table (and the model derived from it): %s", column, strings.Join(under, "; "))
	}
	require.Empty(t, over, "one %s costs more than docs/capacity.md allows: find the new calls, or raise the table and its capacity model deliberately", column)
}

// compare lists the calls over and under the table's column.
func compare(table map[string]map[string]int64, column string, got map[string]int64) (over, under []string) {
	keys := make([]string, 0, len(got))
	for k := range got {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		row, ok := table[k]
		if !ok {
			if got[k] != 0 {
				over = append(over, fmt.Sprintf("%s: %d, but docs/capacity.md has no row for it", k, got[k]))
			}
			continue
		}
		switch limit := row[column]; {
		case got[k] > limit:
			over = append(over, fmt.Sprintf("%s: %d, over the table's %d", k, got[k], limit))
		case got[k] < limit:
			under = append(under, fmt.Sprintf("%s: %d (table %d)", k, got[k], limit))
		}
	}
	return over, under
}

// callTable reads the call table of docs/capacity.md: rows
// | `key` | what | one job | one object |.
func callTable(t *testing.T) map[string]map[string]int64 {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	f, err := os.Open(filepath.Join(filepath.Dir(file), "..", "..", "docs", "capacity.md"))
	require.NoError(t, err)
	defer f.Close()
	row := regexp.MustCompile("^\\| `([a-zA-Z.]+)` \\|[^|]*\\| *([0-9]+) *\\| *([0-9]+) *\\|")
	table := map[string]map[string]int64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := row.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		jobN, _ := strconv.ParseInt(m[2], 10, 64)
		objN, _ := strconv.ParseInt(m[3], 10, 64)
		table[m[1]] = map[string]int64{"job": jobN, "object": objN}
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, table, "docs/capacity.md has no call table")
	return table
}
