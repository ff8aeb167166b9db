package stack

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// InfoPath is where `make dev` writes the stack description, relative to the
// repository root. Scripts, the CLI and tests find the stack through it.
const InfoPath = ".dev/stack.json"

// Info is the content of .dev/stack.json: the local stack contract of
// docs/local-stack.md (".dev/stack.json").
type Info struct {
	Functions     map[string]string `json:"functions"`     // function name → base URL
	Issuer        string            `json:"issuer"`        // dev OIDC issuer; POST {issuer}/token
	Audience      string            `json:"audience"`      // aud of user tokens
	Storage       string            `json:"storage"`       // the signed-URL gate in front of fake-gcs-server
	Firestore     string            `json:"firestore"`     // host:port
	PubSub        string            `json:"pubsub"`        // host:port
	SecretManager string            `json:"secretManager"` // host:port
	Project       string            `json:"project"`
	Buckets       Buckets           `json:"buckets"`
	Dispatchers   []string          `json:"dispatchers"` // service-account emails allowed on dispatch
	Scheduler     string            `json:"scheduler"`   // service-account email allowed on sweep
	Eventarc      string            `json:"eventarc"`    // the storage trigger's account, allowed on finalize
}

// Buckets names the stack's buckets.
type Buckets struct {
	Jobs    string `json:"jobs"`
	Objects string `json:"objects"`
}

// WriteInfo writes info to path atomically (readers never see half a file).
func WriteInfo(path string, info Info) error {
	b, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// ReadInfo reads a stack description written by WriteInfo.
func ReadInfo(path string) (Info, error) {
	var info Info
	b, err := os.ReadFile(path)
	if err != nil {
		return info, fmt.Errorf("read %s (is `make dev` running?): %w", path, err)
	}
	if err := json.Unmarshal(b, &info); err != nil {
		return info, fmt.Errorf("parse %s: %w", path, err)
	}
	return info, nil
}
