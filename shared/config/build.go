package config

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"

	"cloud.google.com/go/firestore"
	smapi "cloud.google.com/go/secretmanager/apiv1"
	"google.golang.org/api/option"

	"valet.dev/valet/shared/apitoken"
	"valet.dev/valet/shared/audit"
	"valet.dev/valet/shared/authn"
	"valet.dev/valet/shared/custody"
	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/gcs"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/jobtoken"
	"valet.dev/valet/shared/migrate"
	"valet.dev/valet/shared/object"
	"valet.dev/valet/shared/project"
	"valet.dev/valet/shared/secretmanager"
	"valet.dev/valet/shared/signer"
)

// Deps are the clients a function is built from. Each is made on first use
// by its method, so a function only builds (and can only fail on) what it
// uses.
type Deps struct {
	Env       Env
	firestore *firestore.Client
	meters    Meters

	smOnce sync.Once
	sm     *smapi.Client
	smErr  error

	keysMu sync.Mutex
	keys   *secretmanager.SigningKeys
}

// Meters count what a function spends of Google's services, for the local
// stack's capacity model (docs/capacity.md); a deployment sets none.
type Meters struct {
	// Firestore counts the Firestore client's billed operations.
	Firestore *valetfs.Meter
	// OnSign is called after each URL signature (an IAM signBlob call
	// when deployed).
	OnSign func()
}

// Build connects to Firestore (the emulator when FIRESTORE_EMULATOR_HOST is
// set) for env's project and database.
func Build(ctx context.Context, env Env) (*Deps, error) {
	return BuildMetered(ctx, env, Meters{})
}

// BuildMetered is Build with m counting what the function's clients spend.
func BuildMetered(ctx context.Context, env Env, m Meters) (*Deps, error) {
	var opts []option.ClientOption
	if m.Firestore != nil {
		var err error
		if opts, err = m.Firestore.ClientOptions(); err != nil {
			return nil, fmt.Errorf("config: firestore meter: %w", err)
		}
	}
	fs, err := valetfs.NewDatabaseClient(ctx, env.Project, cmp.Or(env.Database, DefaultDatabase), opts...)
	if err != nil {
		return nil, fmt.Errorf("config: firestore: %w", err)
	}
	return &Deps{Env: env, firestore: fs, meters: m}, nil
}

// FromEnvironment is Build(Load(os.Getenv)).
func FromEnvironment(ctx context.Context) (*Deps, error) {
	env, err := Load(os.Getenv)
	if err != nil {
		return nil, err
	}
	return Build(ctx, env)
}

// Jobs is the Firestore job store.
func (d *Deps) Jobs() job.Store { return valetfs.NewJobStore(d.firestore) }

// Projects is the Firestore project store.
func (d *Deps) Projects() project.Store { return valetfs.NewProjectStore(d.firestore) }

// Migrations runs the schema migrations of package migrate on the
// database.
func (d *Deps) Migrations() *migrate.Runner { return migrate.New(d.firestore) }

// AuditStore is the Firestore copy of the audit trail.
func (d *Deps) AuditStore() audit.Log { return valetfs.NewAuditStore(d.firestore) }

// Audit writes audit entries: to stdout (the audit log) and to AuditStore,
// kept VALET_AUDIT_RETENTION_DAYS.
func (d *Deps) Audit() *audit.Writer {
	return audit.New(audit.Options{
		ProjectID: d.Env.Project, Store: d.AuditStore(),
		Retention: time.Duration(d.Env.AuditRetentionDays) * 24 * time.Hour,
	})
}

// ObjectStore is the Firestore store of shared objects' metadata.
func (d *Deps) ObjectStore() object.Store { return valetfs.NewObjectStore(d.firestore) }

// Custody keeps the jobs' runtime and workflow tokens in Secret Manager.
func (d *Deps) Custody(ctx context.Context) (custody.Store, error) {
	sm, err := d.secretManager(ctx)
	if err != nil {
		return nil, err
	}
	return secretmanager.NewJobSecrets(sm, d.Env.Project), nil
}

