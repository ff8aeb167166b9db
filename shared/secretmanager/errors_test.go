package secretmanager_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	emulator "valet.dev/valet/emulators/secretmanager"
	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/secretmanager"
)

func TestErrorCodes(t *testing.T) {
	for code, want := range map[codes.Code]apperr.Code{
		codes.ResourceExhausted: apperr.Unavailable,
		codes.Unavailable:       apperr.Unavailable,
		codes.DeadlineExceeded:  apperr.Unavailable,
		codes.Aborted:           apperr.Unavailable,
		codes.Canceled:          apperr.Unavailable,
		codes.InvalidArgument:   apperr.Internal,
		codes.PermissionDenied:  apperr.Internal,
	} {
		err := secretmanager.Error(status.Error(code, "secret detail"), "reading the thing")
		require.Equal(t, want, apperr.CodeOf(err), code.String())
		require.NotContains(t, apperr.From(err).Message, "secret detail", "the cause is for the log only")
	}
	require.Equal(t, apperr.Unavailable, apperr.CodeOf(secretmanager.Error(context.DeadlineExceeded, "x")))
}

// Over a Secret Manager quota the caller gets 503 with Retry-After, at
// once: the client does not sit out the minute retrying.
func TestQuotaExhaustedIs503WithRetryAfter(t *testing.T) {
	running, err := emulator.Start("127.0.0.1:0", emulator.Options{Quotas: emulator.Quotas{AccessPerMinute: 1}})
	require.NoError(t, err)
	t.Cleanup(running.Stop)
	ctx := context.Background()
	client, err := secretmanager.NewClient(ctx, secretmanager.EmulatorOptions(running.Addr)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = client.Close() })

	name := "projects/p/secrets/s/versions/1"
	_, err = client.AccessSecretVersion(ctx, &secretmanagerpb.AccessSecretVersionRequest{Name: name})
	require.Equal(t, codes.NotFound, status.Code(err), "the first access spends the quota")
	_, err = client.AccessSecretVersion(ctx, &secretmanagerpb.AccessSecretVersionRequest{Name: name})
	require.Equal(t, codes.ResourceExhausted, status.Code(err))
	require.Equal(t, int64(2), running.Server.Calls()["AccessSecretVersion"], "RESOURCE_EXHAUSTED is not retried")

	mapped := secretmanager.Error(err, "reading a job secret")
	var ae *apperr.Error
	require.True(t, errors.As(mapped, &ae))
	require.Equal(t, apperr.Unavailable, ae.Code)
	require.Equal(t, secretmanager.QuotaRetryAfter, ae.RetryAfter)
	require.Equal(t, time.Minute, ae.RetryAfter)

	w := httptest.NewRecorder()
	httpapi.WriteError(w, httptest.NewRequest(http.MethodGet, "/", nil), mapped)
	require.Equal(t, http.StatusServiceUnavailable, w.Code)
	require.Equal(t, "60", w.Header().Get("Retry-After"))
}
