// Package stack assembles valet's local world: the Firestore and Pub/Sub
// emulators, fake-gcs-server behind the signed-URL gate (the only public
// storage endpoint: fake-gcs-server has no listener, and the functions reach
// it only with their credential), the Secret Manager
// emulator, the dev OIDC issuer, every function mounted under /<function>/
// on one server (each built by the production wiring from its deployment
// environment, behind a copy of Cloud Run's front door), the bridge that
// turns storage notifications into the CloudEvents finalize receives, and
// the scheduler that runs the sweep. cmd/valet-dev runs it for `make dev`;
// end-to-end tests start it in process.
package stack

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/pstest"
	"github.com/fsouza/fake-gcs-server/fakestorage"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"valet.dev/valet/emulators/bridge"
	"valet.dev/valet/emulators/contract"
	"valet.dev/valet/emulators/frontdoor"
	"valet.dev/valet/emulators/gate"
	"valet.dev/valet/emulators/gcloud"
	"valet.dev/valet/emulators/iamcredentials"
	"valet.dev/valet/emulators/oidc"
	"valet.dev/valet/emulators/privategcs"
	smemu "valet.dev/valet/emulators/secretmanager"
	"valet.dev/valet/shared/secretmanager"
)

// Ports fixes listening ports; zero picks a free one.
type Ports struct {
	Functions, Console, Storage, Issuer, SecretManager, Firestore, PubSub int
}

// Options configures Start.
type Options struct {
	Ports   Ports
	Project string // default "valet-dev"
	// Firestore is the host:port of a running Firestore emulator to use
	// instead of starting one (tests share one emulator).
	Firestore string
	// InProcessPubSub uses the in-process Pub/Sub fake (pstest) instead of
	// starting the gcloud Pub/Sub emulator.
	InProcessPubSub bool
	// DuplicateEvents and ShuffleEvents put the bridge in its test mode:
	// every storage event twice, in shuffled order.
	DuplicateEvents, ShuffleEvents bool
	// AllowedOrigins are the frontend origins whose browsers may call the
	// buckets (the gate) and the API (jobs, objects, tokens); the console's
	// URL is always the first.
	AllowedOrigins []string
	// StorageDir is where the storage emulator keeps object bytes
	// (fake-gcs-server's filesystem backend), so the process's memory does
	// not hold them; make dev uses .dev/storage. Empty: a temporary
	// directory removed at Stop. Start empties it: the stack's buckets
	// start empty, as its Firestore does.
	StorageDir string
	// SignBlobLatency is added to every answer of the IAM Credentials
	// stand-in, through which the functions sign their URLs as deployed
	// (one signBlob call per URL): the network round trip to IAM.
	SignBlobLatency time.Duration
	// SpaceQuotaBytes is each object space's quota; the objects function's
	// default when zero.
	SpaceQuotaBytes int64
	// SecretManager configures the Secret Manager emulator (its quotas,
	// its clock); the zero value is Google's default quotas and time.Now.
	SecretManager smemu.Options
	// SweepEvery is how often the stack's scheduler runs the sweep, as
	// Cloud Scheduler does: DefaultSweepEvery when zero, never when
	// negative (tests that need determinism call Stack.Sweep).
	SweepEvery  time.Duration
	EmulatorLog io.Writer
	Logger      *slog.Logger
}

// Names of the dev stack's fixed parts.
const (
	DefaultProject = "valet-dev"
	Audience       = "valet-dev"
	StorageTopic   = "valet-storage-events"
	StorageSub     = "valet-finalize-bridge"
	// DefaultSweepEvery is the scheduler's period (Terraform's
	// var.sweep_schedule defaults to five minutes; locally, sooner).
	DefaultSweepEvery = time.Minute
)

