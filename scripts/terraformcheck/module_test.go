package terraformcheck

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/stretchr/testify/require"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// moduleDir is the Terraform root module, seen from this package.
const moduleDir = "../../terraform"

// module is the parsed configuration: every top-level block of every file.
type module struct {
	dir    string
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
	m := &module{dir: dir, locals: map[string]hclsyntax.Expression{}}
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
	name := attrName(trav.Traversal[1])
	require.NotEmpty(t, name, "unexpected reference %s", describe(expr))
	local, ok := m.locals[name]
	require.True(t, ok, "local.%s is not defined", name)
	return local
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

func describe(expr hclsyntax.Expression) string {
	r := expr.Range()
	return r.String()
}

// address is the Terraform address of a resource block.
func address(b *hclsyntax.Block) string { return strings.Join(b.Labels, ".") }

// attrName is the name of an attribute step of a traversal, "" for others.
func attrName(step hcl.Traverser) string {
	if a, ok := step.(hcl.TraverseAttr); ok {
		return a.Name
	}
	return ""
}

// visitAll calls f on n and on every node below it.
func visitAll(n hclsyntax.Node, f func(hclsyntax.Node)) {
	hclsyntax.VisitAll(n, func(n hclsyntax.Node) hcl.Diagnostics {
		f(n)
		return nil
	})
}

// functions are the Terraform functions the evaluations here know: enough
// for the module's locals, for_each and per-instance arguments, and for
// the variables' validations.
var functions = map[string]function.Function{
	"alltrue": function.New(&function.Spec{
		Params: []function.Parameter{{Name: "list", Type: cty.List(cty.Bool)}},
		Type:   function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			for _, v := range args[0].AsValueSlice() {
				if v.IsNull() || !v.True() {
					return cty.False, nil
				}
			}
			return cty.True, nil
		},
	}),
	"can": tryfunc.CanFunc, "try": tryfunc.TryFunc,
	"endswith": affix(strings.HasSuffix), "startswith": affix(strings.HasPrefix),
	"floor": stdlib.FloorFunc, "regex": stdlib.RegexFunc, "trimspace": stdlib.TrimSpaceFunc,
	"coalesce": stdlib.CoalesceFunc, "concat": stdlib.ConcatFunc, "contains": stdlib.ContainsFunc,
	"distinct": stdlib.DistinctFunc, "flatten": stdlib.FlattenFunc, "join": stdlib.JoinFunc,
	"jsondecode": stdlib.JSONDecodeFunc, "jsonencode": stdlib.JSONEncodeFunc, "keys": stdlib.KeysFunc,
	"length": stdlib.LengthFunc, "lookup": stdlib.LookupFunc, "lower": stdlib.LowerFunc,
	"merge": stdlib.MergeFunc, "replace": stdlib.ReplaceFunc, "setsubtract": stdlib.SetSubtractFunc,
	"sort": stdlib.SortFunc, "toset": stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)),
	"tostring": stdlib.MakeToFunc(cty.String), "upper": stdlib.UpperFunc, "values": stdlib.ValuesFunc,
	"file": function.New(&function.Spec{
		Params: []function.Parameter{{Name: "path", Type: cty.String}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			b, err := os.ReadFile(args[0].AsString())
			return cty.StringVal(string(b)), err
		},
	}),
}

func affix(f func(s, affix string) bool) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "str", Type: cty.String}, {Name: "affix", Type: cty.String}},
		Type:   function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			return cty.BoolVal(f(args[0].AsString(), args[1].AsString())), nil
		},
	})
}

// variableValue is variable v's type and its value as Terraform sets it:
// val converted to the type, with the type's optional attribute defaults
// applied; without val, its default (null when it has none).
func variableValue(t *testing.T, v *hclsyntax.Block, val *cty.Value) (cty.Type, cty.Value, error) {
	t.Helper()
	typ, defaults, diags := typeexpr.TypeConstraintWithDefaults(v.Body.Attributes["type"].Expr)
	require.False(t, diags.HasErrors(), "variable %s: type: %s", v.Labels[0], diags.Error())
	var x cty.Value
	if d, ok := v.Body.Attributes["default"]; val != nil {
		x = *val
	} else if ok {
		x = literal(t, d.Expr)
	} else {
		return typ, cty.NullVal(typ), nil
	}
	if defaults != nil {
		x = defaults.Apply(x)
	}
	conv, err := convert.Convert(x, typ)
	return typ, conv, err
}

// instanceRef marks the unknown value standing for a resource instance, so
// that an evaluated argument tells which instance it came from.
type instanceRef struct{ typ, name, key string }

