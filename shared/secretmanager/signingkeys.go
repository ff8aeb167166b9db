package secretmanager

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"path"
	"strconv"
	"sync"
	"time"

	smapi "cloud.google.com/go/secretmanager/apiv1"
	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"github.com/go-jose/go-jose/v4"
	"google.golang.org/api/iterator"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"valet.dev/valet/shared/apperr"
)

// DefaultSigningKeySecret names the signing-key secret when none is
// configured.
const DefaultSigningKeySecret = "valet-workflow-signing-key"

// KeyCacheTTL is how long the list of enabled key versions is reused without
// asking Secret Manager again: signing, verifying and the JWKS all read
// it, so a store lists the versions at most once a KeyCacheTTL however many
// requests it serves.
const KeyCacheTTL = time.Minute

// SigningKeys are valet's ES256 signing keys, kept in Secret Manager (see
// the package documentation): they sign and verify the job's tokens
// (package jobtoken) and publish their JWKS. A private key never leaves
// this type.
type SigningKeys struct {
	client  *smapi.Client
	project string
	secret  string
	now     func() time.Time

	mu      sync.Mutex
	current *signingKey // the newest enabled private key, once loaded
	set     *keySet     // the enabled versions as last listed (see keyset.go)
	// public caches parsed public keys by kid: a version's payload never
	// changes, only its state does, so a listing reuses these.
	public map[string]*ecdsa.PublicKey

	// listing serialises listings, so concurrent callers wait for one.
	listing sync.Mutex
	failed  error     // the last listing's error, if it failed
	tried   time.Time // when the last listing was tried
}

type signingKey struct {
	kid string
	key *ecdsa.PrivateKey
}

// KeysOption configures NewSigningKeys.
type KeysOption func(*SigningKeys)

// WithClock sets the clock the key caches age by (time.Now by default), so
// that a test can step past KeyCacheTTL, KeyMissTTL and KeyFailureTTL.
func WithClock(now func() time.Time) KeysOption {
	return func(k *SigningKeys) { k.now = now }
}

// NewSigningKeys returns the keys of secret secretID
// (DefaultSigningKeySecret when empty) in project.
func NewSigningKeys(client *smapi.Client, project, secretID string, opts ...KeysOption) *SigningKeys {
	if secretID == "" {
		secretID = DefaultSigningKeySecret
	}
	k := &SigningKeys{client: client, project: project, secret: secretID, now: time.Now, public: map[string]*ecdsa.PublicKey{}}
	for _, o := range opts {
		o(k)
	}
	return k
}

func (k *SigningKeys) secretName() string {
	return "projects/" + k.project + "/secrets/" + k.secret
}

// Rotate generates a new P-256 key and adds it as a new version (creating
// the secret, labelled app=valet, if it is missing). It returns the new kid.
func (k *SigningKeys) Rotate(ctx context.Context) (string, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", apperr.Wrap(err, apperr.Internal, "generating the workflow signing key")
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", apperr.Wrap(err, apperr.Internal, "encoding the workflow signing key")
	}
	data := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	add := func() (*secretmanagerpb.SecretVersion, error) {
		return k.client.AddSecretVersion(ctx, &secretmanagerpb.AddSecretVersionRequest{
			Parent:  k.secretName(),
			Payload: &secretmanagerpb.SecretPayload{Data: data},
		})
	}
	v, err := add()
	if status.Code(err) == codes.NotFound {
		_, cerr := k.client.CreateSecret(ctx, &secretmanagerpb.CreateSecretRequest{
			Parent:   "projects/" + k.project,
			SecretId: k.secret,
			Secret: &secretmanagerpb.Secret{
				Labels: map[string]string{"app": "valet"},
				Replication: &secretmanagerpb.Replication{Replication: &secretmanagerpb.Replication_Automatic_{
					Automatic: &secretmanagerpb.Replication_Automatic{},
				}},
			},
		})
		if cerr != nil && status.Code(cerr) != codes.AlreadyExists {
			return "", Error(cerr, "creating the workflow signing key secret")
		}
		v, err = add()
	}
	if err != nil {
		return "", Error(err, "adding a workflow signing key version")
	}
	kid := path.Base(v.GetName())
	k.mu.Lock()
	k.current = &signingKey{kid: kid, key: priv}
	k.public[kid] = &priv.PublicKey
	if k.set != nil {
		k.set = &keySet{kids: append([]string{kid}, k.set.kids...), fetched: k.set.fetched}
	}
	k.mu.Unlock()
	return kid, nil
}

