package terraformcheck

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/terraform/policy"
)

// need is what one call requires: permissions of the calling function's
// account, or (signer) of the URL signer's account, whose rights a signed
// URL uses.
type need struct {
	perms  []string
	signer bool
}

// callPermissions maps each call of a Google API client (and of valet's URL
// signer) to the IAM permissions it needs; calls that only build a request
// need none. Sources: Google's IAM permission references for Secret Manager
// ("Access control with IAM"), Cloud Storage ("IAM permissions for JSON
// methods", valet calling the JSON API through
// google.golang.org/api/storage/v1: objects.rewrite needs get on the
// source and create on the destination) and the IAM Credentials API
// (signBlob). A call into those clients that is missing here fails
// TestEveryGoogleCallIsInTheTable.
var callPermissions = map[string]need{
	"(*cloud.google.com/go/secretmanager/apiv1.Client).AccessSecretVersion":  {perms: []string{"secretmanager.versions.access"}},
	"(*cloud.google.com/go/secretmanager/apiv1.Client).AddSecretVersion":     {perms: []string{"secretmanager.versions.add"}},
	"(*cloud.google.com/go/secretmanager/apiv1.Client).CreateSecret":         {perms: []string{"secretmanager.secrets.create"}},
	"(*cloud.google.com/go/secretmanager/apiv1.Client).DeleteSecret":         {perms: []string{"secretmanager.secrets.delete"}},
	"(*cloud.google.com/go/secretmanager/apiv1.Client).DestroySecretVersion": {perms: []string{"secretmanager.versions.destroy"}},
	"(*cloud.google.com/go/secretmanager/apiv1.Client).GetSecret":            {perms: []string{"secretmanager.secrets.get"}},
	"(*cloud.google.com/go/secretmanager/apiv1.Client).GetSecretVersion":     {perms: []string{"secretmanager.versions.get"}},
	"(*cloud.google.com/go/secretmanager/apiv1.Client).ListSecretVersions":   {perms: []string{"secretmanager.versions.list"}},
	"(*cloud.google.com/go/secretmanager/apiv1.Client).ListSecrets":          {perms: []string{"secretmanager.secrets.list"}},
	"cloud.google.com/go/secretmanager/apiv1.NewClient":                      {},
	"(*cloud.google.com/go/secretmanager/apiv1.SecretIterator).Next":         {},
	"(*cloud.google.com/go/secretmanager/apiv1.SecretVersionIterator).Next":  {},

	"(*google.golang.org/api/storage/v1.ObjectsService).Delete":                {perms: []string{"storage.objects.delete"}},
	"(*google.golang.org/api/storage/v1.ObjectsService).Get":                   {perms: []string{"storage.objects.get"}},
	"(*google.golang.org/api/storage/v1.ObjectsService).Rewrite":               {perms: []string{"storage.objects.create", "storage.objects.get"}},
	"(*google.golang.org/api/storage/v1.ObjectsDeleteCall).Context":            {},
	"(*google.golang.org/api/storage/v1.ObjectsDeleteCall).Do":                 {},
	"(*google.golang.org/api/storage/v1.ObjectsDeleteCall).Generation":         {},
	"(*google.golang.org/api/storage/v1.ObjectsGetCall).Context":               {},
	"(*google.golang.org/api/storage/v1.ObjectsGetCall).Do":                    {},
	"(*google.golang.org/api/storage/v1.ObjectsGetCall).Projection":            {},
	"(*google.golang.org/api/storage/v1.ObjectsRewriteCall).Context":           {},
	"(*google.golang.org/api/storage/v1.ObjectsRewriteCall).Do":                {},
	"(*google.golang.org/api/storage/v1.ObjectsRewriteCall).IfGenerationMatch": {},
	"(*google.golang.org/api/storage/v1.ObjectsRewriteCall).Projection":        {},
	"(*google.golang.org/api/storage/v1.ObjectsRewriteCall).RewriteToken":      {},
	"(*google.golang.org/api/storage/v1.ObjectsRewriteCall).SourceGeneration":  {},
	"google.golang.org/api/storage/v1.NewService":                              {},

	"(*google.golang.org/api/iamcredentials/v1.ProjectsServiceAccountsService).SignBlob":     {perms: []string{"iam.serviceAccounts.signBlob"}},
	"(*google.golang.org/api/iamcredentials/v1.ProjectsServiceAccountsSignBlobCall).Context": {},
	"(*google.golang.org/api/iamcredentials/v1.ProjectsServiceAccountsSignBlobCall).Do":      {},
	"google.golang.org/api/iamcredentials/v1.NewService":                                     {},

	// A signed URL acts with the signer's rights: an upload creates the
	// object (create-only: x-goog-if-generation-match 0), a download reads it.
	"(*valet.dev/valet/shared/signer.Signer).Upload":   {perms: []string{"storage.objects.create"}, signer: true},
	"(*valet.dev/valet/shared/signer.Signer).Download": {perms: []string{"storage.objects.get"}, signer: true},
}