// Stack is a running local stack.
type Stack struct {
	Info Info
	// SignerKey signs V4 URLs as Info's signer account; the gate trusts it.
	SignerKey   *rsa.PrivateKey
	SignerEmail string
	Issuer      *oidc.Issuer
	// Storage is the private store behind the gate, reachable in process
	// and, on a loopback port, only with the functions' credential (in
	// STORAGE_EMULATOR_HOST); FakeGCS is the fake-gcs-server inside it.
	Storage *privategcs.Server
	FakeGCS *fakestorage.Server
	// SecretManager is the Secret Manager emulator, for tests that count
	// its calls.
	SecretManager *smemu.Running
	// IAM is the IAM Credentials stand-in the functions sign through
	// (signBlob with SignerKey), for tests that count its calls.
	IAM *iamcredentials.Server

	opts            Options
	consoleListener net.Listener
	iamEndpoint     string                  // VALET_IAM_CREDENTIALS_URL, with its credential
	handlers        map[string]http.Handler // each function as deployed, without its front door
	door            *frontdoor.Door
	contract        *contract.Checker // every function's exchanges against the OpenAPI document
	meters          meters
	mu              sync.Mutex
	stops           []func() // run in reverse order by Stop
	stopped         sync.Once
}

// Start starts every part and returns once each answers its health check.
// On error everything already started is stopped.
func Start(ctx context.Context, opts Options) (_ *Stack, err error) {
	if opts.Project == "" {
		opts.Project = DefaultProject
	}
	if opts.EmulatorLog == nil {
		opts.EmulatorLog = io.Discard
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Stack{opts: opts, meters: meters{invocations: map[string]*atomic.Int64{}}}
	s.onStop(s.meters.firestore.Close) // registered first: closed after every client
	s.startContract()
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()
	s.Info = Info{
		Project:     opts.Project,
		Audience:    Audience,
		Buckets:     Buckets{Jobs: opts.Project + "-jobs", Objects: opts.Project + "-objects"},
		Dispatchers: []string{"dispatcher@" + opts.Project + ".iam.gserviceaccount.com"},
		Scheduler:   "scheduler@" + opts.Project + ".iam.gserviceaccount.com",
		Eventarc:    "trigger@" + opts.Project + ".iam.gserviceaccount.com",
		Functions:   map[string]string{},
	}
	s.SignerEmail = "valet-functions@" + opts.Project + ".iam.gserviceaccount.com"
	if s.SignerKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		return nil, err
	}
	// Each part is started after the ones it needs.
	noCtx := func(start func() error) func(context.Context) error {
		return func(context.Context) error { return start() }
	}
	for _, start := range []func(context.Context) error{
		noCtx(s.reserveConsole), s.startEmulators, s.startStorage, noCtx(s.startSecretManager),
		noCtx(s.startIssuer), noCtx(s.startIAM), s.startFunctions, s.startConsole, s.startBridge,
		func(ctx context.Context) error { return s.WaitHealthy(ctx, 20*time.Second) },
	} {
		if err := start(ctx); err != nil {
			return nil, err
		}
	}
	s.startScheduler()
	return s, nil
}

// Stop stops every part, the last started first. It is safe to call twice.
func (s *Stack) Stop() {
	s.stopped.Do(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		for i := len(s.stops) - 1; i >= 0; i-- {
			s.stops[i]()
		}
	})
}

// onStop registers f to run at Stop; parts started in parallel call it
// concurrently.
func (s *Stack) onStop(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stops = append(s.stops, f)
}

