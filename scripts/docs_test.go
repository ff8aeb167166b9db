package scripts

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// mdLink matches a Markdown link's target.
var mdLink = regexp.MustCompile(`\]\(([^)#\s]+)(#[^)]*)?\)`)

// TestDocsStandAlone: the repository's docs cite only what is in it. Every
// relative link of a tracked Markdown file names a file that exists, and
// no tracked file points at a design document outside the repository
// (docs/design.md is the design).
func TestDocsStandAlone(t *testing.T) {
	out, err := exec.Command("git", "-C", "..", "ls-files").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	outside := "DESIGN" + ".md" // the team's notes beside the repository
	for _, name := range strings.Fields(string(out)) {
		if strings.HasSuffix(name, ".png") {
			continue
		}
		body, err := os.ReadFile(filepath.Join("..", name))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(body), outside) {
			t.Errorf("%s cites %s, which is not in the repository: point at docs/design.md", name, outside)
		}
		if !strings.HasSuffix(name, ".md") {
			continue
		}
		for _, m := range mdLink.FindAllStringSubmatch(string(body), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			if _, err := os.Stat(filepath.Join("..", filepath.Dir(name), target)); err != nil {
				t.Errorf("%s links to %s, which does not exist", name, target)
			}
		}
	}
}
