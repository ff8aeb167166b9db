package console_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"valet.dev/valet/cmd/valet-worker/worker"
	"valet.dev/valet/emulators/oidc"
	"valet.dev/valet/emulators/stack"
	"valet.dev/valet/functions/console"
	"valet.dev/valet/shared/client/clienttest"
	"valet.dev/valet/shared/httpapi/apitest"
)

// requireChromium returns the path of Debian's Chromium; without it the
// test skips, or fails under CI=true.
func requireChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "Chromium is not installed (Debian: apt-get install chromium; `make test` installs it as root)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// browserSession is a headless Chromium on a fresh profile, with
// screenshots that a failed test keeps.
type browserSession struct {
	t         *testing.T
	ctx       context.Context
	shots     string
	n         int
	downloads string
}

func newBrowser(t *testing.T, ctx context.Context) *browserSession {
	t.Helper()
	shots, err := os.MkdirTemp("", "valet-console-screenshots-")
	require.NoError(t, err)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("screenshots of the failed test are kept in %s", shots)
			return
		}
		_ = os.RemoveAll(shots)
	})
	// The flags this machine's image is known to run Chromium with as root,
	// and a fresh profile.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(requireChromium(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 860),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancel := chromedp.NewContext(alloc, chromedp.WithLogf(t.Logf))
	t.Cleanup(cancel)
	b := &browserSession{t: t, ctx: bctx, shots: shots, downloads: t.TempDir()}
	// The first run starts the browser for the life of bctx: no step bound.
	require.NoError(t, chromedp.Do(bctx), "start Chromium")
	b.run("start", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: b.downloads, EventsEnabled: ptr(true),
		})
		return err
	}))
	return b
}

func ptr[T any](v T) *T { return &v }

// run runs actions in the page, then takes a screenshot named step.
func (b *browserSession) run(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	// A bound on each step, so a broken page fails the test instead of
	// hanging it; the steps wait on state, never on time.
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Minute)
	defer cancel()
	err := chromedp.Do(ctx, actions...)
	b.screenshot(step)
	require.NoError(b.t, err, "step %q (screenshots in %s)", step, b.shots)
}

// eval evaluates a JavaScript expression (awaiting a promise) in the page.
func (b *browserSession) eval(expression string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](expression, chromedp.EvalAwaitPromise))
	require.NoError(b.t, err, expression)
	return v
}

func (b *browserSession) screenshot(step string) {
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	if png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		b.n++
		_ = os.WriteFile(filepath.Join(b.shots, fmt.Sprintf("%02d-%s.png", b.n, strings.ReplaceAll(step, " ", "-"))), png, 0o644)
	}
}

// download runs click and returns the bytes of the download it starts.
func (b *browserSession) download(step string, click chromedp.Action[chromedp.Void]) []byte {
	b.t.Helper()
	progress := chromedp.Events(b.ctx, browser.DownloadProgress)
	b.run(step, click)
	for ev, err := range progress {
		require.NoError(b.t, err, step)
		if ev.State == browser.DownloadProgressStateCanceled {
			b.t.Fatalf("%s: the download was cancelled", step)
		}
		if ev.State != browser.DownloadProgressStateCompleted {
			continue
		}
		data, err := os.ReadFile(filepath.Join(b.downloads, ev.GUID))
		require.NoError(b.t, err)
		return data
	}
	b.t.Fatalf("%s: no download", step)
	return nil
}

// waitText waits until the element sel's text contains want.
func waitText(sel, want string) chromedp.Action[chromedp.Void] {
	poll := chromedp.Poll[bool](fmt.Sprintf(`(document.querySelector(%q)?.textContent || "").includes(%q)`, sel, want),
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(0))
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := poll(ctx, t)
		return chromedp.Void{}, err
	}
}

