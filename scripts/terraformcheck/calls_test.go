package terraformcheck

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/tools/go/callgraph"
	"golang.org/x/tools/go/callgraph/cha"
	"golang.org/x/tools/go/callgraph/vta"
	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/ssa/ssautil"
)

// The Go code's Google API calls, per deployed function: the functions/<name>
// packages are built into one SSA program, and everything reachable from a
// function's package is walked with a VTA call graph (interface calls and
// function values inside valet), plus what valet hands to code outside it
// (closures and method values, and the methods of values converted to an
// interface declared outside valet, such as http.Handler): the HTTP server
// and the functions framework call those back.

const modulePath = "valet.dev/valet"

// call is one call site of a function outside valet, seen from the valet
// package that makes it.
type call struct {
	caller string // package path of the calling code ("" for a wrapper)
	// callerType names the type whose method (or a closure in one) makes
	// the call, "" for a plain function: one package may touch several
	// kinds of secret (secretScopes).
	callerType string
	callee     string // ssa name, e.g. (*cloud.google.com/go/storage.ObjectHandle).Delete
	pkg        string // package path of the callee
}

var (
	callsOnce sync.Once
	calls     map[string][]call // function name => its calls
	callsErr  error
)

// functionCalls returns, for every package under functions/, the calls to
// code outside valet that its deployed function can make.
func functionCalls(t *testing.T) map[string][]call {
	t.Helper()
	callsOnce.Do(func() { calls, callsErr = loadCalls() })
	require.NoError(t, callsErr)
	return calls
}

func loadCalls() (map[string][]call, error) {
	root, err := filepath.Abs("../..")
	if err != nil {
		return nil, err
	}
	cfg := &packages.Config{Mode: packages.LoadSyntax | packages.NeedDeps, Dir: root, ParseFile: declarationsOutside(root)}
	initial, err := packages.Load(cfg, modulePath+"/functions/...")
	if err != nil {
		return nil, err
	}
	if err := forgiveUnusedImports(initial); err != nil {
		return nil, err
	}
	out := map[string][]call{}
	for _, p := range initial {
		out[path.Base(p.PkgPath)] = reachableCalls(p)
	}
	return out, nil
}

// declarationsOutside parses files outside dir without the bodies of
// their plain functions: only valet's code is walked, the rest needs its
// types alone, and type-checking every dependency's bodies would cost most
// of the test. (Generic functions and init keep theirs: the type checker
// requires them. The imports only bodies used are then "imported and not
// used", which forgiveUnusedImports clears.)
func declarationsOutside(dir string) func(*token.FileSet, string, []byte) (*ast.File, error) {
	return func(fset *token.FileSet, filename string, src []byte) (*ast.File, error) {
		if strings.HasPrefix(filename, dir+string(filepath.Separator)) {
			return parser.ParseFile(fset, filename, src, parser.AllErrors|parser.ParseComments)
		}
		f, err := parser.ParseFile(fset, filename, src, parser.SkipObjectResolution)
		if f != nil {
			for _, d := range f.Decls {
				if fn, ok := d.(*ast.FuncDecl); ok && fn.Name.Name != "init" && fn.Type.TypeParams == nil && !genericReceiver(fn) {
					fn.Body = nil
				}
			}
		}
		return f, err
	}
}

func genericReceiver(fn *ast.FuncDecl) bool {
	if fn.Recv == nil || len(fn.Recv.List) == 0 {
		return false
	}
	t := fn.Recv.List[0].Type
	if star, ok := t.(*ast.StarExpr); ok {
		t = star.X
	}
	switch t.(type) {
	case *ast.IndexExpr, *ast.IndexListExpr:
		return true
	}
	return false
}

// forgiveUnusedImports clears the errors bodiless parsing causes in
// packages outside valet, and fails on any other error.
func forgiveUnusedImports(initial []*packages.Package) error {
	var bad []string
	packages.Visit(initial, nil, func(p *packages.Package) {
		var kept []packages.Error
		for _, e := range p.Errors {
			if !inModule(p.PkgPath) && e.Kind == packages.TypeError && strings.Contains(e.Msg, "imported") && strings.HasSuffix(e.Msg, "and not used") {
				continue
			}
			kept = append(kept, e)
			bad = append(bad, e.Error())
		}
		p.Errors = kept
	})
	if len(bad) > 0 {
		return fmt.Errorf("the function packages do not load: %s", strings.Join(bad, "; "))
	}
	packages.Visit(initial, nil, func(p *packages.Package) { p.IllTyped = false })
	return nil
}

func inModule(pkgPath string) bool {
	return pkgPath == modulePath || strings.HasPrefix(pkgPath, modulePath+"/")
}

