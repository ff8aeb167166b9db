package bridge

import (
	"context"
	"fmt"

	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// ackDeadlineSeconds leaves room for a delivery's retries before Pub/Sub
// redelivers (the client also extends deadlines while a message is held).
const ackDeadlineSeconds = 60

// EnsureTopicAndSubscription creates the topic projects/project/topics/topic
// and a pull subscription to it unless they exist. It fails if the
// subscription exists but is attached to another topic.
func EnsureTopicAndSubscription(ctx context.Context, client *pubsub.Client, project, topic, subscription string) error {
	topicName := fmt.Sprintf("projects/%s/topics/%s", project, topic)
	subName := fmt.Sprintf("projects/%s/subscriptions/%s", project, subscription)
	_, err := client.TopicAdminClient.CreateTopic(ctx, &pubsubpb.Topic{Name: topicName})
	if err != nil && status.Code(err) != codes.AlreadyExists {
		return fmt.Errorf("bridge: create topic %s: %w", topicName, err)
	}
	_, err = client.SubscriptionAdminClient.CreateSubscription(ctx, &pubsubpb.Subscription{
		Name:               subName,
		Topic:              topicName,
		AckDeadlineSeconds: ackDeadlineSeconds,
	})
	if err == nil {
		return nil
	}
	if status.Code(err) != codes.AlreadyExists {
		return fmt.Errorf("bridge: create subscription %s: %w", subName, err)
	}
	existing, err := client.SubscriptionAdminClient.GetSubscription(ctx, &pubsubpb.GetSubscriptionRequest{Subscription: subName})
	if err != nil {
		return fmt.Errorf("bridge: get subscription %s: %w", subName, err)
	}
	if existing.GetTopic() != topicName {
		return fmt.Errorf("bridge: subscription %s is attached to %s, not %s", subName, existing.GetTopic(), topicName)
	}
	return nil
}