// startEmulators starts (in parallel) the Java emulators the stack needs.
func (s *Stack) startEmulators(ctx context.Context) error {
	var wg sync.WaitGroup
	var fsErr, psErr error
	if s.opts.Firestore == "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var e *gcloud.Emulator
			e, fsErr = gcloud.Start(ctx, gcloud.Firestore, gcloud.Options{Port: s.opts.Ports.Firestore, Log: s.opts.EmulatorLog})
			if fsErr == nil {
				s.Info.Firestore = e.Host
				s.onStop(e.Stop)
			}
		}()
	} else {
		s.Info.Firestore = s.opts.Firestore
	}
	if s.opts.InProcessPubSub {
		srv := pstest.NewServer()
		s.Info.PubSub = srv.Addr
		s.onStop(func() { _ = srv.Close() })
	} else {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var e *gcloud.Emulator
			e, psErr = gcloud.Start(ctx, gcloud.PubSub, gcloud.Options{Port: s.opts.Ports.PubSub, Project: s.opts.Project, Log: s.opts.EmulatorLog})
			if psErr == nil {
				s.Info.PubSub = e.Host
				s.onStop(e.Stop)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(fsErr, psErr); err != nil {
		return err
	}
	// The Firestore client finds the emulator through the standard variable;
	// the dev server owns its process environment.
	return setenv("FIRESTORE_EMULATOR_HOST", s.Info.Firestore)
}

// pubsubClient connects to the stack's Pub/Sub emulator.
func (s *Stack) pubsubClient(ctx context.Context) (*pubsub.Client, error) {
	return pubsub.NewClient(ctx, s.opts.Project,
		option.WithEndpoint(s.Info.PubSub),
		option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
}

// listen opens a loopback listener on port (0: a free one).
func listen(port int) (net.Listener, string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return nil, "", fmt.Errorf("listen on 127.0.0.1:%d: %w", port, err)
	}
	return l, "http://" + l.Addr().String(), nil
}

// serve serves h on l until Stop.
func (s *Stack) serve(l net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	s.onStop(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
}

func (s *Stack) startStorage(ctx context.Context) error {
	client, err := s.pubsubClient(ctx)
	if err != nil {
		return fmt.Errorf("pubsub client: %w", err)
	}
	s.onStop(func() { _ = client.Close() })
	if err := bridge.EnsureTopicAndSubscription(ctx, client, s.opts.Project, StorageTopic, StorageSub); err != nil {
		return fmt.Errorf("storage events topic: %w", err)
	}
	// fake-gcs-server's publisher finds Pub/Sub through the standard
	// variable; the dev server owns its process environment.
	if err := setenv("PUBSUB_EMULATOR_HOST", s.Info.PubSub); err != nil {
		return err
	}
	// The gate is the only storage endpoint: fake-gcs-server has no
	// listener, and its links name the gate, which refuses them unsigned.
	l, url, err := listen(s.opts.Ports.Storage)
	if err != nil {
		return err
	}
	gateHost := l.Addr().String()
	root, err := s.storageRoot()
	if err != nil {
		l.Close()
		return err
	}
	fake, err := fakestorage.NewServerWithOptions(fakestorage.Options{
		Scheme:      "http",
		NoListener:  true,
		PublicHost:  gateHost,
		StorageRoot: root,
		EventOptions: fakestorage.EventManagerOptions{
			ProjectID: s.opts.Project,
			TopicName: StorageTopic,
			NotifyOn:  fakestorage.EventNotificationOptions{Finalize: true},
		},
		Writer: s.opts.EmulatorLog,
	})
	if err != nil {
		l.Close()
		return fmt.Errorf("fake-gcs-server: %w", err)
	}
	s.FakeGCS = fake
	s.onStop(fake.Stop)
	for _, b := range []string{s.Info.Buckets.Jobs, s.Info.Buckets.Objects} {
		fake.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: b})
	}
	if s.Storage, err = privategcs.Wrap(fake); err != nil {
		l.Close()
		return err
	}
	// The functions reach storage as deployed, with the client library,
	// through STORAGE_EMULATOR_HOST (the dev server owns its process
	// environment), which carries their credential: the store refuses
	// anything else on that port.
	fl, _, err := listen(0)
	if err != nil {
		l.Close()
		return err
	}
	emulatorHost, stopStore := s.Storage.Serve(fl)
	s.onStop(stopStore)
	if err := setenv("STORAGE_EMULATOR_HOST", emulatorHost); err != nil {
		l.Close()
		return err
	}
	g, err := gate.New(gate.Options{
		Upstream:       "http://" + gateHost,
		Transport:      s.Storage.Transport(),
		Keys:           map[string]*rsa.PublicKey{s.SignerEmail: &s.SignerKey.PublicKey},
		AllowedOrigins: s.opts.AllowedOrigins,
	})
	if err != nil {
		l.Close()
		return fmt.Errorf("gate: %w", err)
	}
	s.Info.Storage = url
	s.serve(l, g)
	return nil
}