// reachableCalls walks everything reachable from the functions of one
// function package and returns its calls to code outside valet. Each
// function gets its own program, holding valet's packages it imports and
// no other function: a deployment runs one entry point, and shared code
// that every function calls with its own closures (httpapi.Deployed)
// would otherwise mix their callees. The call graph starts as CHA and is
// refined with VTA over the functions reachable so far, a few rounds, so
// values stored only by unreachable code (an Authenticator's job-token
// verifier, set up by functions that accept job tokens) do not widen it.
func reachableCalls(fn *packages.Package) []call {
	var own []*packages.Package // SSA bodies for valet's packages only; the rest is types
	packages.Visit([]*packages.Package{fn}, nil, func(p *packages.Package) {
		if inModule(p.PkgPath) {
			own = append(own, p)
		}
	})
	prog, _ := ssautil.Packages(own, ssa.InstantiateGenerics)
	prog.Build()

	var roots []*ssa.Function
	for f := range ssautil.AllFunctions(prog) {
		if f.Pkg != nil && f.Pkg.Pkg.Path() == fn.PkgPath {
			roots = append(roots, f)
		}
	}
	cg := cha.CallGraph(prog)
	reached := reach(prog, cg, roots)
	for range 3 {
		cg = vta.CallGraph(reached, cg)
		reached = reach(prog, cg, roots)
	}

	found := map[call]bool{}
	for f := range reached {
		caller := ""
		if f.Pkg != nil {
			caller = f.Pkg.Pkg.Path()
		}
		callerType := receiverName(f)
		for _, b := range f.Blocks {
			for _, instr := range b.Instrs {
				if site, ok := instr.(ssa.CallInstruction); ok {
					if c, ok := externalCall(caller, site.Common()); ok {
						c.callerType = callerType
						found[c] = true
					}
				}
			}
		}
	}
	out := make([]call, 0, len(found))
	for c := range found {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].callee != out[j].callee {
			return out[i].callee < out[j].callee
		}
		return out[i].caller < out[j].caller
	})
	return out
}

// receiverName is the name of the type whose method f is, or encloses f
// (a closure); "" for a plain function.
func receiverName(f *ssa.Function) string {
	for f.Parent() != nil {
		f = f.Parent()
	}
	recv := f.Signature.Recv()
	if recv == nil {
		return ""
	}
	t := recv.Type()
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	if named, ok := t.(*types.Named); ok {
		return named.Obj().Name()
	}
	return ""
}

// reach is the set of functions reachable from roots through cg, plus what
// reached code hands to code outside valet: functions used as values
// (closures, method values), and the methods of values converted to an
// interface declared outside valet (http.Handler, error...), which the
// HTTP server and the functions framework call back.
func reach(prog *ssa.Program, cg *callgraph.Graph, roots []*ssa.Function) map[*ssa.Function]bool {
	seen := map[*ssa.Function]bool{}
	var queue []*ssa.Function
	add := func(f *ssa.Function) {
		if f != nil && !seen[f] {
			seen[f] = true
			queue = append(queue, f)
		}
	}
	for _, f := range roots {
		add(f)
	}
	for len(queue) > 0 {
		f := queue[0]
		queue = queue[1:]
		if n := cg.Nodes[f]; n != nil {
			for _, e := range n.Out {
				add(e.Callee.Func)
			}
		}
		for _, b := range f.Blocks {
			for _, instr := range b.Instrs {
				for _, op := range instr.Operands(nil) {
					if g, ok := (*op).(*ssa.Function); ok {
						add(g)
					}
				}
				if mi, ok := instr.(*ssa.MakeInterface); ok {
					for _, m := range externalMethods(prog, mi) {
						add(m)
					}
				}
			}
		}
	}
	return seen
}

// externalMethods are the methods a value gains callers for when it is
// converted to an interface declared outside valet (http.Handler, error...).
func externalMethods(prog *ssa.Program, in *ssa.MakeInterface) []*ssa.Function {
	iface, ok := in.Type().Underlying().(*types.Interface)
	if !ok || iface.NumMethods() == 0 {
		return nil
	}
	if named, ok := in.Type().(*types.Named); ok && named.Obj().Pkg() != nil && inModule(named.Obj().Pkg().Path()) {
		return nil // valet's own interfaces: their calls are in the call graph
	}
	mset := prog.MethodSets.MethodSet(in.X.Type())
	var out []*ssa.Function
	for i := 0; i < iface.NumMethods(); i++ {
		m := iface.Method(i)
		if sel := mset.Lookup(m.Pkg(), m.Name()); sel != nil {
			out = append(out, prog.MethodValue(sel))
		}
	}
	return out
}

// externalCall describes a call to a function outside valet, or to a valet
// function the permission table names (the URL signer's methods).
func externalCall(caller string, c *ssa.CallCommon) (call, bool) {
	var obj *types.Func
	var name string
	if g := c.StaticCallee(); g != nil {
		if o, ok := g.Object().(*types.Func); ok {
			obj = o
		}
		name = g.String()
		if g.Origin() != nil {
			name = g.Origin().String()
		}
	} else if c.IsInvoke() {
		obj = c.Method
		name = "(" + c.Value.Type().String() + ")." + c.Method.Name()
	}
	if obj == nil || obj.Pkg() == nil || obj.Name() == "init" {
		return call{}, false
	}
	pkg := obj.Pkg().Path()
	if inModule(pkg) {
		if _, named := callPermissions[name]; !named {
			return call{}, false
		}
	}
	return call{caller: caller, callee: name, pkg: pkg}, true
}
