package terraformcheck

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/stretchr/testify/require"
)

// What a first apply on a fresh project and a later rollback need.

// requiredAPIs are the APIs the module and the functions call.
var requiredAPIs = []string{
	"artifactregistry.googleapis.com", "cloudbuild.googleapis.com", "cloudfunctions.googleapis.com",
	"cloudresourcemanager.googleapis.com", "cloudscheduler.googleapis.com", "eventarc.googleapis.com",
	"firestore.googleapis.com", "iam.googleapis.com", "iamcredentials.googleapis.com",
	"logging.googleapis.com", "pubsub.googleapis.com", "run.googleapis.com", "secretmanager.googleapis.com", "storage.googleapis.com",
}

func TestEveryAPIIsEnabled(t *testing.T) {
	m := loadModule(t)
	expr, ok := m.locals["apis"]
	require.True(t, ok, "apis.tf: local.apis lists the APIs")
	if call, ok := expr.(*hclsyntax.FunctionCallExpr); ok && call.Name == "toset" && len(call.Args) == 1 {
		expr = call.Args[0]
	}
	var apis []string
	for _, v := range literal(t, expr).AsValueSlice() {
		apis = append(apis, v.AsString())
	}
	for _, api := range requiredAPIs {
		require.Contains(t, apis, api)
	}
}

// refs are the resources and data sources a block refers to
// ("google_storage_bucket.jobs", "data.google_project.this"), locals
// followed.
func (m *module) refs(b *hclsyntax.Block) []string {
	seen := map[string]bool{}
	var out []string
	var visit func(n hclsyntax.Node)
	visit = func(n hclsyntax.Node) {
		e, ok := n.(hclsyntax.Expression)
		if !ok { // a body: the expressions of its attributes, nested blocks' too
			visitAll(n, func(n hclsyntax.Node) {
				if a, ok := n.(*hclsyntax.Attribute); ok {
					visit(a.Expr)
				}
			})
			return
		}
		for _, trav := range e.Variables() {
			if len(trav) < 2 || attrName(trav[1]) == "" {
				continue
			}
			first := attrName(trav[1])
			var ref string
			switch root := trav.RootName(); {
			case root == "local":
				if !seen["local."+first] {
					seen["local."+first] = true
					if e, ok := m.locals[first]; ok {
						visit(e)
					}
				}
				continue
			case root == "data" && len(trav) > 2:
				if a := attrName(trav[2]); a != "" {
					ref = "data." + first + "." + a
				}
			case strings.Contains(root, "_"):
				ref = root + "." + first
			}
			if ref != "" && !seen[ref] {
				seen[ref] = true
				out = append(out, ref)
			}
		}
	}
	visit(b.Body)
	return out
}

func blockAddress(b *hclsyntax.Block) string {
	if b.Type == "data" {
		return "data." + address(b)
	}
	return address(b)
}

// apiOrderProblems: every google resource and data source waits for the
// APIs, by depends_on or through a resource it refers to that does.
func apiOrderProblems(m *module) []string {
	after := map[string]bool{"google_project_service.apis": true}
	var blocks []*hclsyntax.Block
	for _, b := range m.blocks {
		if (b.Type == "resource" || b.Type == "data") && len(b.Labels) == 2 && strings.HasPrefix(b.Labels[0], "google_") {
			blocks = append(blocks, b)
		}
	}
	for changed := true; changed; {
		changed = false
		for _, b := range blocks {
			a := blockAddress(b)
			if after[a] {
				continue
			}
			if slices.ContainsFunc(m.refs(b), func(r string) bool { return after[r] }) {
				after[a], changed = true, true
			}
		}
	}
	var problems []string
	for _, b := range blocks {
		if !after[blockAddress(b)] {
			problems = append(problems, fmt.Sprintf("%s may run before the APIs are enabled: add depends_on = [google_project_service.apis]", blockAddress(b)))
		}
	}
	return problems
}

func TestEverythingWaitsForTheAPIs(t *testing.T) {
	require.Empty(t, apiOrderProblems(loadModule(t)))

	planted := plantedModule(t, "secrets.tf", func(s string) string {
		return strings.Replace(s, `
  depends_on = [google_project_service.apis]
}`, "\n}", 1)
	})
	require.Equal(t, []string{"google_secret_manager_secret.workflow_key may run before the APIs are enabled: add depends_on = [google_project_service.apis]"},
		apiOrderProblems(planted))
}

// dependsOn lists the addresses in a block's depends_on.
func dependsOn(b *hclsyntax.Block) []string {
	a, ok := b.Body.Attributes["depends_on"]
	if !ok {
		return nil
	}
	return describeRefs(a.Expr)
}

func TestFunctionsWaitForIAMPropagation(t *testing.T) {
	m := loadModule(t)
	sleeps := m.resources("time_sleep")
	require.Len(t, sleeps, 1)
	deps := m.refs(sleeps[0])
	for _, want := range []string{"google_project_service.apis", "google_project_iam_member.gcs_publisher", "google_project_iam_member.trigger_receiver"} {
		require.Contains(t, deps, want, "the IAM propagation wait must come after %s", want)
	}
	for _, fn := range m.resources(functionType) {
		require.Contains(t, dependsOn(fn), "time_sleep."+sleeps[0].Labels[1], "%s must wait for IAM propagation", address(fn))
	}
}