// googleClients are the packages whose every call must be in the table.
var googleClients = []string{
	"cloud.google.com/go/secretmanager/apiv1",
	"google.golang.org/api/storage/v1",
	"google.golang.org/api/iamcredentials/v1",
}

// secretScopes says which secrets the Secret Manager calls of a type's
// methods ("package.Type") or of a package touch (policy/iam.json scopes).
// Creating a secret is checked on the project.
var secretScopes = map[string]string{
	"valet.dev/valet/shared/secretmanager.JobSecrets":  "jobSecrets",
	"valet.dev/valet/shared/secretmanager.SigningKeys": "signingKey",
}

// bucketScopes are compared as one: which bucket a function touches is
// configuration (its environment), not code.
var bucketScopes = []string{"jobsBucket", "objectsBucket"}

const bucketsScope = "buckets"

// usage is grantee => scope => permission set.
type usage map[string]map[string]map[string]bool

func (u usage) add(grantee, scope string, perms ...string) {
	if u[grantee] == nil {
		u[grantee] = map[string]map[string]bool{}
	}
	if u[grantee][scope] == nil {
		u[grantee][scope] = map[string]bool{}
	}
	for _, p := range perms {
		u[grantee][scope][p] = true
	}
}

// scopeOf is the policy scope a call's permission applies to.
func scopeOf(c call, perm string) (string, error) {
	switch {
	case perm == "iam.serviceAccounts.signBlob":
		return "signer", nil
	case strings.HasPrefix(perm, "storage."):
		return bucketsScope, nil
	case perm == "secretmanager.secrets.create":
		return "project", nil
	case strings.HasPrefix(perm, "secretmanager."):
		if s, ok := secretScopes[c.caller+"."+c.callerType]; ok && c.callerType != "" {
			return s, nil
		}
		if s, ok := secretScopes[c.caller]; ok {
			return s, nil
		}
		return "", fmt.Errorf("%s calls %s: add the package or the type (%s.%s) to secretScopes (which secrets does it touch?)", c.caller, c.callee, c.caller, c.callerType)
	}
	return "", fmt.Errorf("%s: no scope for permission %s", c.callee, perm)
}

// usedPermissions turns each function's calls into permissions per grantee
// and scope.
func usedPermissions(calls map[string][]call) (usage, error) {
	u := usage{}
	for fn, cs := range calls {
		for _, c := range cs {
			n, ok := callPermissions[c.callee]
			if !ok {
				continue // not a Google client call (TestEveryGoogleCallIsInTheTable)
			}
			grantee := fn
			if n.signer {
				grantee = policy.Signer
			}
			for _, p := range n.perms {
				scope, err := scopeOf(c, p)
				if err != nil {
					return nil, err
				}
				u.add(grantee, scope, p)
			}
		}
	}
	return u, nil
}

// grantedPermissions is iam.json as a usage, bucket scopes merged.
func grantedPermissions(p policy.IAM) usage {
	u := usage{}
	for grantee, scopes := range p.Grants {
		for scope, perms := range scopes {
			if slices.Contains(bucketScopes, scope) {
				scope = bucketsScope
			}
			u.add(grantee, scope, perms...)
		}
	}
	return u
}

// permissionProblems compares what the code uses with what iam.json grants,
// for the deployed functions and the signer.
func permissionProblems(used usage, p policy.IAM, functions []string) []string {
	var problems []string
	for grantee, scopes := range p.Grants {
		if grantee != policy.Signer && !slices.Contains(functions, grantee) {
			problems = append(problems, fmt.Sprintf("iam.json grants to %q, which is no function (functions/*) and not %q", grantee, policy.Signer))
		}
		for scope := range scopes {
			if _, ok := p.Scopes[scope]; !ok {
				problems = append(problems, fmt.Sprintf("iam.json grants %s on scope %q, which iam.json's scopes do not define", grantee, scope))
			}
		}
	}
	granted := grantedPermissions(p)
	for _, grantee := range append(slices.Clone(functions), policy.Signer) {
		scopes := map[string]bool{}
		for s := range granted[grantee] {
			scopes[s] = true
		}
		for s := range used[grantee] {
			scopes[s] = true
		}
		for _, scope := range slices.Sorted(maps.Keys(scopes)) {
			g, u := granted[grantee][scope], used[grantee][scope]
			for _, perm := range slices.Sorted(maps.Keys(g)) {
				if !u[perm] {
					problems = append(problems, fmt.Sprintf("%s is granted %s on %s, but no code path of it uses it: remove it from terraform/policy/iam.json", grantee, perm, scope))
				}
			}
			for _, perm := range slices.Sorted(maps.Keys(u)) {
				if !g[perm] {
					problems = append(problems, fmt.Sprintf("%s uses %s on %s, but terraform/policy/iam.json does not grant it", grantee, perm, scope))
				}
			}
		}
	}
	sort.Strings(problems)
	return problems
}

