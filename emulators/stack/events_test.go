package stack_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/pubsub/v2"
	"github.com/stretchr/testify/require"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"valet.dev/valet/emulators/bridge"
	"valet.dev/valet/emulators/stack"
)

// eventTap is a second subscription on the stack's storage topic: it sees
// every storage event finalize is sent, for the leak guard.
type eventTap struct {
	client *pubsub.Client
	sub    string
}

func tapEvents(t *testing.T, s *stack.Stack) *eventTap {
	t.Helper()
	ctx := context.Background()
	client, err := pubsub.NewClient(ctx, s.Info.Project, option.WithEndpoint(s.Info.PubSub), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
	require.NoError(t, err)
	t.Cleanup(func() { _ = client.Close() })
	require.NoError(t, bridge.EnsureTopicAndSubscription(ctx, client, s.Info.Project, stack.StorageTopic, "leak-guard"))
	return &eventTap{client: client, sub: "leak-guard"}
}

// drain returns every event received so far, attributes and data, each
// as one text.
func (e *eventTap) drain(t *testing.T) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var (
		mu  sync.Mutex
		out []string
	)
	err := e.client.Subscriber(e.sub).Receive(ctx, func(_ context.Context, m *pubsub.Message) {
		keys := make([]string, 0, len(m.Attributes))
		for k := range m.Attributes {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		text := ""
		for _, k := range keys {
			text += fmt.Sprintf("%s=%s ", k, m.Attributes[k])
		}
		mu.Lock()
		out = append(out, text+string(m.Data))
		mu.Unlock()
		m.Ack()
	})
	require.NoError(t, err)
	return out
}
