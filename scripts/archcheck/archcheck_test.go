package archcheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// pkg is what the test needs of `go list -json` for one package.
type pkg struct {
	ImportPath string
	Imports    []string
}

// listPackages runs go list over the whole module.
func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", module+"/...")
	cmd.Dir = moduleRoot(t)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "go list: %s", stderr.String())
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else {
			require.NoError(t, err)
		}
		pkgs = append(pkgs, p)
	}
	require.NotEmpty(t, pkgs)
	return pkgs
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	return root
}

// violations applies the rule to pkgs and returns one line per broken import.
func violations(pkgs []pkg) []string {
	var out []string
	for _, p := range pkgs {
		rel := relative(p.ImportPath)
		from := layerOf(rel)
		if from == "" {
			out = append(out, fmt.Sprintf("%s: no layer (place it in scripts/archcheck/layers.go and docs/architecture.md)", rel))
			continue
		}
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module) {
				if slices.Contains(sdkFree, from) && hasAnyPrefix(imp, googleSDKs) {
					out = append(out, fmt.Sprintf("%s (%s) imports %s: a %s package imports no Google SDK", rel, from, imp, from))
				}
				continue
			}
			to := relative(imp)
			if sameUnit(rel, to) {
				continue
			}
			toLayer := layerOf(to)
			if toLayer == testSupport && from != testSupport {
				out = append(out, fmt.Sprintf("%s (%s) imports %s: test-support packages are for tests only", rel, from, to))
				continue
			}
			if !slices.Contains(allowed[from], toLayer) {
				out = append(out, fmt.Sprintf("%s (%s) imports %s (%s): a %s package may import only %v", rel, from, to, toLayer, from, allowed[from]))
			}
		}
	}
	return out
}

func relative(importPath string) string {
	return strings.TrimPrefix(strings.TrimPrefix(importPath, module), "/")
}

// sameUnit reports whether a and b belong to one function, emulator or
// binary (the same first two path elements), which may share packages.
func sameUnit(a, b string) bool {
	return unit(a) != "" && unit(a) == unit(b)
}

func unit(rel string) string {
	parts := strings.SplitN(rel, "/", 3)
	if len(parts) < 2 || parts[0] == "shared" {
		return ""
	}
	return parts[0] + "/" + parts[1]
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// TestImportRule is the rule of docs/architecture.md over every package.
func TestImportRule(t *testing.T) {
	require.Empty(t, violations(listPackages(t)))
}

// TestImportRuleCatches plants each kind of violation and expects the rule
// to report it, so a rule that silently allows everything fails.
func TestImportRuleCatches(t *testing.T) {
	m := func(rel string) string { return module + "/" + rel }
	cases := map[string]pkg{
		"domain imports a Google SDK":     {m("shared/job"), []string{"cloud.google.com/go/firestore"}},
		"domain imports an adapter":       {m("shared/object"), []string{m("shared/firestore")}},
		"function imports a function":     {m("functions/jobs"), []string{m("functions/objects")}},
		"function imports an emulator":    {m("functions/jobs"), []string{m("emulators/secretmanager")}},
		"adapter imports a function":      {m("shared/gcs"), []string{m("functions/finalize")}},
		"production imports test support": {m("shared/firestore"), []string{m("shared/job/jobtest")}},
		"CLI imports an adapter":          {m("cmd/valet/cli"), []string{m("shared/firestore")}},
		"client imports a Google SDK":     {m("shared/client"), []string{"google.golang.org/api/idtoken"}},
		"emulator imports a function":     {m("emulators/gate"), []string{m("functions/jobs")}},
		"package with no layer":           {m("somewhere/new"), nil},
	}
	for name, p := range cases {
		t.Run(name, func(t *testing.T) {
			require.Len(t, violations([]pkg{p}), 1, "planted: %v", p)
		})
	}
}

// TestListedPackagesExist keeps the lists in layers.go and the layer table in
// docs/architecture.md in step with the tree: a renamed or removed package
// fails here, as does one the doc does not name.
func TestListedPackagesExist(t *testing.T) {
	root := moduleRoot(t)
	doc, err := os.ReadFile(filepath.Join(root, "docs", "architecture.md"))
	require.NoError(t, err)
	for _, list := range [][]string{foundationPackages, domainPackages, platformPackages, clientPackages} {
		for _, rel := range list {
			_, err := os.Stat(filepath.Join(root, rel))
			require.NoError(t, err, "%s is listed in layers.go but does not exist", rel)
			require.Contains(t, string(doc), "`"+rel+"`", "docs/architecture.md does not name %s", rel)
		}
	}
}