func TestFunctionsBuildWithTheBuildAccountFromAVersionedArchive(t *testing.T) {
	m := loadModule(t)
	var accounts []string
	for _, b := range m.resources("google_service_account") {
		for _, sa := range m.instances(t, b) {
			accounts = append(accounts, sa.String())
		}
	}
	for _, want := range []string{"signer", "trigger", "scheduler", "build"} {
		require.Contains(t, accounts, fmt.Sprintf("google_service_account.account[%q]", want), "function, signer, trigger, scheduler and build accounts")
	}
	for _, fn := range m.resources(functionType) {
		bc := nested(fn, "build_config")
		sa, ok := bc.Body.Attributes["service_account"]
		require.True(t, ok, "%s builds with the project's default account", address(fn))
		require.Contains(t, describeRefs(sa.Expr), "local.build_service_account", address(fn))
		ss := nested(nested(bc, "source"), "storage_source")
		gen, ok := ss.Body.Attributes["generation"]
		require.True(t, ok, "%s must build from a pinned generation of the archive (rollback)", address(fn))
		require.Contains(t, describeRefs(gen.Expr), "local.source_generation", address(fn))
	}
	var source bool
	for _, b := range m.resources("google_storage_bucket") {
		for _, bucket := range m.instances(t, b) {
			require.Len(t, bucket.blocks(t, b.Body, "soft_delete_policy"), 1, "%s: decide its soft-delete retention (README.md, Buckets)", bucket)
			if bucket.key == "source" || (bucket.key == "" && b.Labels[1] == "source") {
				source = true
				v := bucket.blocks(t, b.Body, "versioning")
				require.Len(t, v, 1, "the source bucket keeps earlier archives as versions")
				enabled, _ := v[0].attr(t, v[0].block.Body, "enabled")
				require.True(t, enabled.True())
			}
		}
	}
	require.True(t, source, "a source bucket")
}

// describeRefs lists what an expression refers to, as "root.name"
// (local.x, var.y, google_storage_bucket.jobs).
func describeRefs(expr hclsyntax.Expression) []string {
	var out []string
	for _, trav := range expr.Variables() {
		if len(trav) >= 2 {
			if a := attrName(trav[1]); a != "" {
				out = append(out, trav.RootName()+"."+a)
			}
		}
	}
	return out
}

func TestSigningKeySecretHasDeletionProtection(t *testing.T) {
	m := loadModule(t)
	secrets := m.resources("google_secret_manager_secret")
	require.Len(t, secrets, 1)
	dp, ok := secrets[0].Body.Attributes["deletion_protection"]
	require.True(t, ok, "the signing-key secret needs deletion_protection")
	require.Contains(t, describeRefs(dp.Expr), "var.deletion_protection")
}

func TestSweepAndFinalizeAreInternalOnly(t *testing.T) {
	m := loadModule(t)
	sweep, ok := m.objectItem(t, m.locals["http_functions"], "sweep")
	require.True(t, ok)
	ingress, ok := m.objectItem(t, sweep, "ingress")
	require.True(t, ok)
	require.Equal(t, "ALLOW_INTERNAL_ONLY", literal(t, ingress).AsString(), "only Cloud Scheduler (internal traffic) calls sweep")
	finalize := deployedEntryPoints(t, m)["finalize"]
	require.NotEmpty(t, finalize)
	for _, fn := range finalize {
		sc := fn.blocks(t, fn.block.Body, "service_config")
		in, _ := fn.attr(t, sc[0].block.Body, "ingress_settings")
		require.Equal(t, "ALLOW_INTERNAL_ONLY", in.AsString(), "%s: only Eventarc (internal traffic) calls finalize", fn)
	}
}

func TestProviderIsTheCurrentMajor(t *testing.T) {
	m := loadModule(t)
	tf := m.blocksOfType("terraform")
	require.Len(t, tf, 1)
	rp := nested(tf[0], "required_providers")
	require.NotNil(t, rp)
	google := literal(t, rp.Body.Attributes["google"].Expr).GetAttr("version").AsString()
	require.Equal(t, "~> 7.0", google)
}

// cycleProblems finds a resource that depends on itself through references
// and locals: `terraform validate` refuses such a module, and it cannot run
// where the tests do.
func cycleProblems(m *module) []string {
	edges := map[string][]string{}
	for _, b := range m.blocks {
		if (b.Type == "resource" || b.Type == "data") && len(b.Labels) == 2 {
			edges[blockAddress(b)] = m.refs(b)
		}
	}
	const (
		visiting = 1
		done     = 2
	)
	state := map[string]int{}
	var problems []string
	var path []string
	var visit func(n string)
	visit = func(n string) {
		switch state[n] {
		case visiting:
			i := slices.Index(path, n)
			problems = append(problems, "cycle: "+strings.Join(append(slices.Clone(path[i:]), n), " -> "))
			return
		case done:
			return
		}
		state[n] = visiting
		path = append(path, n)
		for _, next := range edges[n] {
			if _, ok := edges[next]; ok {
				visit(next)
			}
		}
		path = path[:len(path)-1]
		state[n] = done
	}
	for _, n := range slices.Sorted(maps.Keys(edges)) {
		visit(n)
	}
	return problems
}

func TestNoDependencyCycle(t *testing.T) {
	require.Empty(t, cycleProblems(loadModule(t)))

	// The cycle `terraform validate` found once: bucket CORS -> the
	// console's URL -> the service names -> the buckets.
	planted := plantedModule(t, "functions.tf", func(s string) string {
		return strings.Replace(s, "in local.finalize_bucket_keys", "in keys(google_storage_bucket.bucket)", 1)
	})
	require.NotEmpty(t, cycleProblems(planted))
}