// enabledVersions lists the kids of ENABLED versions, newest first.
func (k *SigningKeys) enabledVersions(ctx context.Context) ([]string, error) {
	it := k.client.ListSecretVersions(ctx, &secretmanagerpb.ListSecretVersionsRequest{
		Parent: k.secretName(),
		Filter: "state:ENABLED",
	})
	var kids []string
	for {
		v, err := it.Next()
		if errors.Is(err, iterator.Done) {
			break
		}
		if status.Code(err) == codes.NotFound {
			return nil, nil
		}
		if err != nil {
			return nil, Error(err, "listing workflow signing keys")
		}
		if v.GetState() == secretmanagerpb.SecretVersion_ENABLED {
			kids = append(kids, path.Base(v.GetName()))
		}
	}
	// Newest first by version number, whatever order the service used.
	sortKidsDesc(kids)
	return kids, nil
}

func sortKidsDesc(kids []string) {
	num := func(s string) int64 { n, _ := strconv.ParseInt(s, 10, 64); return n }
	for i := 1; i < len(kids); i++ {
		for j := i; j > 0 && num(kids[j]) > num(kids[j-1]); j-- {
			kids[j], kids[j-1] = kids[j-1], kids[j]
		}
	}
}

// load reads and parses the private key of version kid.
func (k *SigningKeys) load(ctx context.Context, kid string) (*ecdsa.PrivateKey, error) {
	resp, err := k.client.AccessSecretVersion(ctx, &secretmanagerpb.AccessSecretVersionRequest{
		Name: k.secretName() + "/versions/" + kid,
	})
	if err != nil {
		return nil, Error(err, "reading workflow signing key "+kid)
	}
	block, _ := pem.Decode(resp.GetPayload().GetData())
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, apperr.E(apperr.Internal, "workflow signing key %s is not a PEM private key", kid)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, apperr.E(apperr.Internal, "workflow signing key %s does not parse as PKCS#8", kid)
	}
	priv, ok := parsed.(*ecdsa.PrivateKey)
	if !ok || priv.Curve != elliptic.P256() {
		return nil, apperr.E(apperr.Internal, "workflow signing key %s is not a P-256 key", kid)
	}
	return priv, nil
}

// latest returns the newest enabled signing key: the newest version of
// the cached key set, its private key loaded once.
func (k *SigningKeys) latest(ctx context.Context) (*signingKey, error) {
	set, err := k.keys(ctx, KeyCacheTTL)
	if err != nil {
		return nil, err
	}
	if len(set.kids) == 0 {
		return nil, apperr.E(apperr.Unavailable, "no enabled workflow signing key; rotate the key first")
	}
	newest := set.kids[0]
	k.mu.Lock()
	cur := k.current
	k.mu.Unlock()
	if cur != nil && cur.kid == newest {
		return cur, nil
	}
	priv, err := k.load(ctx, newest)
	if err != nil {
		return nil, err
	}
	cur = &signingKey{kid: newest, key: priv}
	k.mu.Lock()
	k.current = cur
	k.public[newest] = &priv.PublicKey
	k.mu.Unlock()
	return cur, nil
}

// JWKS is the JSON Web Key Set of the public keys of every ENABLED version:
// {"keys":[{"kty":"EC","crv":"P-256","x":..,"y":..,"kid":..,"alg":"ES256","use":"sig"}]},
// newest first. With no secret or no enabled version the set is empty. It
// is built from the cached key set, so serving it to anyone costs at most
// one listing a KeyCacheTTL.
func (k *SigningKeys) JWKS(ctx context.Context) ([]byte, error) {
	set, err := k.keys(ctx, KeyCacheTTL)
	if err != nil {
		return nil, err
	}
	jwks := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{}}
	k.mu.Lock()
	for _, kid := range set.kids {
		jwks.Keys = append(jwks.Keys, jose.JSONWebKey{Key: k.public[kid], KeyID: kid, Algorithm: string(jose.ES256), Use: "sig"})
	}
	k.mu.Unlock()
	out, err := json.Marshal(jwks)
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Internal, "encoding the JWKS")
	}
	return out, nil
}
