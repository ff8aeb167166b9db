package secretmanager

import (
	"context"
	"hash/crc32"

	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// maxPayloadBytes is the real service's limit on one version's data.
const maxPayloadBytes = 64 * 1024

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// AddSecretVersion stores a new ENABLED version numbered one past the last.
// A set data_crc32c must match the data.
func (s *Server) AddSecretVersion(_ context.Context, req *secretmanagerpb.AddSecretVersionRequest) (*secretmanagerpb.SecretVersion, error) {
	name, err := parseSecretName(req.GetParent())
	if err != nil {
		return nil, err
	}
	payload := req.GetPayload()
	data := payload.GetData()
	if payload == nil || len(data) == 0 {
		return nil, status.Error(codes.InvalidArgument, "Secret Payload cannot be empty.")
	}
	if len(data) > maxPayloadBytes {
		return nil, status.Errorf(codes.InvalidArgument, "Secret Payload is %d bytes; the limit is %d bytes.", len(data), maxPayloadBytes)
	}
	sum := int64(crc32.Checksum(data, castagnoli))
	if payload.DataCrc32C != nil && payload.GetDataCrc32C() != sum {
		return nil, status.Error(codes.InvalidArgument, "Checksum mismatch: data_crc32c does not match the CRC32C of the payload data; it may have been corrupted in transit.")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := s.lookupSecret(name)
	if err != nil {
		return nil, err
	}
	number := int64(len(rec.versions)) + 1
	v := &versionRecord{
		version: &secretmanagerpb.SecretVersion{
			Name:                           versionString(name, number),
			CreateTime:                     timestamppb.New(s.now()),
			State:                          secretmanagerpb.SecretVersion_ENABLED,
			Etag:                           s.nextEtag(),
			ClientSpecifiedPayloadChecksum: payload.DataCrc32C != nil,
			ReplicationStatus:              replicationStatusFor(rec.secret.GetReplication()),
		},
		data:   append([]byte(nil), data...),
		crc32c: sum,
	}
	rec.versions = append(rec.versions, v)
	return v.snapshot(), nil
}

// GetSecretVersion returns a version's metadata; "latest" is the newest
// version whatever its state.
func (s *Server) GetSecretVersion(_ context.Context, req *secretmanagerpb.GetSecretVersionRequest) (*secretmanagerpb.SecretVersion, error) {
	return withVersion(s, req.GetName(), func(v *versionRecord) (*secretmanagerpb.SecretVersion, error) {
		return v.snapshot(), nil
	})
}

// AccessSecretVersion returns a version's data with its CRC32C. "latest" is
// the newest version; like the real service it does not skip to an older
// enabled version, so a disabled or destroyed newest version fails with
// FailedPrecondition.
func (s *Server) AccessSecretVersion(_ context.Context, req *secretmanagerpb.AccessSecretVersionRequest) (*secretmanagerpb.AccessSecretVersionResponse, error) {
	return withVersion(s, req.GetName(), func(v *versionRecord) (*secretmanagerpb.AccessSecretVersionResponse, error) {
		if state := v.version.GetState(); state != secretmanagerpb.SecretVersion_ENABLED {
			return nil, status.Errorf(codes.FailedPrecondition, "Secret Version [%s] is in %s state.", v.version.GetName(), state)
		}
		crc := v.crc32c
		return &secretmanagerpb.AccessSecretVersionResponse{
			Name:    v.version.GetName(),
			Payload: &secretmanagerpb.SecretPayload{Data: append([]byte(nil), v.data...), DataCrc32C: &crc},
		}, nil
	})
}

// ListSecretVersions lists a secret's versions, newest first, with an
// optional filter (see parseFilter) and pagination. It returns no data.
func (s *Server) ListSecretVersions(_ context.Context, req *secretmanagerpb.ListSecretVersionsRequest) (*secretmanagerpb.ListSecretVersionsResponse, error) {
	return list(s, req, parseSecretName, versionFields, func(name secretName, match filter, page pager) (*secretmanagerpb.ListSecretVersionsResponse, error) {
		rec, err := s.lookupSecret(name)
		if err != nil {
			return nil, err
		}
		var matching []uint64 // version numbers, newest first
		for number := uint64(len(rec.versions)); number >= 1; number-- {
			if match.matches(versionLookup(rec.versions[number-1].version)) {
				matching = append(matching, number)
			}
		}
		numbers, next := take(page, matching, func(number uint64) uint64 { return number })
		resp := &secretmanagerpb.ListSecretVersionsResponse{NextPageToken: next}
		for _, number := range numbers {
			resp.Versions = append(resp.Versions, rec.versions[number-1].snapshot())
		}
		if req.GetFilter() == "" {
			resp.TotalSize = int32(len(rec.versions))
		}
		return resp, nil
	})
}

// DisableSecretVersion makes a version inaccessible, reversibly.
func (s *Server) DisableSecretVersion(_ context.Context, req *secretmanagerpb.DisableSecretVersionRequest) (*secretmanagerpb.SecretVersion, error) {
	return s.transition(req.GetName(), req.GetEtag(), secretmanagerpb.SecretVersion_DISABLED)
}

// EnableSecretVersion makes a disabled version accessible again.
func (s *Server) EnableSecretVersion(_ context.Context, req *secretmanagerpb.EnableSecretVersionRequest) (*secretmanagerpb.SecretVersion, error) {
	return s.transition(req.GetName(), req.GetEtag(), secretmanagerpb.SecretVersion_ENABLED)
}

// DestroySecretVersion wipes a version's data for good and records when.
func (s *Server) DestroySecretVersion(_ context.Context, req *secretmanagerpb.DestroySecretVersionRequest) (*secretmanagerpb.SecretVersion, error) {
	return s.transition(req.GetName(), req.GetEtag(), secretmanagerpb.SecretVersion_DESTROYED)
}

// transition moves a version to state. DESTROYED is final: any change to a
// destroyed version fails with FailedPrecondition, as it does in the real
// service ("SecretVersion.state is already DESTROYED.").
func (s *Server) transition(rawName, etag string, to secretmanagerpb.SecretVersion_State) (*secretmanagerpb.SecretVersion, error) {
	return withVersion(s, rawName, func(v *versionRecord) (*secretmanagerpb.SecretVersion, error) {
		if err := checkEtag(etag, v.version.GetEtag()); err != nil {
			return nil, err
		}
		if v.version.GetState() == secretmanagerpb.SecretVersion_DESTROYED {
			return nil, status.Errorf(codes.FailedPrecondition, "SecretVersion.state is already DESTROYED. [%s]", v.version.GetName())
		}
		if v.version.GetState() != to {
			v.version.State = to
			if to == secretmanagerpb.SecretVersion_DESTROYED {
				v.version.DestroyTime = timestamppb.New(s.now())
				v.wipe()
			}
			v.version.Etag = s.nextEtag()
		}
		return v.snapshot(), nil
	})
}

// replicationStatusFor mirrors a secret's replication policy, as the real
// service reports it on each version.
func replicationStatusFor(r *secretmanagerpb.Replication) *secretmanagerpb.ReplicationStatus {
	if um := r.GetUserManaged(); um != nil {
		var replicas []*secretmanagerpb.ReplicationStatus_UserManagedStatus_ReplicaStatus
		for _, replica := range um.GetReplicas() {
			replicas = append(replicas, &secretmanagerpb.ReplicationStatus_UserManagedStatus_ReplicaStatus{Location: replica.GetLocation()})
		}
		return &secretmanagerpb.ReplicationStatus{ReplicationStatus: &secretmanagerpb.ReplicationStatus_UserManaged{
			UserManaged: &secretmanagerpb.ReplicationStatus_UserManagedStatus{Replicas: replicas},
		}}
	}
	return &secretmanagerpb.ReplicationStatus{ReplicationStatus: &secretmanagerpb.ReplicationStatus_Automatic{
		Automatic: &secretmanagerpb.ReplicationStatus_AutomaticStatus{},
	}}
}
