// Package config builds a deployed function's dependencies from its
// environment: the variables Terraform sets on each Cloud Function. Load is
// pure and says which variable is missing or malformed; Build turns the
// result into clients (Firestore, Cloud Storage, the V4 signer through IAM
// signBlob) and verifiers (OIDC users, Google service accounts).
//
// # Variables
//
//	GOOGLE_CLOUD_PROJECT            project id (required)
//	VALET_FIRESTORE_DATABASE        the Firestore database id (default "(default)"; a restored one, docs/operations.md)
//	VALET_JOBS_BUCKET               the jobs bucket (required)
//	VALET_OBJECTS_BUCKET            the objects bucket
//	VALET_USER_ISSUERS              JSON [{"url","audiences":[...],"jwksUrl"?,"clientIds"?:[...]}] of user OIDC issuers;
//	                                clientIds are the accepted azp (default: the audiences for Google)
//	VALET_FUNCTION_URL              this function's URL: the audience of service tokens
//	VALET_ALLOWED_SERVICE_ACCOUNTS  comma-separated emails allowed to call this function
//	VALET_SIGNER_EMAIL              signing service account (default: the runtime's own)
//	VALET_SIGNER_KEY_FILE           PEM private key for local runs (default: IAM signBlob)
//	VALET_WORKFLOW_KEY_SECRET       Secret Manager secret of the workflow signing key (default valet-workflow-signing-key)
//	VALET_TOKEN_ISSUER              iss of workflow and job tokens, e.g. the tokens function's URL (default "valet")
//	VALET_WORKFLOW_AUDIENCE         aud of workflow tokens, e.g. the copy-offload service (default "valet-workflow")
//	VALET_SPACE_QUOTA_BYTES         each space's byte quota, pending uploads included (default 10 GiB)
//	VALET_ALLOWED_ORIGINS           comma-separated frontend origins (https://host[:port]) whose browsers may call jobs, objects and tokens (CORS); none by default
//	VALET_AUDIT_RETENTION_DAYS      days the Firestore copy of an audit entry is kept (default 400; shared/audit)
//
// The local stack sets four more, which a deployment leaves unset:
//
//	VALET_SIGNED_URL_BASE           scheme://host[:port] signed URLs point at (default https://storage.googleapis.com)
//	VALET_IAM_CREDENTIALS_URL       http://user:secret@host:port of the IAM Credentials stand-in signBlob calls go to (default Google's, with the runtime's credentials)
//	VALET_SERVICE_ISSUERS           comma-separated iss of service-account ID tokens (default Google's)
//	VALET_SERVICE_JWKS_URL          where their signing keys are (default Google's certs)
//
// The emulators are reached as the client libraries do, through
// FIRESTORE_EMULATOR_HOST, STORAGE_EMULATOR_HOST and
// SECRET_MANAGER_EMULATOR_HOST.
package config

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"valet.dev/valet/shared/authn"
	"valet.dev/valet/shared/httpapi"
)

// Env is a function's configuration as read from its environment.
type Env struct {
	Project                string
	Database               string
	JobsBucket             string
	ObjectsBucket          string
	UserIssuers            []authn.IssuerConfig
	FunctionURL            string
	AllowedServiceAccounts []string
	SignerEmail            string
	SignerKeyFile          string
	WorkflowKeySecret      string
	TokenIssuer            string
	WorkflowAudience       string
	SpaceQuotaBytes        int64
	AllowedOrigins         []string
	AuditRetentionDays     int
	SignedURLBase          string
	IAMCredentialsURL      string
	ServiceIssuers         []string
	ServiceJWKSURL         string
}

// Defaults of the optional variables.
const (
	DefaultTokenIssuer      = "valet"
	DefaultWorkflowAudience = "valet-workflow"
	DefaultDatabase         = "(default)"
)

// The environment variables Load reads.
const (
	EnvProject         = "GOOGLE_CLOUD_PROJECT"
	EnvDatabase        = "VALET_FIRESTORE_DATABASE"
	EnvJobsBucket      = "VALET_JOBS_BUCKET"
	EnvObjectsBucket   = "VALET_OBJECTS_BUCKET"
	EnvUserIssuers     = "VALET_USER_ISSUERS"
	EnvFunctionURL     = "VALET_FUNCTION_URL"
	EnvServiceAccounts = "VALET_ALLOWED_SERVICE_ACCOUNTS"
	EnvSignerEmail     = "VALET_SIGNER_EMAIL"
	EnvSignerKeyFile   = "VALET_SIGNER_KEY_FILE"
	EnvWorkflowKey     = "VALET_WORKFLOW_KEY_SECRET"
	EnvTokenIssuer     = "VALET_TOKEN_ISSUER"
	EnvWorkflowAud     = "VALET_WORKFLOW_AUDIENCE"
	EnvSpaceQuota      = "VALET_SPACE_QUOTA_BYTES"
	EnvAllowedOrigins  = "VALET_ALLOWED_ORIGINS"
	EnvAuditRetention  = "VALET_AUDIT_RETENTION_DAYS"
	EnvSignedURLBase   = "VALET_SIGNED_URL_BASE"
	EnvIAMCredentials  = "VALET_IAM_CREDENTIALS_URL"
	EnvServiceIssuers  = "VALET_SERVICE_ISSUERS"
	EnvServiceJWKSURL  = "VALET_SERVICE_JWKS_URL"
)

