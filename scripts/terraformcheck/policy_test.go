package terraformcheck

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/stretchr/testify/require"
	"github.com/zclconf/go-cty/cty"

	"valet.dev/valet/terraform/policy"
)

// The deployment's policy, checked on the configuration itself (no
// provider): who may invoke what, how buckets are closed, which roles are
// granted, and which inputs are refused. Each check is a function returning
// the problems it finds, and each test plants a violation and sees it caught.
// terraform/tests/policy.tftest.hcl holds the same assertions for
// `terraform test` where the provider is installed.

// privateFunctions must never be invokable by allUsers.
var privateFunctions = []string{"dispatch", "sweep", "finalize"}

// invokerProblems checks invokers.json.
func invokerProblems(inv policy.Invokers) []string {
	var problems []string
	known := []string{policy.AllUsers, policy.Dispatchers, policy.Scheduler, policy.Eventarc}
	for _, fn := range inv.Functions() {
		if len(inv[fn]) == 0 {
			problems = append(problems, fmt.Sprintf("%s has no invoker: nothing could call it", fn))
		}
		for _, g := range inv[fn] {
			if !slices.Contains(known, g) {
				problems = append(problems, fmt.Sprintf("%s: unknown caller group %q", fn, g))
			}
		}
	}
	for _, fn := range privateFunctions {
		if inv.Public(fn) {
			problems = append(problems, fmt.Sprintf("%s is invokable by allUsers: only its callers may pass Cloud Run's front door", fn))
		}
	}
	return problems
}

// invokerResources are the resource types that grant roles/run.invoker on
// a function.
var invokerResources = []string{
	"google_cloud_run_service_iam_member", "google_cloud_run_service_iam_binding", "google_cloud_run_service_iam_policy",
	"google_cloud_run_v2_service_iam_member", "google_cloud_run_v2_service_iam_binding", "google_cloud_run_v2_service_iam_policy",
	"google_cloudfunctions2_function_iam_member", "google_cloudfunctions2_function_iam_binding", "google_cloudfunctions2_function_iam_policy",
	"google_project_iam_member", "google_project_iam_binding",
}

// moduleInvokerProblems: the one invoker resource iterates over bindings
// built from policy/invokers.json, and nothing else grants run.invoker or
// names allUsers.
func moduleInvokerProblems(t *testing.T, m *module) []string {
	var problems []string
	var invokers int
	for _, b := range m.blocks {
		if b.Type != "resource" || len(b.Labels) != 2 || !slices.Contains(invokerResources, b.Labels[0]) {
			continue
		}
		src := string(m.source(b))
		grantsInvoker := strings.Contains(src, "roles/run.invoker")
		if strings.Contains(src, "allUsers") || strings.Contains(src, "allAuthenticatedUsers") {
			problems = append(problems, fmt.Sprintf("%s names a public member itself: public access comes only from policy/invokers.json", address(b)))
		}
		if !grantsInvoker {
			continue
		}
		invokers++
		fe, ok := b.Body.Attributes["for_each"]
		if !ok || !m.readsFile(t, fe.Expr, "policy/invokers.json") {
			problems = append(problems, fmt.Sprintf("%s grants roles/run.invoker without following policy/invokers.json", address(b)))
		}
	}
	if invokers == 0 {
		problems = append(problems, "no resource grants roles/run.invoker from policy/invokers.json")
	}
	return problems
}

// readsFile reports whether expr, following locals, reads file name with
// file("${path.module}/NAME").
func (m *module) readsFile(t *testing.T, expr hclsyntax.Expression, name string) bool {
	seen := map[string]bool{}
	var visit func(e hclsyntax.Expression) bool
	visit = func(e hclsyntax.Expression) bool {
		found := false
		visitAll(e, func(n hclsyntax.Node) {
			if call, ok := n.(*hclsyntax.FunctionCallExpr); ok && call.Name == "file" && len(call.Args) == 1 {
				if tmpl, ok := call.Args[0].(*hclsyntax.TemplateExpr); ok && len(tmpl.Parts) == 2 {
					if lit, ok := tmpl.Parts[1].(*hclsyntax.LiteralValueExpr); ok && lit.Val.Type() == cty.String && lit.Val.AsString() == "/"+name {
						found = true
					}
				}
			}
		})
		if found {
			return true
		}
		for _, trav := range e.Variables() {
			if trav.RootName() != "local" || len(trav) < 2 {
				continue
			}
			attr := attrName(trav[1])
			if attr == "" || seen[attr] {
				continue
			}
			seen[attr] = true
			if local, ok := m.locals[attr]; ok && visit(local) {
				return true
			}
		}
		return false
	}
	return visit(expr)
}

