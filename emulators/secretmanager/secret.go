package secretmanager

import (
	"context"
	"sort"
	"time"

	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// CreateSecret creates a secret with no versions. A missing replication
// policy defaults to automatic; ttl is turned into expire_time.
func (s *Server) CreateSecret(_ context.Context, req *secretmanagerpb.CreateSecretRequest) (*secretmanagerpb.Secret, error) {
	project, err := parseProject(req.GetParent())
	if err != nil {
		return nil, err
	}
	if !secretIDPattern.MatchString(req.GetSecretId()) {
		return nil, status.Errorf(codes.InvalidArgument,
			"invalid secret_id %q: a secret id has 1 to 255 letters, digits, hyphens and underscores", req.GetSecretId())
	}
	in := req.GetSecret()
	if in == nil {
		in = &secretmanagerpb.Secret{}
	}
	if err := rejectUnsupported(in); err != nil {
		return nil, err
	}
	if err := validateLabels(in.GetLabels()); err != nil {
		return nil, err
	}
	if err := validateAnnotations(in.GetAnnotations()); err != nil {
		return nil, err
	}
	replication := in.GetReplication()
	if replication.GetReplication() == nil {
		replication = &secretmanagerpb.Replication{Replication: &secretmanagerpb.Replication_Automatic_{Automatic: &secretmanagerpb.Replication_Automatic{}}}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	expireTime, err := expirationFrom(in.GetExpireTime(), in.GetTtl(), now)
	if err != nil {
		return nil, err
	}
	name := secretName{project: project, secret: req.GetSecretId()}
	if _, err := s.lookupSecret(name); err == nil {
		return nil, status.Errorf(codes.AlreadyExists, "Secret [%s] already exists.", name)
	}
	secret := &secretmanagerpb.Secret{
		Name:        name.String(),
		Replication: replication,
		CreateTime:  timestamppb.New(now),
		Labels:      copyMap(in.GetLabels()),
		Annotations: copyMap(in.GetAnnotations()),
		Etag:        s.nextEtag(),
	}
	if expireTime != nil {
		secret.Expiration = &secretmanagerpb.Secret_ExpireTime{ExpireTime: expireTime}
	}
	rec := &secretRecord{secret: secret, created: s.sequence}
	s.secrets[name.String()] = rec
	return rec.snapshot(), nil
}

// GetSecret returns a secret's metadata.
func (s *Server) GetSecret(_ context.Context, req *secretmanagerpb.GetSecretRequest) (*secretmanagerpb.Secret, error) {
	return withSecret(s, req.GetName(), func(rec *secretRecord) (*secretmanagerpb.Secret, error) {
		return rec.snapshot(), nil
	})
}

// UpdateSecret changes the fields named in update_mask: labels, annotations,
// expire_time and ttl (an unset value removes the expiration).
func (s *Server) UpdateSecret(_ context.Context, req *secretmanagerpb.UpdateSecretRequest) (*secretmanagerpb.Secret, error) {
	in := req.GetSecret()
	name, err := parseSecretName(in.GetName())
	if err != nil {
		return nil, err
	}
	paths := req.GetUpdateMask().GetPaths()
	if len(paths) == 0 {
		return nil, status.Error(codes.InvalidArgument, "update_mask is required and must name at least one field")
	}
	for _, path := range paths {
		switch path {
		case "labels":
			if err := validateLabels(in.GetLabels()); err != nil {
				return nil, err
			}
		case "annotations":
			if err := validateAnnotations(in.GetAnnotations()); err != nil {
				return nil, err
			}
		case "expire_time", "ttl":
		default:
			return nil, status.Errorf(codes.InvalidArgument,
				"update_mask path %q is not supported by this emulator (supported: labels, annotations, expire_time, ttl)", path)
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := s.lookupSecret(name)
	if err != nil {
		return nil, err
	}
	if err := checkEtag(in.GetEtag(), rec.secret.GetEtag()); err != nil {
		return nil, err
	}
	now := s.now()
	updated := rec.snapshot()
	for _, path := range paths {
		switch path {
		case "labels":
			updated.Labels = copyMap(in.GetLabels())
		case "annotations":
			updated.Annotations = copyMap(in.GetAnnotations())
		case "expire_time", "ttl":
			expireTime, err := expirationFrom(in.GetExpireTime(), in.GetTtl(), now)
			if err != nil {
				return nil, err
			}
			updated.Expiration = nil
			if expireTime != nil {
				updated.Expiration = &secretmanagerpb.Secret_ExpireTime{ExpireTime: expireTime}
			}
		}
	}
	updated.Etag = s.nextEtag()
	rec.secret = updated
	return rec.snapshot(), nil
}

// DeleteSecret deletes a secret and all its versions, wiping their payloads.
func (s *Server) DeleteSecret(_ context.Context, req *secretmanagerpb.DeleteSecretRequest) (*emptypb.Empty, error) {
	return withSecret(s, req.GetName(), func(rec *secretRecord) (*emptypb.Empty, error) {
		if err := checkEtag(req.GetEtag(), rec.secret.GetEtag()); err != nil {
			return nil, err
		}
		s.drop(rec.secret.GetName())
		return &emptypb.Empty{}, nil
	})
}

// ListSecrets lists a project's secrets, newest first, with an optional
// filter (see parseFilter) and pagination.
func (s *Server) ListSecrets(_ context.Context, req *secretmanagerpb.ListSecretsRequest) (*secretmanagerpb.ListSecretsResponse, error) {
	return list(s, req, parseProject, secretFields, func(project string, match filter, page pager) (*secretmanagerpb.ListSecretsResponse, error) {
		s.dropExpired()
		var matching []*secretRecord
		total := 0
		for _, rec := range s.secrets {
			name, _ := parseSecretName(rec.secret.GetName())
			if name.project != project {
				continue
			}
			total++
			if match.matches(secretLookup(rec.secret)) {
				matching = append(matching, rec)
			}
		}
		sort.Slice(matching, func(i, j int) bool { return matching[i].created > matching[j].created })

		recs, next := take(page, matching, func(rec *secretRecord) uint64 { return rec.created })
		resp := &secretmanagerpb.ListSecretsResponse{NextPageToken: next}
		for _, rec := range recs {
			resp.Secrets = append(resp.Secrets, rec.snapshot())
		}
		if req.GetFilter() == "" {
			resp.TotalSize = int32(total)
		}
		return resp, nil
	})
}

// Google's bounds on a secret's expiration ("Create and manage expiring
// secrets", https://cloud.google.com/secret-manager/docs/creating-and-managing-expiring-secrets:
// "A secret's expiration cannot be less than 60 seconds away or more than
// 100 years away").
const (
	minExpiration      = 60 * time.Second
	maxExpirationYears = 100
)

// expirationFrom turns a requested expire_time or ttl into an expire time,
// nil when neither is set. Either must lie at least minExpiration and at
// most maxExpirationYears ahead of now, the server's clock when the request
// arrives.
func expirationFrom(expireTime *timestamppb.Timestamp, ttl *durationpb.Duration, now time.Time) (*timestamppb.Timestamp, error) {
	var at time.Time
	switch {
	case ttl != nil:
		if err := ttl.CheckValid(); err != nil {
			return nil, status.Error(codes.InvalidArgument, "ttl is not a valid duration")
		}
		at = now.Add(ttl.AsDuration())
	case expireTime != nil:
		if err := expireTime.CheckValid(); err != nil {
			return nil, status.Error(codes.InvalidArgument, "expire_time is not a valid time")
		}
		at = expireTime.AsTime()
	default:
		return nil, nil
	}
	if at.Before(now.Add(minExpiration)) || at.After(now.AddDate(maxExpirationYears, 0, 0)) {
		return nil, status.Errorf(codes.InvalidArgument,
			"the expiration (%s) must be at least 60 seconds and at most 100 years in the future (now %s)",
			at.UTC().Format(time.RFC3339Nano), now.UTC().Format(time.RFC3339Nano))
	}
	return timestamppb.New(at), nil
}

// rejectUnsupported refuses the Secret fields this emulator does not model,
// rather than silently dropping them.
func rejectUnsupported(in *secretmanagerpb.Secret) error {
	unsupported := ""
	switch {
	case len(in.GetTopics()) > 0:
		unsupported = "topics"
	case in.GetRotation() != nil:
		unsupported = "rotation"
	case len(in.GetVersionAliases()) > 0:
		unsupported = "version_aliases"
	case in.GetVersionDestroyTtl() != nil:
		unsupported = "version_destroy_ttl"
	case in.GetCustomerManagedEncryption() != nil:
		unsupported = "customer_managed_encryption"
	case len(in.GetTags()) > 0:
		unsupported = "tags"
	case in.GetSecretType() != secretmanagerpb.Secret_SECRET_TYPE_UNSPECIFIED:
		unsupported = "secret_type"
	}
	if unsupported != "" {
		return status.Errorf(codes.InvalidArgument, "Secret.%s is not supported by this emulator", unsupported)
	}
	return nil
}

func copyMap(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
