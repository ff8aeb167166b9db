package terraformcheck

import (
	"cmp"
	"maps"
	"os/exec"
	"slices"
	"testing"

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
	deployed := deployedEntryPoints(t, m)
	require.NotEmpty(t, deployed["console"])
	for entry, insts := range deployed {
		for _, fn := range insts {
			sc := fn.blocks(t, fn.block.Body, "service_config")
			require.Len(t, sc, 1, "%s has no service_config", fn)
			env, ok := fn.attr(t, sc[0].block.Body, "environment_variables")
			require.True(t, ok, "%s sets no environment_variables", fn)
			require.True(t, env.IsKnown() && env.Type().IsObjectType(), "%s: environment_variables is not an object known before apply", fn)
			keys := slices.Collect(maps.Keys(env.Type().AttributeTypes()))
			for _, name := range requiredEnv {
				require.Contains(t, keys, name, "%s does not set %s", fn, name)
			}
			if entry == "console" {
				for _, name := range []string{console.EnvJobsURL, console.EnvObjectsURL, console.EnvTokensURL, console.EnvIssuer, console.EnvClientID} {
					require.Contains(t, keys, name, "the console needs %s", name)
				}
			}
			require.NotContains(t, keys, config.EnvSignerKeyFile,
				"%s sets %s: deployed functions sign through IAM signBlob, never with a key file", fn, config.EnvSignerKeyFile)
		}
	}
}

// deployedEntryPoints maps each entry point to the function instances that
// deploy it (at the variables' defaults).
func deployedEntryPoints(t *testing.T, m *module) map[string][]instance {
	t.Helper()
	out := map[string][]instance{}
	for _, b := range m.resources(functionType) {
		for _, fn := range m.instances(t, b) {
			bc := fn.blocks(t, b.Body, "build_config")
			require.Len(t, bc, 1, "%s has no build_config", fn)
			ep, ok := fn.attr(t, bc[0].block.Body, "entry_point")
			require.True(t, ok, "%s has no entry_point", fn)
			require.True(t, ep.IsKnown() && ep.Type() == cty.String, "%s: entry_point must be a string known before apply", fn)
			out[ep.AsString()] = append(out[ep.AsString()], fn)
		}
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

func TestFinalizeWatchesBothBuckets(t *testing.T) {
	m := loadModule(t)
	var watched []string
	for _, fn := range deployedEntryPoints(t, m)["finalize"] {
		et := fn.blocks(t, fn.block.Body, "event_trigger")
		require.Len(t, et, 1, "%s deploys finalize without an event_trigger", fn)
		typ, ok := et[0].attr(t, et[0].block.Body, "event_type")
		require.True(t, ok, "%s: event_trigger has no event_type", fn)
		require.Equal(t, "google.cloud.storage.object.v1.finalized", typ.AsString())
		_, ok = et[0].block.Body.Attributes["trigger_region"]
		require.True(t, ok, "%s: a storage trigger needs trigger_region = the bucket's location", fn)
		filters := et[0].blocks(t, et[0].block.Body, "event_filters")
		require.Len(t, filters, 1, "%s: event_trigger has no bucket filter", fn)
		attr, _ := filters[0].attr(t, filters[0].block.Body, "attribute")
		require.Equal(t, "bucket", attr.AsString())
		value, _ := filters[0].attr(t, filters[0].block.Body, "value")
		for _, r := range refsTo(value) {
			if r.typ == "google_storage_bucket" {
				watched = append(watched, cmp.Or(r.key, r.name))
			}
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
			require.Empty(t, fn.blocks(t, fn.block.Body, "event_trigger"), "%s deploys HTTP function %s with an event trigger", fn, name)
		}
	}
}

type index struct {
	collection string
	fields     [][2]string
}

// indexes reads the composite indexes: each google_firestore_index
// instance, its fields from a dynamic block over static local data (a
// for_each evaluated with the module's literal locals) or from literal
// fields blocks.
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
		for key, entry := range m.value(t, fe.Expr).AsValueMap() {
			require.True(t, entry.Type().IsObjectType() && entry.Type().HasAttribute("collection") && entry.Type().HasAttribute("fields"),
				"index %q needs a collection and fields", key)
			ix := index{collection: entry.GetAttr("collection").AsString()}
			for _, pair := range entry.GetAttr("fields").AsValueSlice() {
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
