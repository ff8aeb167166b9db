// Package scripts holds the tests of the shell scripts beside them.
package scripts

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// release runs scripts/release.sh into a new directory and returns its
// printed fields (archive, version, sha256).
func release(t *testing.T) map[string]string {
	t.Helper()
	cmd := exec.Command("bash", "release.sh", t.TempDir())
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("release.sh: %v\n%s", err, out)
	}
	fields := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		k, v, _ := strings.Cut(line, " ")
		fields[k] = v
	}
	for _, k := range []string{"archive", "version", "sha256"} {
		if fields[k] == "" {
			t.Fatalf("release.sh printed no %s:\n%s", k, out)
		}
	}
	return fields
}

// Two releases of one commit are byte-identical archives with the same
// printed hash, and the archive carries its version for package version.
func TestReleaseIsReproducible(t *testing.T) {
	a, b := release(t), release(t)
	if a["sha256"] != b["sha256"] || a["version"] != b["version"] {
		t.Fatalf("two releases of one commit differ: %v vs %v", a, b)
	}
	if filepath.Base(a["archive"]) != "valet-source-"+a["version"]+".zip" {
		t.Fatalf("archive %s is not named after version %s", a["archive"], a["version"])
	}
	data, err := os.ReadFile(a["archive"])
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != a["sha256"] {
		t.Fatalf("printed sha256 %s, archive's is %s", a["sha256"], got)
	}
	written, err := os.ReadFile(a["archive"] + ".sha256")
	if err != nil || !strings.HasPrefix(string(written), a["sha256"]+"  ") {
		t.Fatalf("%s.sha256 = %q, %v", a["archive"], written, err)
	}

	zr, err := zip.OpenReader(a["archive"])
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	seen := map[string]int{}
	for _, f := range zr.File {
		seen[f.Name]++
		switch f.Name {
		case "shared/version/version.txt":
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			v, _ := io.ReadAll(rc)
			rc.Close()
			if strings.TrimSpace(string(v)) != a["version"] {
				t.Fatalf("version.txt in the archive = %q, want %q", v, a["version"])
			}
		case "scripts/release_test.go", "docs/operations.md":
			t.Fatalf("%s is in the archive: only the module root's packages belong there", f.Name)
		}
	}
	for _, name := range []string{"go.mod", "go.sum", "functions.go", "shared/version/version.go", "shared/version/version.txt",
		"functions/console/web/index.html", // embedded from a subdirectory
	} {
		if seen[name] != 1 {
			t.Fatalf("%s is in the archive %d times, want once", name, seen[name])
		}
	}
}
