package consumer

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/internal/testenv"
)

func TestLagOf(t *testing.T) {
	cases := []struct {
		name      string
		ends      map[int]offsetRange
		committed map[int]int64
		want      map[int]int64
	}{
		{name: "nothing committed counts from the first offset", ends: map[int]offsetRange{0: {first: 2, end: 7}}, committed: map[int]int64{0: -1}, want: map[int]int64{0: 5}},
		{name: "partition missing from the response", ends: map[int]offsetRange{0: {first: 0, end: 4}}, committed: map[int]int64{}, want: map[int]int64{0: 4}},
		{name: "committed offset", ends: map[int]offsetRange{0: {first: 0, end: 10}, 1: {first: 0, end: 3}}, committed: map[int]int64{0: 6, 1: 3}, want: map[int]int64{0: 4, 1: 0}},
		{name: "committed below a truncated log", ends: map[int]offsetRange{0: {first: 8, end: 10}}, committed: map[int]int64{0: 3}, want: map[int]int64{0: 2}},
		{name: "committed past the end", ends: map[int]offsetRange{0: {first: 0, end: 10}}, committed: map[int]int64{0: 12}, want: map[int]int64{0: 0}},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := lagOf(tc.ends, tc.committed)
			if len(got) != len(tc.want) {
				t.Fatalf("lagOf = %v, want %v", got, tc.want)
			}
			for partition, want := range tc.want {
				if got[partition] != want {
					t.Errorf("partition %d lag = %d, want %d", partition, got[partition], want)
				}
			}
		})
	}
}

// TestLagCollectorReadsKafka writes records to real topics, commits offsets
// of the worker's groups and checks the exported lag of every partition.
func TestLagCollectorReadsKafka(t *testing.T) {
	brokers := testenv.KafkaBrokers(t)
	cfg := Config{
		Brokers:     brokers,
		Topic:       testenv.UniqueName(t, "lag"),
		GroupID:     testenv.UniqueName(t, "lag-group"),
		RetryDelays: []time.Duration{time.Second},
	}
	cfg.setDefaults()
	tier := cfg.Tiers()[0]
	testenv.CreateTopic(t, brokers, cfg.Topic, 2)
	testenv.CreateTopic(t, brokers, tier.Topic, 1)

	writeRecords(t, brokers, cfg.Topic, 0, 5)
	writeRecords(t, brokers, cfg.Topic, 1, 3)
	writeRecords(t, brokers, tier.Topic, 0, 4)
	commitOffset(t, brokers, cfg.GroupID, cfg.Topic, 0, 2)
	commitOffset(t, brokers, tier.GroupID, tier.Topic, 0, 4)

	collector := newLagCollector(cfg, zap.NewNop())
	want := `
# HELP arenasync_consumer_lag Records of a partition not yet committed by the worker's consumer group: the partition's end offset minus the group's committed offset. Every worker reports every partition, so aggregate with max, not sum.
# TYPE arenasync_consumer_lag gauge
arenasync_consumer_lag{partition="0",topic="` + cfg.Topic + `"} 3
arenasync_consumer_lag{partition="1",topic="` + cfg.Topic + `"} 3
arenasync_consumer_lag{partition="0",topic="` + tier.Topic + `"} 0
# HELP arenasync_consumer_lag_read_errors_total Scrapes whose Kafka reads for arenasync_consumer_lag failed; the lag of the topics concerned is missing from those scrapes.
# TYPE arenasync_consumer_lag_read_errors_total counter
arenasync_consumer_lag_read_errors_total 0
`
	if err := testutil.CollectAndCompare(collector, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
}

func TestLagCollectorCountsFailedReads(t *testing.T) {
	// Nothing listens on this address once FreeAddr returns.
	cfg := Config{Brokers: []string{testenv.FreeAddr(t)}}
	cfg.setDefaults()
	collector := newLagCollector(cfg, zap.NewNop())
	collector.timeout = 2 * time.Second

	want := `
# HELP arenasync_consumer_lag_read_errors_total Scrapes whose Kafka reads for arenasync_consumer_lag failed; the lag of the topics concerned is missing from those scrapes.
# TYPE arenasync_consumer_lag_read_errors_total counter
arenasync_consumer_lag_read_errors_total 1
`
	if err := testutil.CollectAndCompare(collector, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
}

// writeRecords writes count records to one partition of topic.
func writeRecords(t *testing.T, brokers []string, topic string, partition, count int) {
	t.Helper()

	conn, err := kafka.DialLeader(context.Background(), "tcp", brokers[0], topic, partition)
	if err != nil {
		t.Fatalf("dial leader of %s/%d: %v", topic, partition, err)
	}
	defer conn.Close()

	msgs := make([]kafka.Message, count)
	for i := range msgs {
		msgs[i] = kafka.Message{Value: []byte("record")}
	}
	if _, err := conn.WriteMessages(msgs...); err != nil {
		t.Fatalf("write %d records to %s/%d: %v", count, topic, partition, err)
	}
}

// commitOffset commits offset for a group that has no members, as a
// stand-alone commit.
func commitOffset(t *testing.T, brokers []string, group, topic string, partition int, offset int64) {
	t.Helper()

	client := &kafka.Client{Addr: kafka.TCP(brokers...), Transport: &kafka.Transport{}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	resp, err := client.OffsetCommit(ctx, &kafka.OffsetCommitRequest{
		GroupID: group, GenerationID: -1,
		Topics: map[string][]kafka.OffsetCommit{topic: {{Partition: partition, Offset: offset}}},
	})
	if err != nil {
		t.Fatalf("commit offset %d of %s/%d for %s: %v", offset, topic, partition, group, err)
	}
	for _, p := range resp.Topics[topic] {
		if p.Error != nil {
			t.Fatalf("commit offset %d of %s/%d for %s: %v", offset, topic, partition, group, p.Error)
		}
	}
}
