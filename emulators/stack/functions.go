package stack

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"strings"

	smapi "cloud.google.com/go/secretmanager/apiv1"
	"cloud.google.com/go/storage"

	"valet.dev/valet/functions/console"
	"valet.dev/valet/functions/dispatch"
	"valet.dev/valet/functions/finalize"
	"valet.dev/valet/functions/jobs"
	"valet.dev/valet/functions/objects"
	"valet.dev/valet/functions/sweep"
	"valet.dev/valet/functions/tokens"
	"valet.dev/valet/shared/apitoken"
	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/custody"
	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/gcs"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/jobtoken"
	"valet.dev/valet/shared/secretmanager"
	"valet.dev/valet/shared/signer"
	"valet.dev/valet/shared/workflow"
)

// FunctionNames lists every function of the stack: the dev server mounts
// all but the console, which has a listener (an origin) of its own.
var FunctionNames = []string{jobs.Name, objects.Name, tokens.Name, dispatch.Name, finalize.Name, sweep.Name, console.Name}

// Handlers builds every function's handler for this stack, with the same
// verifiers, signer and stores production uses, pointed at the emulators.
func (s *Stack) Handlers(ctx context.Context) (map[string]http.Handler, error) {
	fsClient, err := valetfs.NewClient(ctx, s.opts.Project)
	if err != nil {
		return nil, fmt.Errorf("firestore client: %w", err)
	}
	s.onStop(func() { _ = fsClient.Close() })
	store := valetfs.NewJobStore(fsClient)
	sign, err := signer.New(signer.Options{
		GoogleAccessID: s.SignerEmail,
		PrivateKey:     pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(s.SignerKey)}),
		Hostname:       strings.TrimPrefix(s.Info.Storage, "http://"),
		Insecure:       true,
	})
	if err != nil {
		return nil, fmt.Errorf("signer: %w", err)
	}
	users, err := s.UserVerifier(ctx)
	if err != nil {
		return nil, err
	}
	dispatchers, err := s.ServiceVerifier(ctx, s.Info.Functions[dispatch.Name], s.Info.Dispatchers)
	if err != nil {
		return nil, err
	}
	scheduler, err := s.ServiceVerifier(ctx, s.Info.Functions[sweep.Name], []string{s.Info.Scheduler})
	if err != nil {
		return nil, err
	}
	storageClient, err := storage.NewClient(ctx) // STORAGE_EMULATOR_HOST, as deployed functions are configured
	if err != nil {
		return nil, fmt.Errorf("storage client: %w", err)
	}
	s.onStop(func() { _ = storageClient.Close() })
	objectStore := gcs.New(storageClient)
	projects := valetfs.NewProjectStore(fsClient)
	apiTokens := apitoken.NewStore(fsClient, apitoken.Options{})
	sm, err := secretmanager.NewClient(ctx, secretmanager.EmulatorOptions(s.Info.SecretManager)...)
	if err != nil {
		return nil, fmt.Errorf("secret manager client: %w", err)
	}
	s.onStop(func() { _ = sm.Close() })
	workflowKeys, err := s.workflowKeys(ctx, sm)
	if err != nil {
		return nil, err
	}
	secrets := custody.New(sm, s.opts.Project)
	jobTokens := jobtoken.NewVerifier(workflowKeys, s.TokenIssuer(), store.Get, nil)
	userAuthn := &identity.Authenticator{Users: users, APITokens: apiTokens, Jobs: jobTokens}
	userAuth := userAuthn.Authenticate
	bucket := s.Info.Buckets.Jobs

	minter := workflow.NewMinter(workflowKeys, workflow.MinterOptions{Issuer: s.TokenIssuer(), Audience: WorkflowAudience})
	fin, err := finalize.New(finalize.Options{Store: store, Objects: objectStore, Bucket: bucket, Secrets: secrets, Workflow: minter,
		ObjectStore: valetfs.NewObjectStore(fsClient), ObjectsBucket: s.Info.Buckets.Objects}).HTTP(ctx)
	if err != nil {
		return nil, err
	}
	return map[string]http.Handler{
		jobs.Name: jobs.New(jobs.Options{Store: store, Signer: sign, Bucket: bucket, Authenticate: userAuth,
			VerifyRuntime: userAuthn.Verify, Projects: projects, Secrets: secrets, AllowedOrigins: s.opts.AllowedOrigins}),
		objects.Name: objects.New(objects.Options{Objects: valetfs.NewObjectStore(fsClient), Projects: projects,
			Storage: objectStore, Signer: sign, Bucket: s.Info.Buckets.Objects, QuotaBytes: s.opts.SpaceQuotaBytes, Authenticate: userAuth,
			AllowedOrigins: s.opts.AllowedOrigins}),
		tokens.Name: tokens.New(tokens.Options{Tokens: apiTokens, Authenticate: userAuth, JWKS: workflowKeys.JWKS, AllowedOrigins: s.opts.AllowedOrigins}),
		dispatch.Name: dispatch.New(dispatch.Options{Store: store, Signer: sign, Bucket: bucket, Secrets: secrets,
			Workflow:     workflow.NewMinter(workflowKeys, workflow.MinterOptions{Issuer: s.TokenIssuer(), Audience: WorkflowAudience}),
			JobTokens:    jobtoken.NewIssuer(workflowKeys, s.TokenIssuer(), nil),
			Authenticate: (&identity.Authenticator{Services: dispatchers}).Authenticate}),
		sweep.Name: sweep.New(sweep.Options{Store: store, Objects: objectStore, Secrets: secrets, Bucket: bucket,
			ObjectStore: valetfs.NewObjectStore(fsClient), ObjectsBucket: s.Info.Buckets.Objects, Projects: projects,
			Authenticate: (&identity.Authenticator{Services: scheduler}).Authenticate}),
		finalize.Name: fin,
	}, nil
}

