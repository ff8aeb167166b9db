package terraformcheck

import (
	"testing"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/audit"
	valetfs "valet.dev/valet/shared/firestore"
)

// oneResource returns the resource typ.name.
func (m *module) oneResource(t *testing.T, typ, name string) *hclsyntax.Block {
	t.Helper()
	for _, b := range m.resources(typ) {
		if b.Labels[1] == name {
			return b
		}
	}
	require.Failf(t, "missing resource", "%s.%s is not declared", typ, name)
	return nil
}

// refersTo reports whether attribute attr of b refers to the address root.name.
func refersTo(b *hclsyntax.Block, attr, root, name string) bool {
	a, ok := b.Body.Attributes[attr]
	if !ok {
		return false
	}
	for _, trav := range a.Expr.Variables() {
		if trav.RootName() == root && len(trav) >= 2 && attrName(trav[1]) == name {
			return true
		}
	}
	return false
}

// TestAuditTrailIsRoutedAndExpires: the audit writer's label is the one the
// sink and the exclusion filter on; the sink goes to the audit bucket,
// whose retention is audit_retention_days, as is the Firestore copy's
// (VALET_AUDIT_RETENTION_DAYS); the copy's collection has a TTL policy on
// expireAt.
func TestAuditTrailIsRoutedAndExpires(t *testing.T) {
	m := loadModule(t)
	label := literal(t, m.locals["audit_label"])
	require.Equal(t, audit.LabelKey, label.GetAttr("key").AsString())
	require.Equal(t, audit.LabelValue, label.GetAttr("value").AsString())

	sink := m.oneResource(t, "google_logging_project_sink", "audit")
	require.True(t, refersTo(sink, "filter", "local", "audit_log_filter"), "the sink filters on local.audit_log_filter")
	require.True(t, refersTo(sink, "destination", "google_logging_project_bucket_config", "audit"), "the sink routes to the audit bucket")
	exclusion := m.oneResource(t, "google_logging_project_exclusion", "audit")
	require.True(t, refersTo(exclusion, "filter", "local", "audit_log_filter"))
	filter := m.locals["audit_log_filter"]
	var uses []string
	for _, trav := range filter.Variables() {
		uses = append(uses, trav.RootName()+"."+attrName(trav[1]))
	}
	require.Contains(t, uses, "local.audit_label", "the filter names the label")
	require.Contains(t, uses, "local.services", "the filter names valet's services only")

	bucket := m.oneResource(t, "google_logging_project_bucket_config", "audit")
	require.True(t, refersTo(bucket, "retention_days", "var", "audit_retention_days"))
	env, _ := m.objectItem(t, m.locals["common_env"], "VALET_AUDIT_RETENTION_DAYS")
	require.NotNil(t, env, "common_env sets VALET_AUDIT_RETENTION_DAYS")
	var envVars []string
	for _, trav := range env.Variables() {
		envVars = append(envVars, trav.RootName()+"."+attrName(trav[1]))
	}
	require.Equal(t, []string{"var.audit_retention_days"}, envVars)

	ttl := m.oneResource(t, "google_firestore_field", "audit_ttl")
	require.Equal(t, valetfs.AuditCollection, literal(t, ttl.Body.Attributes["collection"].Expr).AsString())
	require.Equal(t, "expireAt", literal(t, ttl.Body.Attributes["field"].Expr).AsString())
	require.NotNil(t, nested(ttl, "ttl_config"), "the TTL policy")
}