// bucketProblems: every bucket is closed to the public and uses uniform
// bucket-level access.
func bucketProblems(t *testing.T, m *module) []string {
	var problems []string
	buckets := m.resources("google_storage_bucket")
	if len(buckets) == 0 {
		return []string{"no buckets"}
	}
	for _, b := range buckets {
		pap, ok := b.Body.Attributes["public_access_prevention"]
		if !ok || literal(t, pap.Expr).AsString() != "enforced" {
			problems = append(problems, fmt.Sprintf("%s: public_access_prevention must be \"enforced\"", address(b)))
		}
		ubla, ok := b.Body.Attributes["uniform_bucket_level_access"]
		if !ok || !literal(t, ubla.Expr).True() {
			problems = append(problems, fmt.Sprintf("%s: uniform_bucket_level_access must be true (no object ACLs)", address(b)))
		}
	}
	return problems
}

// allowedPredefinedRoles are the only predefined roles the module grants;
// everything else is a custom role from policy/iam.json.
var allowedPredefinedRoles = map[string]string{
	"roles/datastore.user":            "every function's Firestore access",
	"roles/run.invoker":               "invokers from policy/invokers.json",
	"roles/cloudbuild.builds.builder": "the build account",
	"roles/storage.objectViewer":      "the build account reads the source archive",
	"roles/pubsub.publisher":          "the Cloud Storage service agent publishes storage events",
	"roles/eventarc.eventReceiver":    "the trigger account receives them",
}

// roleProblems: no predefined role outside the allowlist (in particular no
// roles/iam.serviceAccountTokenCreator), and custom roles hold only the
// permissions policy/iam.json lists.
func roleProblems(t *testing.T, m *module) []string {
	var problems []string
	for _, b := range m.blocks {
		if b.Type != "resource" {
			continue
		}
		visitAll(b.Body, func(n hclsyntax.Node) {
			lit, ok := n.(*hclsyntax.LiteralValueExpr)
			if !ok || lit.Val.Type() != cty.String {
				return
			}
			if s := lit.Val.AsString(); strings.HasPrefix(s, "roles/") {
				if _, ok := allowedPredefinedRoles[s]; !ok {
					problems = append(problems, fmt.Sprintf("%s grants %s: grant a custom role from policy/iam.json instead", address(b), s))
				}
			}
		})
	}
	roles := m.resources("google_project_iam_custom_role")
	if len(roles) == 0 {
		problems = append(problems, "no custom roles: policy/iam.json is not applied")
	}
	for _, r := range roles {
		fe, ok := r.Body.Attributes["for_each"]
		perms, hasPerms := r.Body.Attributes["permissions"]
		if !ok || !m.readsFile(t, fe.Expr, "policy/iam.json") || !hasPerms || !m.readsFile(t, fe.Expr, "policy/iam.json") {
			problems = append(problems, fmt.Sprintf("%s: custom roles must be made from policy/iam.json (for_each over its grants)", address(r)))
			continue
		}
		if _, isLiteral := perms.Expr.(*hclsyntax.TupleConsExpr); isLiteral {
			problems = append(problems, fmt.Sprintf("%s: permissions must come from policy/iam.json, not a literal list", address(r)))
		}
	}
	return problems
}

// source returns the text of a block.
func (m *module) source(b *hclsyntax.Block) []byte {
	r := b.Range()
	src, err := os.ReadFile(r.Filename)
	if err != nil {
		return nil
	}
	return src[r.Start.Byte:r.End.Byte]
}

