// Package gcloud starts and stops the Google Cloud SDK's Java emulators
// (Firestore and Pub/Sub) for the dev stack and the tests: on a free port
// unless one is given, waited for until they print that they listen and
// their port answers (so a server that took the port first is never
// mistaken for them), each in its own process
// group so that stopping it leaves nothing behind (the gcloud wrapper does
// not stop its Java child when it is killed alone).
package gcloud

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Kind names an emulator.
type Kind string

// The emulators valet uses.
const (
	Firestore Kind = "firestore"
	PubSub    Kind = "pubsub"
)

// EnvVar is the environment variable Google's client libraries read to find
// the emulator of kind.
func (k Kind) EnvVar() string {
	switch k {
	case Firestore:
		return "FIRESTORE_EMULATOR_HOST"
	case PubSub:
		return "PUBSUB_EMULATOR_HOST"
	}
	return ""
}

// component is the gcloud component that ships the emulator.
func (k Kind) component() string {
	if k == Firestore {
		return "cloud-firestore-emulator"
	}
	return "pubsub-emulator"
}

func (k Kind) args(hostPort, project string) []string {
	if k == Firestore {
		return []string{"emulators", "firestore", "start", "--host-port=" + hostPort, "--quiet"}
	}
	return []string{"beta", "emulators", "pubsub", "start", "--host-port=" + hostPort, "--project=" + project, "--quiet"}
}

// Options configures Start.
type Options struct {
	Port    int           // 0 picks a free port
	Project string        // Pub/Sub project id; default "valet-dev"
	Log     io.Writer     // the emulator's output; default discarded
	Timeout time.Duration // how long to wait for it to answer; default 60s
}

// Emulator is a running emulator.
type Emulator struct {
	Kind Kind
	Host string // host:port, the value of Kind.EnvVar()
	cmd  *exec.Cmd
	done chan struct{}
}

// ErrMissing is returned (wrapped, with what to install) when gcloud, Java or
// the emulator component is not on this machine.
var ErrMissing = errors.New("emulator prerequisites missing")

// Check reports, with what to install, whether kind can start here.
func Check(kind Kind) error {
	gcloud, err := exec.LookPath("gcloud")
	if err != nil {
		return fmt.Errorf("%w: gcloud is not on PATH; install the Google Cloud SDK (https://cloud.google.com/sdk/docs/install) with the %s component", ErrMissing, kind.component())
	}
	if _, err := exec.LookPath("java"); err != nil {
		return fmt.Errorf("%w: java is not on PATH; the %s emulator needs a Java 11+ runtime (Debian: apt-get install openjdk-17-jre-headless)", ErrMissing, kind)
	}
	if dir := sdkRoot(gcloud); dir != "" {
		if _, err := os.Stat(filepath.Join(dir, "platform", kind.component())); err != nil {
			return fmt.Errorf("%w: the gcloud component %s is not installed; run: gcloud components install %s (or apt-get install google-cloud-cli-%s)", ErrMissing, kind.component(), kind.component(), strings.TrimPrefix(kind.component(), "cloud-"))
		}
	}
	return nil
}

// sdkRoot finds the SDK's root from the gcloud binary, or "" if unsure.
func sdkRoot(gcloud string) string {
	real, err := filepath.EvalSymlinks(gcloud)
	if err != nil {
		return ""
	}
	for _, dir := range []string{filepath.Join(filepath.Dir(real), ".."), filepath.Join(filepath.Dir(real), "..", "lib", "google-cloud-sdk")} {
		if _, err := os.Stat(filepath.Join(dir, "platform")); err == nil {
			return filepath.Clean(dir)
		}
	}
	return ""
}

// Start starts an emulator and returns once it answers HTTP. On a port it
// picked itself (Options.Port 0) it tries up to three ports: the port
// FreePort found can be taken before the emulator binds it.
func Start(ctx context.Context, kind Kind, opts Options) (*Emulator, error) {
	if err := Check(kind); err != nil {
		return nil, err
	}
	if opts.Project == "" {
		opts.Project = "valet-dev"
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if opts.Timeout == 0 {
		opts.Timeout = 60 * time.Second
	}
	for attempt := 1; ; attempt++ {
		port := opts.Port
		if port == 0 {
			p, err := freePort()
			if err != nil {
				return nil, err
			}
			port = p
		}
		e, err := start(ctx, kind, opts, "127.0.0.1:"+strconv.Itoa(port))
		if opts.Port != 0 || attempt == 3 || !errors.Is(err, errExited) {
			return e, err
		}
	}
}

// freePort is FreePort; tests replace it.
var freePort = FreePort

// errExited is the error of an emulator that exited before it answered
// (on a port taken meanwhile, among other reasons).
var errExited = errors.New("exited before answering")

// start starts the emulator of kind on host and waits until it is ready.
func start(ctx context.Context, kind Kind, opts Options, host string) (*Emulator, error) {
	ready := newReadyWatch(opts.Log, kind.readyLine())
	cmd := exec.Command("gcloud", kind.args(host, opts.Project)...)
	cmd.Stdout, cmd.Stderr = ready, ready
	// Its own process group, so Stop reaches the Java child too; and a
	// death signal so the wrapper does not outlive a crashed parent.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s emulator: %w", kind, err)
	}
	e := &Emulator{Kind: kind, Host: host, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(e.done) }()
	if err := e.waitReady(ctx, ready.seen, opts.Timeout); err != nil {
		e.Stop()
		return nil, err
	}
	return e, nil
}

// waitReady waits until the emulator has said it listens (seen closed) and
// its port answers 200.
func (e *Emulator) waitReady(ctx context.Context, seen <-chan struct{}, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: time.Second}
	for {
		select {
		case <-seen:
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+e.Host+"/", nil)
			if resp, err := client.Do(req); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return nil
				}
			}
		default:
		}
		select {
		case <-e.done:
			return fmt.Errorf("%s emulator %w on %s; see its log", e.Kind, errExited, e.Host)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s emulator did not answer on %s within %s", e.Kind, e.Host, timeout)
		}
	}
}

// PGID is the emulator's process group id.
func (e *Emulator) PGID() int { return e.cmd.Process.Pid }

// Stop terminates the emulator's whole process group, waiting up to 10s
// before killing it.
func (e *Emulator) Stop() {
	StopGroup(e.PGID(), e.done)
}

// StopGroup sends SIGTERM to process group pgid, then SIGKILL if the group's
// leader has not exited (done closed) within 10s or members remain.
func StopGroup(pgid int, done <-chan struct{}) {
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
	}
	// The Java child may outlive the wrapper: make sure the group is gone.
	for i := 0; i < 50 && syscall.Kill(-pgid, 0) == nil; i++ {
		if i == 20 {
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
}

// FreePort asks the kernel for a free loopback port.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
