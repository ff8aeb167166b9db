package secretmanager

import (
	"context"
	"fmt"
	"os"
	"time"

	smapi "cloud.google.com/go/secretmanager/apiv1"
	"github.com/googleapis/gax-go/v2"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
)

// EmulatorHostEnv names the environment variable holding the emulator's
// host:port, in the manner of FIRESTORE_EMULATOR_HOST.
const EmulatorHostEnv = "SECRET_MANAGER_EMULATOR_HOST"

// NewClient returns a Secret Manager client. When EmulatorHostEnv is set it
// targets that address without authentication; opts come after the
// emulator's own options, so a caller can still override them.
func NewClient(ctx context.Context, opts ...option.ClientOption) (*smapi.Client, error) {
	if host := os.Getenv(EmulatorHostEnv); host != "" {
		opts = append(EmulatorOptions(host), opts...)
	}
	client, err := smapi.NewClient(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("secret manager client: %w", err)
	}
	client.CallOptions.AccessSecretVersion = accessCallOptions
	return client, nil
}

// accessCallOptions replace the client's defaults for AccessSecretVersion,
// which retry RESOURCE_EXHAUSTED for up to a minute: over a per-minute
// quota a request would hang until it timed out. valet answers at once
// with 503 and Retry-After (see Error) and retries only Unavailable.
var accessCallOptions = []gax.CallOption{
	gax.WithTimeout(time.Minute),
	gax.WithRetry(func() gax.Retryer {
		return gax.OnCodes([]codes.Code{codes.Unavailable}, gax.Backoff{Initial: 2 * time.Second, Max: time.Minute, Multiplier: 2})
	}),
}

// EmulatorOptions are the client options that reach an emulator at host
// (host:port): that endpoint, no credentials, plaintext gRPC.
func EmulatorOptions(host string) []option.ClientOption {
	return []option.ClientOption{
		option.WithEndpoint(host),
		option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())),
	}
}
