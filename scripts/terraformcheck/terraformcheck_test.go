package terraformcheck

import (
	"os/exec"
	"slices"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/stretchr/testify/require"
	"github.com/zclconf/go-cty/cty"

	"valet.dev/valet/functions/console"
	"valet.dev/valet/shared/config"
)

const functionType = "google_cloudfunctions2_function"

func TestEveryFileParses(t *testing.T) {
	m := loadModule(t)
	require.NotEmpty(t, m.resources(functionType), "the module deploys no functions")
}

func TestVariablesHaveDescriptionAndType(t *testing.T) {
	m := loadModule(t)
	vars := m.blocksOfType("variable")
	require.NotEmpty(t, vars)
	for _, v := range vars {
		require.Len(t, v.Labels, 1, "variable block without a name at %s", v.Range())
		name := v.Labels[0]
		desc, ok := v.Body.Attributes["description"]
		require.True(t, ok, "variable %q has no description", name)
		d := literal(t, desc.Expr)
		require.Equal(t, cty.String, d.Type(), "variable %q: description must be a string", name)
		require.NotEmpty(t, d.AsString(), "variable %q has an empty description", name)
		_, ok = v.Body.Attributes["type"]
		require.True(t, ok, "variable %q has no type", name)
	}
}

func TestOutputsHaveDescription(t *testing.T) {
	m := loadModule(t)
	for _, o := range m.blocksOfType("output") {
		_, ok := o.Body.Attributes["description"]
		require.True(t, ok, "output %q has no description", o.Labels[0])
	}
}

// Every variable config.Load reads, except the key file of local runs: in
// the cloud URLs are signed through IAM signBlob.
var requiredEnv = []string{
	config.EnvProject,
	config.EnvDatabase,
	config.EnvJobsBucket,
	config.EnvObjectsBucket,
	config.EnvUserIssuers,
	config.EnvFunctionURL,
	config.EnvServiceAccounts,
	config.EnvSignerEmail,
	config.EnvWorkflowKey,
	config.EnvTokenIssuer,
	config.EnvWorkflowAud,
	config.EnvSpaceQuota,
	config.EnvAllowedOrigins,
	config.EnvAuditRetention,
}

func TestFunctionsGetTheEnvironmentConfigReads(t *testing.T) {
	m := loadModule(t)
	for _, fn := range m.resources(functionType) {
		sc := nested(fn, "service_config")
		require.NotNil(t, sc, "%s has no service_config", address(fn))
		env, ok := sc.Body.Attributes["environment_variables"]
		require.True(t, ok, "%s sets no environment_variables", address(fn))
		keys := m.objectKeys(t, env.Expr)
		for _, name := range requiredEnv {
			require.Contains(t, keys, name, "%s does not set %s", address(fn), name)
		}
		if address(fn) == "google_cloudfunctions2_function.http" {
			for _, name := range []string{console.EnvJobsURL, console.EnvObjectsURL, console.EnvTokensURL, console.EnvIssuer, console.EnvClientID} {
				require.Contains(t, keys, name, "the console needs %s", name)
			}
		}
		require.NotContains(t, keys, config.EnvSignerKeyFile,
			"%s sets %s: deployed functions sign through IAM signBlob, never with a key file", address(fn), config.EnvSignerKeyFile)
	}
}

// deployedEntryPoints maps each entry point to the function resources (and
// instances) that deploy it.
func deployedEntryPoints(t *testing.T, m *module) map[string][]*hclsyntax.Block {
	t.Helper()
	out := map[string][]*hclsyntax.Block{}
	for _, fn := range m.resources(functionType) {
		bc := nested(fn, "build_config")
		require.NotNil(t, bc, "%s has no build_config", address(fn))
		ep, ok := bc.Body.Attributes["entry_point"]
		require.True(t, ok, "%s has no entry_point", address(fn))
		if isEachKey(ep.Expr) {
			for _, k := range m.instanceKeys(t, fn) {
				out[k] = append(out[k], fn)
			}
			continue
		}
		v := literal(t, ep.Expr)
		require.Equal(t, cty.String, v.Type(), "%s: entry_point must be a string", address(fn))
		out[v.AsString()] = append(out[v.AsString()], fn)
	}
	return out
}

func TestEveryEntryPointIsDeployed(t *testing.T) {
	m := loadModule(t)
	deployed := deployedEntryPoints(t, m)
	for _, name := range []string{"jobs", "objects", "tokens", "dispatch", "finalize", "sweep", "console"} {
		require.NotEmpty(t, deployed[name], "no function deploys entry point %q (functions.go registers it)", name)
	}
	for name := range deployed {
		require.Contains(t, []string{"jobs", "objects", "tokens", "dispatch", "finalize", "sweep", "console"}, name,
			"entry point %q is not registered by functions.go", name)
	}
}

// bucketRefs lists the google_storage_bucket resources an expression names.
func bucketRefs(expr hclsyntax.Expression) []string {
	var out []string
	for _, trav := range expr.Variables() {
		if trav.RootName() == "google_storage_bucket" && len(trav) > 1 {
			if a, ok := trav[1].(hcl.TraverseAttr); ok {
				out = append(out, a.Name)
			}
		}
	}
	return out
}

