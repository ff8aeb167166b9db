package secretmanager

import (
	"encoding/json"
	"strconv"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/custody"
	"valet.dev/valet/shared/job"
)

// slot is where one of a job's values lives: a version of a secret.
type slot struct {
	secretID string
	version  int64
	// labelled says the version's payload is a labelled value (see
	// labelled) rather than the bare value of the per-kind layout.
	labelled bool
}

func (s slot) versionName(project string) string {
	return secretName(project, s.secretID) + "/versions/" + strconv.FormatInt(s.version, 10)
}

// slotOf says where j's kind value lives, and false when j's layout has
// no place for it (a runtime token j was not submitted with), so reading
// it needs no call.
func slotOf(j *job.Job, kind custody.Kind) (slot, bool) {
	if j.SecretLayout != job.SecretsPerJob {
		return slot{secretID: SecretID(j.ID.String(), kind), version: 1}, true
	}
	s := slot{secretID: JobSecretID(j.ID.String()), version: 1, labelled: true}
	switch {
	case kind == custody.RuntimeToken:
		return s, j.HasRuntimeToken
	case j.HasRuntimeToken:
		s.version = 2
	}
	return s, true
}

// labelled is the payload of a version of a per-job secret: the value
// and the kind it is, so a reader never takes one token for the other.
type labelled struct {
	Kind  custody.Kind `json:"kind"`
	Value string       `json:"value"`
}

// encode is the payload that stores value in s.
func (s slot) encode(kind custody.Kind, value string) ([]byte, error) {
	if !s.labelled {
		return []byte(value), nil
	}
	data, err := json.Marshal(labelled{Kind: kind, Value: value})
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Internal, "encoding a %s secret", kind)
	}
	return data, nil
}

// decode is the kind value s's payload data holds.
func (s slot) decode(kind custody.Kind, data []byte) (string, error) {
	if !s.labelled {
		return string(data), nil
	}
	var v labelled
	if err := json.Unmarshal(data, &v); err != nil || v.Kind != kind || v.Value == "" {
		return "", apperr.E(apperr.Internal, "version %d of secret %s does not hold a %s token", s.version, s.secretID, kind)
	}
	return v.Value, nil
}