// storageRoot is the empty directory the storage emulator keeps its
// objects in: Options.StorageDir emptied, or a temporary directory
// removed at Stop.
func (s *Stack) storageRoot() (string, error) {
	if s.opts.StorageDir == "" {
		dir, err := os.MkdirTemp("", "valet-storage-")
		if err != nil {
			return "", err
		}
		s.onStop(func() { _ = os.RemoveAll(dir) })
		return dir, nil
	}
	if err := os.RemoveAll(s.opts.StorageDir); err != nil {
		return "", fmt.Errorf("emptying the storage directory: %w", err)
	}
	if err := os.MkdirAll(s.opts.StorageDir, 0o700); err != nil {
		return "", fmt.Errorf("storage directory: %w", err)
	}
	return s.opts.StorageDir, nil
}

func (s *Stack) startSecretManager() error {
	r, err := smemu.Start("127.0.0.1:"+strconv.Itoa(s.opts.Ports.SecretManager), s.opts.SecretManager)
	if err != nil {
		return fmt.Errorf("secret manager emulator: %w", err)
	}
	s.SecretManager = r
	s.Info.SecretManager = r.Addr
	s.onStop(r.Stop)
	return setenv(secretmanager.EmulatorHostEnv, r.Addr)
}

// CLIRedirectURI is the loopback redirect the dev issuer accepts, on any
// port, for the valet CLI's login (client id Audience).
const CLIRedirectURI = "http://127.0.0.1/callback"

func (s *Stack) startIssuer() error {
	l, url, err := listen(s.opts.Ports.Issuer)
	if err != nil {
		return err
	}
	iss, err := oidc.New(oidc.Options{Issuer: url, DefaultAudience: Audience})
	if err != nil {
		return fmt.Errorf("dev issuer: %w", err)
	}
	// The CLI's `valet login` runs the code flow with a loopback redirect
	// on any port (RFC 8252), as a desktop app's client does at Google.
	iss.RegisterClient(Audience, CLIRedirectURI)
	s.Issuer = iss
	s.Info.Issuer = url
	s.serve(l, iss)
	return nil
}

// startIAM starts the IAM Credentials stand-in, signing as the signer
// account with SignerKey, on a loopback port that demands a per-run
// credential (the functions find it in VALET_IAM_CREDENTIALS_URL).
func (s *Stack) startIAM() error {
	l, _, err := listen(0)
	if err != nil {
		return err
	}
	s.IAM = iamcredentials.New(iamcredentials.Options{
		Keys:    map[string]*rsa.PrivateKey{s.SignerEmail: s.SignerKey},
		Latency: s.opts.SignBlobLatency,
	})
	endpoint, stop := s.IAM.Serve(l)
	s.iamEndpoint = endpoint
	s.onStop(stop)
	return nil
}

func (s *Stack) startBridge(ctx context.Context) error {
	client, err := s.pubsubClient(ctx)
	if err != nil {
		return fmt.Errorf("pubsub client: %w", err)
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		err := bridge.Run(ctx, bridge.Options{
			Client:       client,
			Subscription: StorageSub,
			Target:       s.Info.Functions["finalize"],
			// Eventarc calls finalize with the trigger account's ID token
			// in Authorization; finalize's front door checks it.
			HTTPClient: &http.Client{Transport: s.delivered(s.bearer("finalize", "Authorization"))},
			Duplicate:  s.opts.DuplicateEvents,
			Shuffle:    s.opts.ShuffleEvents,
			Logger:     s.opts.Logger,
		})
		if err != nil && ctx.Err() == nil {
			s.opts.Logger.Error("event bridge stopped", "error", err)
		}
	}()
	s.onStop(func() { cancel(); <-done; _ = client.Close() })
	return nil
}