func TestFinalizeWatchesBothBuckets(t *testing.T) {
	m := loadModule(t)
	var watched []string
	for _, fn := range deployedEntryPoints(t, m)["finalize"] {
		et := nested(fn, "event_trigger")
		require.NotNil(t, et, "%s deploys finalize without an event_trigger", address(fn))
		typ, ok := et.Body.Attributes["event_type"]
		require.True(t, ok, "%s: event_trigger has no event_type", address(fn))
		require.Equal(t, "google.cloud.storage.object.v1.finalized", literal(t, typ.Expr).AsString())
		_, ok = et.Body.Attributes["trigger_region"]
		require.True(t, ok, "%s: a storage trigger needs trigger_region = the bucket's location", address(fn))
		filter := nested(et, "event_filters")
		require.NotNil(t, filter, "%s: event_trigger has no bucket filter", address(fn))
		require.Equal(t, "bucket", literal(t, filter.Body.Attributes["attribute"].Expr).AsString())
		watched = append(watched, bucketRefs(filter.Body.Attributes["value"].Expr)...)
		if fe, ok := fn.Body.Attributes["for_each"]; ok {
			watched = append(watched, bucketRefs(m.resolve(t, fe.Expr))...)
		}
	}
	require.Contains(t, watched, "jobs", "finalize must watch the jobs bucket")
	require.Contains(t, watched, "objects", "finalize must watch the objects bucket")
}

func TestHTTPFunctionsHaveNoTrigger(t *testing.T) {
	m := loadModule(t)
	deployed := deployedEntryPoints(t, m)
	for _, name := range []string{"jobs", "objects", "tokens", "dispatch", "sweep", "console"} {
		for _, fn := range deployed[name] {
			require.Nil(t, nested(fn, "event_trigger"), "%s deploys HTTP function %s with an event trigger", address(fn), name)
		}
	}
}

type index struct {
	collection string
	fields     [][2]string
}

// indexes reads the composite indexes: each google_firestore_index
// instance, its fields from a dynamic block over local data or from
// literal fields blocks.
func indexes(t *testing.T, m *module) []index {
	t.Helper()
	var out []index
	for _, r := range m.resources("google_firestore_index") {
		fe, ok := r.Body.Attributes["for_each"]
		if !ok {
			ix := index{collection: literal(t, r.Body.Attributes["collection"].Expr).AsString()}
			for _, f := range r.Body.Blocks {
				if f.Type == "fields" {
					ix.fields = append(ix.fields, [2]string{
						literal(t, f.Body.Attributes["field_path"].Expr).AsString(),
						literal(t, f.Body.Attributes["order"].Expr).AsString(),
					})
				}
			}
			out = append(out, ix)
			continue
		}
		for _, key := range m.objectKeys(t, fe.Expr) {
			entry, _ := m.objectItem(t, fe.Expr, key)
			coll, ok := m.objectItem(t, entry, "collection")
			require.True(t, ok, "index %q has no collection", key)
			fields, ok := m.objectItem(t, entry, "fields")
			require.True(t, ok, "index %q has no fields", key)
			ix := index{collection: literal(t, coll).AsString()}
			for _, pair := range literal(t, fields).AsValueSlice() {
				p := pair.AsValueSlice()
				require.Len(t, p, 2, "index %q: each field is [path, order]", key)
				ix.fields = append(ix.fields, [2]string{p[0].AsString(), p[1].AsString()})
			}
			out = append(out, ix)
		}
	}
	return out
}

func TestFirestoreIndexesCoverTheQueries(t *testing.T) {
	m := loadModule(t)
	got := indexes(t, m)
	require.GreaterOrEqual(t, len(got), 10, "docs/operations.md lists at least ten composite indexes")

	asc, desc := "ASCENDING", "DESCENDING"
	// The queries of shared/firestore (docs/operations.md): equality and
	// "in" fields first, then range and order fields in query order.
	want := []index{
		{"jobs", [][2]string{{"state", asc}, {"updatedAt", asc}}},
		{"jobs", [][2]string{{"owner", asc}, {"project", asc}, {"createdAt", desc}, {"id", desc}}},
		{"jobs", [][2]string{{"project", asc}, {"createdAt", desc}, {"id", desc}}},
		{"jobs", [][2]string{{"state", asc}, {"createdAt", desc}, {"id", desc}}},
		{"jobs", [][2]string{{"state", asc}, {"uploadDeadline", asc}}},
		{"jobs", [][2]string{{"state", asc}, {"lock.leaseExpiresAt", asc}}},
		{"jobs", [][2]string{{"state", asc}, {"deadline", asc}}},
		{"jobs", [][2]string{{"state", asc}, {"secretsHeld", asc}, {"finishedAt", asc}}},
		{"objects", [][2]string{{"space", asc}, {"state", asc}, {"name", asc}, {"id", asc}}},
		{"objects", [][2]string{{"state", asc}, {"uploadDeadline", asc}}},
	}
	for _, w := range want {
		found := slices.ContainsFunc(got, func(g index) bool {
			return g.collection == w.collection && slices.Equal(g.fields, w.fields)
		})
		require.True(t, found, "no composite index on %s %v", w.collection, w.fields)
	}
}

func TestSchedulerCallsSweepWithOIDC(t *testing.T) {
	m := loadModule(t)
	jobs := m.resources("google_cloud_scheduler_job")
	require.Len(t, jobs, 1)
	target := nested(jobs[0], "http_target")
	require.NotNil(t, target, "the scheduler job has no http_target")
	oidc := nested(target, "oidc_token")
	require.NotNil(t, oidc, "the scheduler must call sweep with an OIDC token")
	_, ok := oidc.Body.Attributes["audience"]
	require.True(t, ok, "the OIDC token needs sweep's URL as audience")
}

func TestTerraformFmt(t *testing.T) {
	bin, err := exec.LookPath("terraform")
	if err != nil {
		t.Skip("terraform is not on PATH; install it to check formatting (terraform fmt -check -recursive terraform/)")
	}
	out, err := exec.Command(bin, "fmt", "-check", "-recursive", "-diff", moduleDir).CombinedOutput()
	require.NoError(t, err, "terraform fmt -check failed; run `terraform fmt -recursive terraform/`:\n%s", out)
}