type issuerJSON struct {
	URL       string   `json:"url"`
	Audiences []string `json:"audiences"`
	JWKSURL   string   `json:"jwksUrl"`
	ClientIDs []string `json:"clientIds"`
}

// Load reads the environment through getenv (os.Getenv in production).
func Load(getenv func(string) string) (Env, error) {
	e := Env{
		Project:           strings.TrimSpace(getenv(EnvProject)),
		Database:          cmp.Or(strings.TrimSpace(getenv(EnvDatabase)), DefaultDatabase),
		JobsBucket:        strings.TrimSpace(getenv(EnvJobsBucket)),
		ObjectsBucket:     strings.TrimSpace(getenv(EnvObjectsBucket)),
		FunctionURL:       strings.TrimSpace(getenv(EnvFunctionURL)),
		SignerEmail:       strings.TrimSpace(getenv(EnvSignerEmail)),
		SignerKeyFile:     strings.TrimSpace(getenv(EnvSignerKeyFile)),
		WorkflowKeySecret: strings.TrimSpace(getenv(EnvWorkflowKey)),
		TokenIssuer:       cmp.Or(strings.TrimSpace(getenv(EnvTokenIssuer)), DefaultTokenIssuer),
		WorkflowAudience:  cmp.Or(strings.TrimSpace(getenv(EnvWorkflowAud)), DefaultWorkflowAudience),
		SignedURLBase:     strings.TrimSpace(getenv(EnvSignedURLBase)),
		IAMCredentialsURL: strings.TrimSpace(getenv(EnvIAMCredentials)),
		ServiceJWKSURL:    strings.TrimSpace(getenv(EnvServiceJWKSURL)),
	}
	for _, iss := range strings.Split(getenv(EnvServiceIssuers), ",") {
		if iss = strings.TrimSpace(iss); iss != "" {
			e.ServiceIssuers = append(e.ServiceIssuers, iss)
		}
	}
	if raw := strings.TrimSpace(getenv(EnvSpaceQuota)); raw != "" {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n < 1 {
			return e, fmt.Errorf("config: %s must be a positive number of bytes, not %q", EnvSpaceQuota, raw)
		}
		e.SpaceQuotaBytes = n
	}
	if raw := strings.TrimSpace(getenv(EnvAuditRetention)); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 3650 {
			return e, fmt.Errorf("config: %s must be a number of days from 1 to 3650, not %q", EnvAuditRetention, raw)
		}
		e.AuditRetentionDays = n
	}
	if e.Project == "" {
		return e, fmt.Errorf("config: %s is not set; set it to the project id", EnvProject)
	}
	if e.JobsBucket == "" {
		return e, fmt.Errorf("config: %s is not set; set it to the jobs bucket name", EnvJobsBucket)
	}
	if raw := strings.TrimSpace(getenv(EnvUserIssuers)); raw != "" {
		var issuers []issuerJSON
		dec := json.NewDecoder(strings.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&issuers); err != nil {
			return e, fmt.Errorf(`config: %s must be JSON like [{"url":"https://accounts.google.com","audiences":["CLIENT_ID"]}]: %w`, EnvUserIssuers, err)
		}
		for i, is := range issuers {
			if is.URL == "" || len(is.Audiences) == 0 {
				return e, fmt.Errorf("config: %s[%d] needs a url and at least one audience", EnvUserIssuers, i)
			}
			e.UserIssuers = append(e.UserIssuers, authn.IssuerConfig{URL: is.URL, Audiences: is.Audiences, JWKSURL: is.JWKSURL, ClientIDs: is.ClientIDs})
		}
	}
	for _, email := range strings.Split(getenv(EnvServiceAccounts), ",") {
		if email = strings.TrimSpace(email); email != "" {
			if !strings.Contains(email, "@") {
				return e, fmt.Errorf("config: %s holds %q, which is not an email", EnvServiceAccounts, email)
			}
			e.AllowedServiceAccounts = append(e.AllowedServiceAccounts, email)
		}
	}
	origins, err := httpapi.ParseOrigins(getenv(EnvAllowedOrigins))
	if err != nil {
		return e, fmt.Errorf("config: %s: %w", EnvAllowedOrigins, err)
	}
	e.AllowedOrigins = origins
	for name, v := range map[string]string{EnvFunctionURL: e.FunctionURL, EnvSignedURLBase: e.SignedURLBase, EnvServiceJWKSURL: e.ServiceJWKSURL} {
		if v == "" {
			continue
		}
		if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return e, fmt.Errorf("config: %s must be an absolute http(s) URL, not %q", name, v)
		}
	}
	return e, nil
}

// needUsers fails unless user issuers are configured.
func (e Env) needUsers() error {
	if len(e.UserIssuers) == 0 {
		return fmt.Errorf("config: %s is not set; this function serves users", EnvUserIssuers)
	}
	return nil
}

// needServices fails unless service callers are configured.
func (e Env) needServices() error {
	if e.FunctionURL == "" || len(e.AllowedServiceAccounts) == 0 {
		return fmt.Errorf("config: %s and %s must be set; this function serves service accounts", EnvFunctionURL, EnvServiceAccounts)
	}
	return nil
}

// NeedObjectsBucket fails unless the objects bucket is configured.
func (e Env) NeedObjectsBucket() error {
	if e.ObjectsBucket == "" {
		return fmt.Errorf("config: %s is not set; set it to the objects bucket name", EnvObjectsBucket)
	}
	return nil
}