// plantedModule copies terraform/*.tf to a temporary directory, lets edit
// change one file's text, and parses the copy.
func plantedModule(t *testing.T, file string, edit func(string) string) *module {
	t.Helper()
	dir := t.TempDir()
	files, err := filepath.Glob(filepath.Join(moduleDir, "*.tf"))
	require.NoError(t, err)
	for _, f := range files {
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		text := string(src)
		if filepath.Base(f) == file {
			changed := edit(text)
			require.NotEqual(t, text, changed, "the plant did not change %s", file)
			text = changed
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, filepath.Base(f)), []byte(text), 0o644))
	}
	return parseModule(t, dir)
}

func TestInvokersFollowThePolicy(t *testing.T) {
	require.Empty(t, invokerProblems(policy.LoadInvokers()))
	require.Empty(t, moduleInvokerProblems(t, loadModule(t)))
}

func TestPublicInvokerOnDispatchIsCaught(t *testing.T) {
	inv := policy.LoadInvokers()
	inv["dispatch"] = append(inv["dispatch"], policy.AllUsers)
	require.Contains(t, strings.Join(invokerProblems(inv), "\n"), "dispatch is invokable by allUsers")

	m := plantedModule(t, "iam.tf", func(s string) string {
		return s + `
resource "google_cloud_run_service_iam_member" "planted" {
  project  = var.project
  location = var.region
  service  = google_cloudfunctions2_function.function["dispatch"].name
  role     = "roles/run.invoker"
  member   = "allUsers"
}
`
	})
	problems := strings.Join(moduleInvokerProblems(t, m), "\n")
	require.Contains(t, problems, "google_cloud_run_service_iam_member.planted names a public member itself")
	require.Contains(t, problems, "google_cloud_run_service_iam_member.planted grants roles/run.invoker without following policy/invokers.json")
}

func TestBucketsAreClosed(t *testing.T) {
	require.Empty(t, bucketProblems(t, loadModule(t)))
}

func TestBucketWithoutPublicAccessPreventionIsCaught(t *testing.T) {
	m := plantedModule(t, "buckets.tf", func(s string) string {
		return strings.Replace(s, `public_access_prevention    = "enforced"`, "", 1)
	})
	require.Equal(t, []string{`google_storage_bucket.bucket: public_access_prevention must be "enforced"`}, bucketProblems(t, m))
}

func TestRolesComeFromThePolicy(t *testing.T) {
	require.Empty(t, roleProblems(t, loadModule(t)))
}

func TestTokenCreatorRoleIsCaught(t *testing.T) {
	m := plantedModule(t, "iam.tf", func(s string) string {
		return s + `
resource "google_service_account_iam_member" "planted" {
  service_account_id = google_service_account.account["signer"].name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = google_service_account.function["jobs"].member
}
`
	})
	require.Equal(t, []string{"google_service_account_iam_member.planted grants roles/iam.serviceAccountTokenCreator: grant a custom role from policy/iam.json instead"},
		roleProblems(t, m))
}

// Variable validations, evaluated as Terraform would (with the functions
// and variable values of module_test.go).

// variableErrors converts the given values to their variables' types (the
// others take their defaults) and returns the error message of every
// failing validation, as `terraform plan` would refuse them.
func variableErrors(t *testing.T, m *module, given map[string]cty.Value) []string {
	t.Helper()
	set := maps.Clone(given)
	values := map[string]cty.Value{}
	types := map[string]cty.Type{}
	var errs []string
	for _, v := range m.blocksOfType("variable") {
		name := v.Labels[0]
		var val *cty.Value // nil: the default; a required variable is null, not under test
		if g, given := set[name]; given {
			val = &g
		}
		typ, conv, err := variableValue(t, v, val)
		types[name] = typ
		if err != nil { // Terraform stops here, before any validation
			errs = append(errs, fmt.Sprintf("%s: %s", name, err))
			delete(set, name)
			conv = cty.NullVal(typ)
		}
		values[name] = conv
	}
	for name := range given {
		require.Contains(t, types, name, "no variable %q", name)
	}
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(values)}, Functions: functions}
	for _, v := range m.blocksOfType("variable") {
		name := v.Labels[0]
		if _, given := set[name]; !given {
			continue
		}
		for _, val := range v.Body.Blocks {
			if val.Type != "validation" {
				continue
			}
			ok, diags := val.Body.Attributes["condition"].Expr.Value(ctx)
			require.False(t, diags.HasErrors(), "variable %s: condition at %s: %s", name, val.Range(), diags.Error())
			if ok.IsKnown() && !ok.IsNull() && ok.False() {
				msg := literal(t, val.Body.Attributes["error_message"].Expr).AsString()
				errs = append(errs, fmt.Sprintf("%s: %s", name, msg))
			}
		}
	}
	return errs
}