// Signer signs V4 URLs with VALET_SIGNER_KEY_FILE when set, otherwise as the
// runtime's service account through IAM signBlob (at
// VALET_IAM_CREDENTIALS_URL when set: the local stack's stand-in). The URLs
// point at VALET_SIGNED_URL_BASE when set (the local stack's gate).
func (d *Deps) Signer(ctx context.Context) (*signer.Signer, error) {
	opts := signer.Options{GoogleAccessID: d.Env.SignerEmail, OnSign: d.meters.OnSign}
	if d.Env.SignedURLBase != "" {
		u, err := url.Parse(d.Env.SignedURLBase)
		if err != nil {
			return nil, fmt.Errorf("config: %s: %w", EnvSignedURLBase, err)
		}
		opts.Hostname, opts.Insecure = u.Host, u.Scheme == "http"
	}
	if d.Env.SignerKeyFile != "" {
		key, err := os.ReadFile(d.Env.SignerKeyFile)
		if err != nil {
			return nil, fmt.Errorf("config: %s: %w", EnvSignerKeyFile, err)
		}
		opts.PrivateKey = key
	}
	iamOpts, err := d.iamOptions()
	if err != nil {
		return nil, err
	}
	return signer.NewFromEnvironment(ctx, opts, iamOpts...)
}

// iamOptions point the IAM Credentials client at VALET_IAM_CREDENTIALS_URL,
// sending the credential its user info carries; none when it is unset.
func (d *Deps) iamOptions() ([]option.ClientOption, error) {
	if d.Env.IAMCredentialsURL == "" {
		return nil, nil
	}
	u, err := url.Parse(d.Env.IAMCredentialsURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("config: %s must be scheme://[user:secret@]host:port", EnvIAMCredentials)
	}
	transport := http.DefaultTransport
	if u.User != nil {
		pass, _ := u.User.Password()
		transport = basicAuth{user: u.User.Username(), pass: pass, next: transport}
	}
	endpoint := url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/"}
	return []option.ClientOption{option.WithEndpoint(endpoint.String()), option.WithHTTPClient(&http.Client{Transport: transport})}, nil
}

// basicAuth sends HTTP Basic credentials with every request.
type basicAuth struct {
	user, pass string
	next       http.RoundTripper
}

func (b basicAuth) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.SetBasicAuth(b.user, b.pass)
	return b.next.RoundTrip(r)
}

// Objects deletes objects in Cloud Storage (STORAGE_EMULATOR_HOST honoured
// by the client).
func (d *Deps) Objects(ctx context.Context) (*gcs.Client, error) {
	c, err := gcs.NewClient(ctx)
	if err != nil {
		return nil, fmt.Errorf("config: storage: %w", err)
	}
	return c, nil
}

// UserAuth authenticates users with ID tokens of VALET_USER_ISSUERS or
// valet API tokens.
func (d *Deps) UserAuth(ctx context.Context) (func(*http.Request) (identity.Principal, error), error) {
	a, err := d.UserAuthenticator(ctx)
	if err != nil {
		return nil, err
	}
	return a.Authenticate, nil
}

// UserAuthenticator accepts ID tokens of VALET_USER_ISSUERS, valet API
// tokens and job tokens; its Verify checks bare tokens (runtime tokens).
func (d *Deps) UserAuthenticator(ctx context.Context) (*identity.Authenticator, error) {
	if err := d.Env.needUsers(); err != nil {
		return nil, err
	}
	users, err := authn.NewUserVerifier(ctx, authn.UserVerifierOptions{Issuers: d.Env.UserIssuers})
	if err != nil {
		return nil, fmt.Errorf("config: user verifier: %w", err)
	}
	jobs, err := d.JobTokens(ctx)
	if err != nil {
		return nil, err
	}
	return &identity.Authenticator{Users: users, APITokens: d.APITokens(), Jobs: jobs}, nil
}

// WorkflowMinter mints workflow tokens (iss VALET_TOKEN_ISSUER, aud
// VALET_WORKFLOW_AUDIENCE) with the workflow signing key.
func (d *Deps) WorkflowMinter(ctx context.Context) (*jobtoken.WorkflowMinter, error) {
	keys, err := d.WorkflowKeys(ctx)
	if err != nil {
		return nil, err
	}
	return jobtoken.NewWorkflowMinter(keys, jobtoken.WorkflowOptions{Issuer: d.Env.TokenIssuer, Audience: d.Env.WorkflowAudience}), nil
}

// JobTokenIssuer mints the per-epoch job tokens.
func (d *Deps) JobTokenIssuer(ctx context.Context) (*jobtoken.Issuer, error) {
	keys, err := d.WorkflowKeys(ctx)
	if err != nil {
		return nil, err
	}
	return jobtoken.NewIssuer(keys, d.Env.TokenIssuer, nil), nil
}

