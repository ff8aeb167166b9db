package terraformcheck

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/stretchr/testify/require"
	"github.com/zclconf/go-cty/cty"
)

// moduleDir is the Terraform root module, seen from this package.
const moduleDir = "../../terraform"

// module is the parsed configuration: every top-level block of every file.
type module struct {
	blocks []*hclsyntax.Block
	locals map[string]hclsyntax.Expression
}

// loadModule parses every .tf file under moduleDir and fails on any
// diagnostic.
func loadModule(t *testing.T) *module {
	t.Helper()
	return parseModule(t, moduleDir)
}

// parseModule parses every .tf file under dir.
func parseModule(t *testing.T, dir string) *module {
	t.Helper()
	m := &module{locals: map[string]hclsyntax.Expression{}}
	var files int
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".tf") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, diags := hclsyntax.ParseConfig(src, path, hcl.Pos{Line: 1, Column: 1})
		require.False(t, diags.HasErrors(), "%s does not parse: %s", path, diags.Error())
		body := f.Body.(*hclsyntax.Body)
		require.Empty(t, body.Attributes, "%s: top-level attributes are not Terraform", path)
		for _, b := range body.Blocks {
			m.blocks = append(m.blocks, b)
			if b.Type == "locals" {
				for name, a := range b.Body.Attributes {
					_, dup := m.locals[name]
					require.False(t, dup, "local.%s is defined twice", name)
					m.locals[name] = a.Expr
				}
			}
		}
		files++
		return nil
	})
	require.NoError(t, err)
	require.NotZero(t, files, "no .tf files under %s", dir)
	return m
}

// resources returns the resource blocks of type typ.
func (m *module) resources(typ string) []*hclsyntax.Block {
	var out []*hclsyntax.Block
	for _, b := range m.blocks {
		if b.Type == "resource" && len(b.Labels) == 2 && b.Labels[0] == typ {
			out = append(out, b)
		}
	}
	return out
}

// blocksOfType returns the top-level blocks of one type (variable, output...).
func (m *module) blocksOfType(typ string) []*hclsyntax.Block {
	var out []*hclsyntax.Block
	for _, b := range m.blocks {
		if b.Type == typ {
			out = append(out, b)
		}
	}
	return out
}

// resolve follows a bare `local.NAME` reference to the local's expression.
func (m *module) resolve(t *testing.T, expr hclsyntax.Expression) hclsyntax.Expression {
	t.Helper()
	trav, ok := expr.(*hclsyntax.ScopeTraversalExpr)
	if !ok || len(trav.Traversal) != 2 || trav.Traversal.RootName() != "local" {
		return expr
	}
	attr, ok := trav.Traversal[1].(hcl.TraverseAttr)
	require.True(t, ok, "unexpected reference %s", describe(expr))
	local, ok := m.locals[attr.Name]
	require.True(t, ok, "local.%s is not defined", attr.Name)
	return local
}

// objectKeys lists the keys of an object: a literal, a local naming one,
// merge(...) of such objects (the union), or a filtering for expression
// {for k, v in OBJ : k => v if ...} over one (OBJ's keys: every key it may
// have).
func (m *module) objectKeys(t *testing.T, expr hclsyntax.Expression) []string {
	t.Helper()
	switch e := m.resolve(t, expr).(type) {
	case *hclsyntax.ObjectConsExpr:
		var keys []string
		for _, item := range e.Items {
			v, diags := item.KeyExpr.Value(nil)
			require.False(t, diags.HasErrors(), "object key at %s is not a literal", item.KeyExpr.Range())
			require.Equal(t, cty.String, v.Type(), "object key at %s is not a string", item.KeyExpr.Range())
			keys = append(keys, v.AsString())
		}
		return keys
	case *hclsyntax.FunctionCallExpr:
		require.Equal(t, "merge", e.Name, "%s: only merge() of objects is understood", describe(expr))
		var keys []string
		for _, arg := range e.Args {
			keys = append(keys, m.objectKeys(t, arg)...)
		}
		return keys
	case *hclsyntax.ConditionalExpr:
		// cond ? A : B may set the keys of either.
		return append(m.objectKeys(t, e.TrueResult), m.objectKeys(t, e.FalseResult)...)
	case *hclsyntax.ForExpr:
		key, ok := e.KeyExpr.(*hclsyntax.ScopeTraversalExpr)
		require.True(t, ok && e.KeyVar != "" && key.Traversal.RootName() == e.KeyVar && len(key.Traversal) == 1,
			"%s: only {for k, v in OBJ : k => ...} is understood", describe(expr))
		return m.objectKeys(t, e.CollExpr)
	}
	require.Fail(t, "not an object", "%s is not an object literal, merge(), conditional or for expression over one", describe(expr))
	return nil
}

// objectItem returns the value expression of key in an object constructor.
func (m *module) objectItem(t *testing.T, expr hclsyntax.Expression, key string) (hclsyntax.Expression, bool) {
	t.Helper()
	obj, ok := m.resolve(t, expr).(*hclsyntax.ObjectConsExpr)
	require.True(t, ok, "%s is not an object literal", describe(expr))
	for _, item := range obj.Items {
		if v, diags := item.KeyExpr.Value(nil); !diags.HasErrors() && v.Type() == cty.String && v.AsString() == key {
			return item.ValueExpr, true
		}
	}
	return nil, false
}

// instanceKeys is the for_each keys of a resource, or [""] without for_each.
func (m *module) instanceKeys(t *testing.T, b *hclsyntax.Block) []string {
	t.Helper()
	fe, ok := b.Body.Attributes["for_each"]
	if !ok {
		return []string{""}
	}
	return m.objectKeys(t, fe.Expr)
}

// nested returns the first nested block of type typ.
func nested(b *hclsyntax.Block, typ string) *hclsyntax.Block {
	for _, n := range b.Body.Blocks {
		if n.Type == typ {
			return n
		}
	}
	return nil
}

// literal evaluates an expression that must need no variables.
func literal(t *testing.T, expr hclsyntax.Expression) cty.Value {
	t.Helper()
	v, diags := expr.Value(nil)
	require.False(t, diags.HasErrors(), "%s is not a literal: %s", describe(expr), diags.Error())
	return v
}

// isEachKey reports whether expr is the reference each.key.
func isEachKey(expr hclsyntax.Expression) bool {
	trav, ok := expr.(*hclsyntax.ScopeTraversalExpr)
	if !ok || len(trav.Traversal) != 2 || trav.Traversal.RootName() != "each" {
		return false
	}
	attr, ok := trav.Traversal[1].(hcl.TraverseAttr)
	return ok && attr.Name == "key"
}

func describe(expr hclsyntax.Expression) string {
	r := expr.Range()
	return r.String()
}

// address is the Terraform address of a resource block.
func address(b *hclsyntax.Block) string { return strings.Join(b.Labels, ".") }
