package testenv

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

const (
	// TopicReadyTimeout bounds CreateTopic: the request to the controller
	// plus the wait until every partition has a leader.
	TopicReadyTimeout = 30 * time.Second

	// topicPollInterval is the pause between two metadata reads while
	// CreateTopic waits for partition leaders.
	topicPollInterval = 50 * time.Millisecond
)

// CreateTopic creates topic name with the given number of partitions and
// replication factor 1, then waits until the metadata shows a leader for
// every partition. kafka-go sends the CreateTopics request to the
// controller that the brokers' metadata names. The test fails when the
// topic exists already, so pass a name from UniqueName.
func CreateTopic(t testing.TB, brokers []string, name string, partitions int) {
	t.Helper()

	if len(brokers) == 0 {
		t.Fatalf("testenv.CreateTopic %q: no broker address; pass KafkaBrokers(t)", name)
	}
	if partitions < 1 {
		t.Fatalf("testenv.CreateTopic %q: partitions is %d; pass 1 or more", name, partitions)
	}

	ctx, cancel := context.WithTimeout(context.Background(), TopicReadyTimeout)
	defer cancel()

	// A transport of its own keeps this helper's connections out of
	// kafka.DefaultTransport and closes them when the topic is ready.
	transport := &kafka.Transport{}
	defer transport.CloseIdleConnections()
	client := &kafka.Client{Addr: kafka.TCP(brokers...), Transport: transport}

	if err := createOnController(ctx, client, name, partitions); err != nil {
		t.Fatalf("testenv.CreateTopic %q: %v", name, err)
	}

	if err := waitForLeaders(ctx, client, name, partitions); err != nil {
		t.Fatalf("testenv.CreateTopic %q: %v", name, err)
	}
}

func createOnController(ctx context.Context, client *kafka.Client, name string, partitions int) error {
	response, err := client.CreateTopics(ctx, &kafka.CreateTopicsRequest{
		Topics: []kafka.TopicConfig{{
			Topic:             name,
			NumPartitions:     partitions,
			ReplicationFactor: 1,
		}},
	})
	if err != nil {
		return fmt.Errorf("create topic: %w", err)
	}

	if err := response.Errors[name]; err != nil {
		return fmt.Errorf("create topic: %w", err)
	}
	return nil
}

// waitForLeaders polls the topic's metadata until partitions 0..partitions-1
// all have a leader. The broker may return UNKNOWN_TOPIC_OR_PARTITION until
// it applies the new topic, so every error is retried until ctx ends.
func waitForLeaders(ctx context.Context, client *kafka.Client, name string, partitions int) error {
	var lastState string

	for {
		found, err := readTopicPartitions(ctx, client, name)
		if err == nil {
			missing := partitionsWithoutLeader(found, partitions)
			if len(missing) == 0 {
				return nil
			}
			lastState = fmt.Sprintf("%d of %d partitions listed, partitions without leader: %v", len(found), partitions, missing)
		} else {
			lastState = err.Error()
		}

		select {
		case <-ctx.Done():
			return fmt.Errorf("partition leaders not elected within %s (last state: %s)", TopicReadyTimeout, lastState)
		case <-time.After(topicPollInterval):
		}
	}
}

func readTopicPartitions(ctx context.Context, client *kafka.Client, name string) ([]kafka.Partition, error) {
	response, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{name}})
	if err != nil {
		return nil, fmt.Errorf("read metadata: %w", err)
	}

	for _, topic := range response.Topics {
		if topic.Name != name {
			continue
		}
		if topic.Error != nil {
			return nil, fmt.Errorf("read metadata: %w", topic.Error)
		}
		return topic.Partitions, nil
	}
	return nil, errors.New("read metadata: topic not listed")
}

// partitionsWithoutLeader returns the ids in 0..partitions-1 that are
// missing from found or have no leader host.
func partitionsWithoutLeader(found []kafka.Partition, partitions int) []int {
	led := make(map[int]bool, len(found))
	for _, partition := range found {
		if partition.Leader.Host != "" {
			led[partition.ID] = true
		}
	}

	var missing []int
	for id := 0; id < partitions; id++ {
		if !led[id] {
			missing = append(missing, id)
		}
	}
	return missing
}

// TopicEnd returns the sum of the end offsets of every partition of topic:
// the number of records ever written to it.
func TopicEnd(t testing.TB, brokers []string, topic string) int64 {
	t.Helper()

	conn, err := kafka.Dial("tcp", brokers[0])
	if err != nil {
		t.Fatalf("testenv.TopicEnd: dial %s: %v", brokers[0], err)
	}
	defer conn.Close()

	partitions, err := conn.ReadPartitions(topic)
	if err != nil {
		t.Fatalf("testenv.TopicEnd: partitions of %s: %v", topic, err)
	}

	var total int64
	for _, p := range partitions {
		leader, err := kafka.DialLeader(context.Background(), "tcp", brokers[0], topic, p.ID)
		if err != nil {
			t.Fatalf("testenv.TopicEnd: dial the leader of %s/%d: %v", topic, p.ID, err)
		}
		last, err := leader.ReadLastOffset()
		leader.Close()
		if err != nil {
			t.Fatalf("testenv.TopicEnd: last offset of %s/%d: %v", topic, p.ID, err)
		}
		total += last
	}

	return total
}