// JobTokens verifies the per-epoch job tokens running jobs call with.
func (d *Deps) JobTokens(ctx context.Context) (*jobtoken.Verifier, error) {
	keys, err := d.WorkflowKeys(ctx)
	if err != nil {
		return nil, err
	}
	return jobtoken.NewVerifier(keys, d.Env.TokenIssuer, d.Jobs().Get, nil), nil
}

// APITokens are valet's API tokens, kept in Firestore; they also verify
// them.
func (d *Deps) APITokens() *apitoken.Tokens {
	return apitoken.New(valetfs.NewTokenStore(d.firestore), apitoken.Options{})
}

// WorkflowKeys is the workflow-token signing key in Secret Manager
// (VALET_WORKFLOW_KEY_SECRET): one SigningKeys per function instance,
// shared by minting, signing job tokens and verifying them, so an
// instance lists the key's versions at most once a secretmanager.KeyCacheTTL
// (a Secret Manager read request; see docs/capacity.md), not once per
// user of the key.
func (d *Deps) WorkflowKeys(ctx context.Context) (*secretmanager.SigningKeys, error) {
	d.keysMu.Lock()
	defer d.keysMu.Unlock()
	if d.keys != nil {
		return d.keys, nil
	}
	sm, err := d.secretManager(ctx)
	if err != nil {
		return nil, err
	}
	d.keys = secretmanager.NewSigningKeys(sm, d.Env.Project, d.Env.WorkflowKeySecret)
	return d.keys, nil
}

// secretManager is the Secret Manager client, made on first use and
// shared (SECRET_MANAGER_EMULATOR_HOST honoured).
func (d *Deps) secretManager(ctx context.Context) (*smapi.Client, error) {
	d.smOnce.Do(func() {
		d.sm, d.smErr = secretmanager.NewClient(ctx)
		if d.smErr != nil {
			d.smErr = fmt.Errorf("config: secret manager: %w", d.smErr)
		}
	})
	return d.sm, d.smErr
}

// ServiceAuth authenticates the allow-listed service accounts with
// Google-signed ID tokens whose audience is VALET_FUNCTION_URL. stripped
// says whether a token whose signature Cloud Run's front door removed is
// refused (dispatch: callers send the front door's token in
// X-Serverless-Authorization and a signed one in Authorization) or
// accepted on its claims (sweep: Cloud Scheduler can only use
// Authorization). It returns the builder Need takes.
func (d *Deps) ServiceAuth(stripped authn.StrippedTokens) func(context.Context) (func(*http.Request) (identity.Principal, error), error) {
	return func(ctx context.Context) (func(*http.Request) (identity.Principal, error), error) {
		return d.serviceAuth(ctx, stripped)
	}
}

func (d *Deps) serviceAuth(ctx context.Context, stripped authn.StrippedTokens) (func(*http.Request) (identity.Principal, error), error) {
	if err := d.Env.needServices(); err != nil {
		return nil, err
	}
	// VALET_SERVICE_JWKS_URL (the local stack's dev issuer) stands in for
	// Google's keys, so the production verifier runs unchanged.
	v, err := authn.NewValidator(ctx, d.Env.ServiceJWKSURL)
	if err != nil {
		return nil, fmt.Errorf("config: idtoken validator: %w", err)
	}
	// Empty ServiceIssuers means authn.DefaultServiceIssuers (Google's).
	services, err := authn.NewServiceVerifier(authn.ServiceVerifierOptions{
		Validator: v, Audience: d.Env.FunctionURL, Issuers: d.Env.ServiceIssuers,
		AllowedEmails: d.Env.AllowedServiceAccounts, Stripped: stripped,
	})
	if err != nil {
		return nil, fmt.Errorf("config: service verifier: %w", err)
	}
	return (&identity.Authenticator{Services: services}).Authenticate, nil
}

// Close closes the clients Deps made. A deployed function never calls it;
// the local stack does when it stops.
func (d *Deps) Close() {
	_ = d.firestore.Close()
	if d.sm != nil {
		_ = d.sm.Close()
	}
}

// Deployed is what Register registers with functions-framework:
// on the first request it builds the function with deploy from the
// environment Terraform sets (FromEnvironment), with httpapi.Lazy's answer
// (503, the cause logged) when that fails. The local stack calls the same
// deploy with a Deps built from its own environment.
func Deployed(name string, deploy func(context.Context, *Deps) (http.Handler, error)) http.HandlerFunc {
	return httpapi.Lazy(name, func(ctx context.Context) (http.Handler, error) {
		d, err := FromEnvironment(ctx)
		if err != nil {
			return nil, err
		}
		return deploy(ctx, d)
	})
}