// TestConsoleInTheBrowser is the browser path end to end against an
// in-process stack: sign in with the authorization-code flow and PKCE
// through the dev issuer's page, submit a job from a folder (tarred and
// hashed in the browser, uploaded straight to storage through the signed
// URL), run it with the reference worker, watch it succeed, download the
// output and compare its bytes with what the API hands out; upload an
// object and download it again; and see a page on a refused origin fail
// its preflight. Tokens never reach storage or the URL bar.
func TestConsoleInTheBrowser(t *testing.T) {
	requireChromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	s := stack.StartTest(ctx, t, "console", stack.Options{})
	t.Setenv("VALET_STACK", s.WriteTestInfo(t))
	consoleURL := s.Info.Functions[console.Name]

	b := newBrowser(t, ctx)

	// Sign in: the issuer's page opens in its own window.
	b.run("welcome", chromedp.Navigate(consoleURL+"/"), chromedp.WaitVisible(chromedp.CSS("#signin-main")))
	require.Equal(t, "Sign in — valet console", b.eval("document.title"))
	popup := chromedp.WaitNewTarget(b.ctx, func(i *target.Info) bool { return strings.Contains(i.URL, oidc.AuthorizePath) })
	b.run("open sign-in", chromedp.Click(chromedp.CSS("#signin-main")))
	pctx, cancelPopup := chromedp.NewContext(b.ctx, chromedp.WithTargetID(<-popup))
	defer cancelPopup()
	require.NoError(t, chromedp.Do(pctx, chromedp.WaitVisible(chromedp.ID("user-alice")), chromedp.Click(chromedp.ID("user-alice"))))
	b.run("signed in", waitText("#who", "alice@example.com"), chromedp.WaitVisible(chromedp.ID("jobs")))
	require.Equal(t, "{}{}"+consoleURL+"/", b.eval(`JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie + location.href`),
		"nothing in storage, cookies or the URL bar")

	// Submit a job from a folder; the reference worker runs it.
	dir := t.TempDir()
	clienttest.WriteTree(t, dir, map[string]string{"main.go": "package main\n", "data/in.csv": "a,b\n1,2\n"})
	workerLog := &apitest.Logs{}
	workerDone := make(chan int, 1)
	go func() {
		workerDone <- worker.Run(ctx, []string{"--once", "--poll", "100ms", "--name", "browser-worker"}, io.Discard, workerLog)
	}()
	b.run("submit page", chromedp.Navigate(consoleURL+"/#/submit"), chromedp.WaitVisible(chromedp.ID("folder")))
	b.run("folder chosen", chromedp.SetUploadFiles(chromedp.ID("folder"), []string{dir}), waitText("#chosen", "Folder: 2 files"))
	b.run("submitted", chromedp.Click(chromedp.ID("submit")), chromedp.WaitVisible(chromedp.ID("job-state")))
	b.run("succeeded", waitText("#job-state", "SUCCEEDED"), chromedp.WaitVisible(chromedp.ID("download-output")))
	require.Equal(t, 0, <-workerDone, workerLog.String())
	hash := b.eval("location.hash")
	id := strings.TrimPrefix(hash, "#/jobs/")
	require.True(t, strings.HasPrefix(id, "j_"), hash)
	require.Equal(t, "Job "+id+" — valet console", b.eval("document.title"))

	got := b.download("download output", chromedp.Click(chromedp.ID("download-output")))
	alice, err := s.Issuer.Mint(oidc.TokenRequest{Sub: "alice", Email: "alice@example.com"})
	require.NoError(t, err)
	require.Equal(t, fetchArtifact(t, s.Info.Functions["jobs"]+"/jobs/"+id+"/output", alice), got, "the browser's download is the output byte for byte")
	require.Equal(t, "data/in.csv\nmain.go\n", clienttest.TarFiles(t, got)[worker.FilesFile], "the folder was tarred in the browser")

	// The jobs page lists it; the state filter narrows the list.
	b.run("jobs page", chromedp.Navigate(consoleURL+"/#/jobs"), waitText("#jobs tbody", id), waitText("#jobs tbody", "SUCCEEDED"))
	if dir := os.Getenv("VALET_CONSOLE_SCREENSHOTS"); dir != "" { // make screenshots: the README's picture
		png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "console-jobs.png"), png, 0o644))
	}
	b.eval(`(() => { const s = document.getElementById("state-filter"); s.value = "FAILED"; s.dispatchEvent(new Event("change")); return "" })()`)
	b.run("jobs failed", waitText("#jobs caption", "FAILED"), waitText("#jobs tbody", "No jobs yet"))
	require.Equal(t, "#/jobs?state=FAILED", b.eval("location.hash"))

	// An API token: shown once, then only listed; revoked.
	b.run("tokens", chromedp.Navigate(consoleURL+"/#/tokens"), chromedp.WaitVisible(chromedp.ID("token-name")),
		chromedp.SendKeys(chromedp.ID("token-name"), "browser"), chromedp.Click(chromedp.ID("create-token")),
		chromedp.WaitVisible(chromedp.ID("token-value")))
	value := b.eval(`document.getElementById("token-value").value`)
	require.True(t, strings.HasPrefix(value, "valet_"), "the new token is shown once")
	b.run("token listed", chromedp.Click(chromedp.ID("token-done")), waitText("#tokens tbody", "browser"))
	require.NotContains(t, b.eval(`document.body.textContent`), value, "the value is gone from the page")

	// An object: upload, wait until storage confirmed it, download.
	objFile := filepath.Join(t.TempDir(), "hello.txt")
	content := bytes.Repeat([]byte("hello from the browser\n"), 1000)
	require.NoError(t, os.WriteFile(objFile, content, 0o644))
	b.run("spaces", chromedp.Navigate(consoleURL+"/#/spaces"), chromedp.WaitVisible(chromedp.ID("spaces")))
	b.run("personal space", chromedp.Click(chromedp.CSS("#spaces a")), chromedp.WaitVisible(chromedp.ID("object-file")))
	b.run("upload object", chromedp.SetUploadFiles(chromedp.ID("object-file"), []string{objFile}),
		chromedp.Click(chromedp.ID("upload")), waitText("#notice", "Uploaded hello.txt"))
	row := `tr[data-object="hello.txt"]`
	for {
		b.run("refresh", chromedp.Click(chromedp.ID("refresh")))
		// The button is disabled while the list reloads.
		state, err := chromedp.Run(b.ctx, chromedp.Poll[string](fmt.Sprintf(
			`(() => { const s = document.querySelector(%q); return !document.getElementById("refresh").disabled && s ? s.textContent : ""; })()`,
			row+" .object-state"), chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(0)))
		require.NoError(t, err)
		if state == "READY" {
			break
		}
		require.Equal(t, "PENDING", state)
	}
	require.Equal(t, content, b.download("download object", chromedp.Click(chromedp.CSS(row+" button.download"))))

	// A page on another origin may not call the API: its preflight fails.
	evil := clienttest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "<!doctype html><title>elsewhere</title><p>another site</p>")
	})
	b.run("another origin", chromedp.Navigate(evil))
	outcome := b.eval(fmt.Sprintf(`fetch(%q, {headers: {Authorization: "Bearer x"}}).then(r => "answered " + r.status, e => "refused: " + e.name)`,
		s.Info.Functions["jobs"]+"/jobs"))
	require.Equal(t, "refused: TypeError", outcome, "the preflight from another origin fails, so the browser never sends the request")
}

// fetchArtifact gets a job artifact's signed URL as user and its bytes.
func fetchArtifact(t *testing.T, url, token string) []byte {
	t.Helper()
	var signed struct {
		URL string `json:"url"`
	}
	apitest.Do(t, url, token, http.MethodGet, "", nil).Decode(t, http.StatusOK, &signed)
	data := apitest.Send(t, http.MethodGet, signed.URL, nil, nil)
	require.Equal(t, http.StatusOK, data.Status)
	return data.Body
}