func functionNames(calls map[string][]call) []string {
	return slices.Sorted(maps.Keys(calls))
}

func TestEveryGoogleCallIsInTheTable(t *testing.T) {
	for fn, cs := range functionCalls(t) {
		for _, c := range cs {
			if slices.Contains(googleClients, c.pkg) {
				_, ok := callPermissions[c.callee]
				require.True(t, ok, "%s calls %s (from %s): add it to callPermissions with the IAM permissions it needs", fn, c.callee, c.caller)
			}
		}
	}
}

func TestGrantedPermissionsAreExactlyTheUsedOnes(t *testing.T) {
	calls := functionCalls(t)
	used, err := usedPermissions(calls)
	require.NoError(t, err)
	require.Empty(t, permissionProblems(used, policy.LoadIAM(), functionNames(calls)))

	// The check sees the calls it is about.
	require.True(t, used["jobs"]["signer"]["iam.serviceAccounts.signBlob"], "jobs signs URLs through signBlob")
	require.True(t, used[policy.Signer][bucketsScope]["storage.objects.create"], "signed uploads create objects")
	require.True(t, used["sweep"]["jobSecrets"]["secretmanager.secrets.delete"], "sweep deletes leftover job secrets")
	require.False(t, used["sweep"]["jobSecrets"]["secretmanager.versions.destroy"], "deleting a secret deletes its versions: the sweep destroys none")
	require.False(t, used["tokens"]["signer"]["iam.serviceAccounts.signBlob"], "tokens hands out no signed URL")
}

// Every function but the console keeps its state in Firestore, which is
// why iam.tf grants roles/datastore.user to each of them and not to the
// console.
func TestEveryFunctionUsesFirestore(t *testing.T) {
	for fn, cs := range functionCalls(t) {
		uses := slices.ContainsFunc(cs, func(c call) bool { return c.pkg == "cloud.google.com/go/firestore" })
		if fn == "console" {
			require.False(t, uses, "the console calls Firestore: grant it roles/datastore.user (iam.tf)")
			continue
		}
		require.True(t, uses, "%s makes no Firestore call: stop granting it roles/datastore.user (iam.tf)", fn)
	}
}

func TestPlantedPermissionViolationsAreCaught(t *testing.T) {
	calls := functionCalls(t)
	used, err := usedPermissions(calls)
	require.NoError(t, err)
	fns := functionNames(calls)

	plant := func(edit func(p *policy.IAM)) []string {
		p := policy.LoadIAM()
		edit(&p)
		return permissionProblems(used, p, fns)
	}

	unused := plant(func(p *policy.IAM) {
		p.Grants["sweep"]["jobSecrets"] = append(p.Grants["sweep"]["jobSecrets"], "secretmanager.secrets.list")
	})
	require.Len(t, unused, 1)
	require.Contains(t, unused[0], "sweep is granted secretmanager.secrets.list on jobSecrets, but no code path of it uses it")

	tokenCreator := plant(func(p *policy.IAM) {
		p.Grants["dispatch"]["signer"] = append(p.Grants["dispatch"]["signer"], "iam.serviceAccounts.getAccessToken")
	})
	require.Len(t, tokenCreator, 1)
	require.Contains(t, tokenCreator[0], "iam.serviceAccounts.getAccessToken")

	missing := plant(func(p *policy.IAM) { delete(p.Grants["jobs"], "signer") })
	require.Len(t, missing, 1)
	require.Contains(t, missing[0], "jobs uses iam.serviceAccounts.signBlob on signer, but terraform/policy/iam.json does not grant it")

	stranger := plant(func(p *policy.IAM) {
		p.Grants["intruder"] = map[string][]string{"project": {"secretmanager.secrets.create"}}
	})
	require.NotEmpty(t, stranger)
	require.Contains(t, strings.Join(stranger, "\n"), `grants to "intruder"`)
}
