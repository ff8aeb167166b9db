package finalize

import (
	"context"
	"testing"

	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/config"
)

// A misconfigured deployment returns a retryable error for every event, so
// Eventarc keeps them until the configuration is fixed.
func TestDeployedWithoutConfigurationRetries(t *testing.T) {
	t.Setenv(config.EnvProject, "")
	f := deployed()
	e := event.New()
	e.SetType(EventType)
	for range 2 {
		require.Equal(t, apperr.Unavailable, apperr.CodeOf(f(context.Background(), e)))
	}
}