// evalContext is what Terraform would evaluate the module's expressions
// with before anything exists: variables at their defaults (unknown when
// they have none), every local that evaluates, each resource instance an
// unknown value marked with its instanceRef (data sources unknown).
func (m *module) evalContext(t *testing.T) *hcl.EvalContext {
	t.Helper()
	vars := map[string]cty.Value{}
	for _, v := range m.blocksOfType("variable") {
		typ, val, err := variableValue(t, v, nil)
		require.NoError(t, err, "variable %s: default", v.Labels[0])
		if _, ok := v.Body.Attributes["default"]; !ok {
			val = cty.UnknownVal(typ)
		}
		vars[v.Labels[0]] = val
	}
	ctx := &hcl.EvalContext{
		Variables: map[string]cty.Value{
			"var":  cty.ObjectVal(vars),
			"path": cty.ObjectVal(map[string]cty.Value{"module": cty.StringVal(m.dir)}),
			"data": cty.DynamicVal,
		},
		Functions: functions,
	}
	for _, b := range m.blocks {
		if b.Type == "resource" && len(b.Labels) == 2 {
			ctx.Variables[b.Labels[0]] = cty.DynamicVal
		}
	}
	// Twice: resource instances need the locals their for_each reads, and
	// locals then see the marked instances.
	for range 2 {
		ctx.Variables["local"] = cty.ObjectVal(m.evalLocals(ctx))
		resources := map[string]map[string]cty.Value{}
		for _, b := range m.blocks {
			if b.Type != "resource" || len(b.Labels) != 2 {
				continue
			}
			typ, name := b.Labels[0], b.Labels[1]
			if resources[typ] == nil {
				resources[typ] = map[string]cty.Value{}
			}
			resources[typ][name] = cty.DynamicVal.Mark(instanceRef{typ, name, ""})
			if fe, ok := b.Body.Attributes["for_each"]; ok {
				resources[typ][name] = cty.DynamicVal
				if v, diags := fe.Expr.Value(ctx); !diags.HasErrors() && v.IsKnown() && !v.IsNull() {
					insts := map[string]cty.Value{}
					for it := v.ElementIterator(); it.Next(); {
						k, _ := it.Element()
						insts[k.AsString()] = cty.DynamicVal.Mark(instanceRef{typ, name, k.AsString()})
					}
					resources[typ][name] = cty.ObjectVal(insts)
				}
			}
		}
		for typ, byName := range resources {
			ctx.Variables[typ] = cty.ObjectVal(byName)
		}
	}
	return ctx
}

// evalLocals evaluates every local that evaluates in ctx (its value may be
// partly unknown); the others are left out.
func (m *module) evalLocals(ctx *hcl.EvalContext) map[string]cty.Value {
	vals := map[string]cty.Value{}
	for changed := true; changed; {
		changed = false
		c := ctx.NewChild()
		c.Variables = map[string]cty.Value{"local": cty.ObjectVal(vals)}
		for name, expr := range m.locals {
			if _, done := vals[name]; done {
				continue
			}
			if v, diags := expr.Value(c); !diags.HasErrors() {
				vals[name], changed = v, true
			}
		}
	}
	return vals
}

// value evaluates an expression with evalContext and fails the test when
// it cannot.
func (m *module) value(t *testing.T, expr hclsyntax.Expression) cty.Value {
	t.Helper()
	return eval(t, m.evalContext(t), expr)
}

func eval(t *testing.T, ctx *hcl.EvalContext, expr hclsyntax.Expression) cty.Value {
	t.Helper()
	v, diags := expr.Value(ctx)
	require.False(t, diags.HasErrors(), "%s cannot be evaluated: %s", describe(expr), diags.Error())
	return v
}

// instance is one instance of a resource: its each.key and the context its
// arguments evaluate in (each bound).
type instance struct {
	block *hclsyntax.Block
	key   string
	ctx   *hcl.EvalContext
}

func (i instance) String() string {
	if i.key == "" {
		return address(i.block)
	}
	return fmt.Sprintf("%s[%q]", address(i.block), i.key)
}

// instances evaluates a resource's for_each (count is taken as one
// instance): its instances at the variables' defaults.
func (m *module) instances(t *testing.T, b *hclsyntax.Block) []instance {
	t.Helper()
	ctx := m.evalContext(t)
	fe, ok := b.Body.Attributes["for_each"]
	if !ok {
		return []instance{{block: b, ctx: ctx}}
	}
	v := eval(t, ctx, fe.Expr)
	require.True(t, v.IsKnown() && v.CanIterateElements(), "%s: for_each is not known before apply", address(b))
	var out []instance
	for it := v.ElementIterator(); it.Next(); {
		k, val := it.Element()
		if v.Type().IsSetType() {
			val = k
		}
		c := ctx.NewChild()
		c.Variables = map[string]cty.Value{"each": cty.ObjectVal(map[string]cty.Value{"key": k, "value": val})}
		out = append(out, instance{block: b, key: k.AsString(), ctx: c})
	}
	return out
}

// attr evaluates one of the instance's arguments in body (the resource's or
// a nested block's), or returns false when body does not set it.
func (i instance) attr(t *testing.T, body *hclsyntax.Body, name string) (cty.Value, bool) {
	t.Helper()
	a, ok := body.Attributes[name]
	if !ok {
		return cty.NilVal, false
	}
	return eval(t, i.ctx, a.Expr), true
}

// blocks returns the instance's nested blocks of type typ in body: literal
// blocks and the content of dynamic ones, each with the instance bound to
// the dynamic block's element.
func (i instance) blocks(t *testing.T, body *hclsyntax.Body, typ string) []instance {
	t.Helper()
	var out []instance
	for _, b := range body.Blocks {
		switch {
		case b.Type == typ:
			out = append(out, instance{block: b, key: i.key, ctx: i.ctx})
		case b.Type == "dynamic" && len(b.Labels) == 1 && b.Labels[0] == typ:
			content := nested(b, "content")
			require.NotNil(t, content, "dynamic %q at %s has no content", typ, b.Range())
			v, _ := i.attr(t, b.Body, "for_each")
			require.True(t, v.IsKnown() && v.CanIterateElements(), "dynamic %q at %s: for_each is not known before apply", typ, b.Range())
			for it := v.ElementIterator(); it.Next(); {
				k, val := it.Element()
				c := i.ctx.NewChild()
				c.Variables = map[string]cty.Value{typ: cty.ObjectVal(map[string]cty.Value{"key": k, "value": val})}
				out = append(out, instance{block: content, key: i.key, ctx: c})
			}
		}
	}
	return out
}

// refsTo lists the resource instances a value was computed from.
func refsTo(v cty.Value) []instanceRef {
	var out []instanceRef
	_, marks := v.UnmarkDeep()
	for mark := range marks {
		if r, ok := mark.(instanceRef); ok {
			out = append(out, r)
		}
	}
	return out
}