// Mount serves each handler under /<name>/ with the prefix stripped, so each
// function sees the paths it would see deployed alone.
func Mount(handlers map[string]http.Handler) http.Handler {
	mux := http.NewServeMux()
	for name, h := range handlers {
		prefix := "/" + name
		mux.Handle(prefix+"/", http.StripPrefix(prefix, h))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		// WriteError marshals the message, so any path (quotes,
		// backslashes, control characters, invalid UTF-8) gives valid JSON.
		httpapi.WriteError(w, r, apperr.E(apperr.NotFound, "no function at %q; functions are mounted at /<name>/ (%s)",
			r.URL.Path, strings.Join(FunctionNames, ", ")))
	})
	return mux
}

func (s *Stack) startFunctions(ctx context.Context) error {
	l, url, err := listen(s.opts.Ports.Functions)
	if err != nil {
		return err
	}
	for _, name := range FunctionNames {
		if name != console.Name {
			s.Info.Functions[name] = url + "/" + name
		}
	}
	handlers, err := s.Handlers(ctx)
	if err != nil {
		l.Close()
		return err
	}
	s.serve(l, Mount(handlers))
	return nil
}

// workflowKeys is the workflow-token signing key in the Secret Manager
// emulator, rotated once so the JWKS has a key from the start.
func (s *Stack) workflowKeys(ctx context.Context, sm *smapi.Client) (*workflow.KeyStore, error) {
	keys := workflow.NewKeyStore(sm, s.opts.Project, "")
	if _, err := keys.Rotate(ctx); err != nil {
		return nil, fmt.Errorf("workflow signing key: %w", err)
	}
	return keys, nil
}

// WorkflowAudience is the aud of the dev stack's workflow tokens.
const WorkflowAudience = "valet-workflow"

// TokenIssuer is the iss of the stack's workflow and job tokens: the
// tokens function, whose JWKS verifies them.
func (s *Stack) TokenIssuer() string { return s.Info.Functions[tokens.Name] }