func strs(ss ...string) cty.Value {
	if len(ss) == 0 {
		return cty.ListValEmpty(cty.String)
	}
	vals := make([]cty.Value, len(ss))
	for i, s := range ss {
		vals[i] = cty.StringVal(s)
	}
	return cty.ListVal(vals)
}

func issuer(url string, audiences ...string) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{"url": cty.StringVal(url), "audiences": strs(audiences...)})
}

func TestEmptyDispatcherListIsRefused(t *testing.T) {
	m := loadModule(t)
	errs := variableErrors(t, m, map[string]cty.Value{"dispatcher_service_accounts": strs(), "dispatch_enabled": cty.True})
	require.Len(t, errs, 1)
	require.Contains(t, errs[0], "dispatcher_service_accounts is empty while dispatch_enabled is true")

	require.Empty(t, variableErrors(t, m, map[string]cty.Value{
		"dispatcher_service_accounts": strs("dispatcher@my-project.iam.gserviceaccount.com"), "dispatch_enabled": cty.True}))
	require.Empty(t, variableErrors(t, m, map[string]cty.Value{"dispatcher_service_accounts": strs(), "dispatch_enabled": cty.False}),
		"without dispatch there is nobody to allow")
	require.NotEmpty(t, variableErrors(t, m, map[string]cty.Value{
		"dispatcher_service_accounts": strs("a@p.iam.gserviceaccount.com,b@p.iam.gserviceaccount.com"), "dispatch_enabled": cty.True}),
		"a comma would split the allow list")
}

func TestOriginsMustBeHTTPSExceptLocalhost(t *testing.T) {
	m := loadModule(t)
	for _, ok := range []string{"https://app.example.com", "https://app.example.com:8443", "http://localhost:5173", "http://127.0.0.1:8080"} {
		require.Empty(t, variableErrors(t, m, map[string]cty.Value{"frontend_origins": strs(ok)}), ok)
	}
	for _, bad := range []string{"http://app.example.com", "https://app.example.com/", "https://app.example.com/path", "*", "https://*.example.com", "HTTPS://APP.EXAMPLE.COM", "http://localhost.evil.com"} {
		require.NotEmpty(t, variableErrors(t, m, map[string]cty.Value{"frontend_origins": strs(bad)}), bad)
	}
}

func TestUserIssuersAreTypedAndChecked(t *testing.T) {
	m := loadModule(t)
	good := cty.ListVal([]cty.Value{issuer("https://accounts.google.com", "client.apps.googleusercontent.com")})
	require.Empty(t, variableErrors(t, m, map[string]cty.Value{"user_issuers": good}))

	for name, bad := range map[string]cty.Value{
		"JSON in a string":      cty.StringVal(`[{"url":"https://accounts.google.com","audiences":["x"]}]`),
		"no issuer":             cty.ListValEmpty(good.Type().ElementType()),
		"plain http":            cty.ListVal([]cty.Value{issuer("http://accounts.google.com", "x")}),
		"trailing slash":        cty.ListVal([]cty.Value{issuer("https://accounts.google.com/", "x")}),
		"no audience":           cty.ListVal([]cty.Value{issuer("https://accounts.google.com")}),
		"empty audience":        cty.ListVal([]cty.Value{issuer("https://accounts.google.com", "")}),
		"url missing (no type)": cty.ListVal([]cty.Value{cty.ObjectVal(map[string]cty.Value{"audiences": strs("x")})}),
	} {
		require.NotEmpty(t, variableErrors(t, m, map[string]cty.Value{"user_issuers": bad}), name)
	}
}
