package testenv

import (
	"context"
	"fmt"
	"net"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/segmentio/kafka-go"
)

// recordingTB replaces a *testing.T so a test can check whether a helper
// skipped or failed. Fatalf and Skipf end the calling goroutine, as
// the real methods do, so the helper must run in its own goroutine.
type recordingTB struct {
	testing.TB
	fatal string
	skip  string
}

func (r *recordingTB) Helper()      {}
func (r *recordingTB) Name() string { return "TestRecorded" }

func (r *recordingTB) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (r *recordingTB) Skipf(format string, args ...any) {
	r.skip = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// runRecorded calls helper with a recordingTB in a new goroutine and
// returns the recorder once the helper returned, failed or skipped.
func runRecorded(helper func(tb testing.TB)) *recordingTB {
	recorder := &recordingTB{}
	done := make(chan struct{})

	go func() {
		defer close(done)
		helper(recorder)
	}()

	<-done
	return recorder
}

func TestKafkaBrokersFromEnvironment(t *testing.T) {
	tests := []struct {
		name        string
		brokers     string
		require     string
		wantBrokers []string
		wantFatal   string
		wantSkip    string
	}{
		{
			name:        "one broker",
			brokers:     "127.0.0.1:9092",
			wantBrokers: []string{"127.0.0.1:9092"},
		},
		{
			name:        "list with spaces and empty entries",
			brokers:     " 127.0.0.1:1, ,127.0.0.1:2,",
			require:     "1",
			wantBrokers: []string{"127.0.0.1:1", "127.0.0.1:2"},
		},
		{
			name:     "missing skips",
			wantSkip: "ARENASYNC_TEST_KAFKA_BROKERS is not set; run make test to start Kafka for this test",
		},
		{
			name:     "only commas skips",
			brokers:  ",,",
			require:  "0",
			wantSkip: "ARENASYNC_TEST_KAFKA_BROKERS is not set; run make test to start Kafka for this test",
		},
		{
			name:      "missing fails when required",
			require:   "1",
			wantFatal: "ARENASYNC_TEST_KAFKA_BROKERS is not set although ARENASYNC_TEST_REQUIRE_SERVERS=1; run the tests with make test, which starts Kafka",
		},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(EnvKafkaBrokers, tc.brokers)
			t.Setenv(EnvRequireServers, tc.require)

			var got []string
			recorder := runRecorded(func(tb testing.TB) { got = KafkaBrokers(tb) })

			if !reflect.DeepEqual(got, tc.wantBrokers) {
				t.Errorf("KafkaBrokers() = %q, want %q", got, tc.wantBrokers)
			}
			if recorder.fatal != tc.wantFatal {
				t.Errorf("Fatalf message = %q, want %q", recorder.fatal, tc.wantFatal)
			}
			if recorder.skip != tc.wantSkip {
				t.Errorf("Skipf message = %q, want %q", recorder.skip, tc.wantSkip)
			}
		})
	}
}

func TestRedisAddrFromEnvironment(t *testing.T) {
	tests := []struct {
		name      string
		addr      string
		require   string
		wantAddr  string
		wantFatal string
		wantSkip  string
	}{
		{
			name:     "set",
			addr:     " 127.0.0.1:6379 ",
			require:  "1",
			wantAddr: "127.0.0.1:6379",
		},
		{
			name:     "missing skips",
			wantSkip: "ARENASYNC_TEST_REDIS_ADDR is not set; run make test to start Redis for this test",
		},
		{
			name:      "missing fails when required",
			require:   "1",
			wantFatal: "ARENASYNC_TEST_REDIS_ADDR is not set although ARENASYNC_TEST_REQUIRE_SERVERS=1; run the tests with make test, which starts Redis",
		},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(EnvRedisAddr, tc.addr)
			t.Setenv(EnvRequireServers, tc.require)

			var got string
			recorder := runRecorded(func(tb testing.TB) { got = RedisAddr(tb) })

			if got != tc.wantAddr {
				t.Errorf("RedisAddr() = %q, want %q", got, tc.wantAddr)
			}
			if recorder.fatal != tc.wantFatal {
				t.Errorf("Fatalf message = %q, want %q", recorder.fatal, tc.wantFatal)
			}
			if recorder.skip != tc.wantSkip {
				t.Errorf("Skipf message = %q, want %q", recorder.skip, tc.wantSkip)
			}
		})
	}
}

func TestUniqueNameFormat(t *testing.T) {
	tests := []struct {
		name    string
		prefix  string
		pattern string
		wantLen int // 0 skips the length check
	}{
		{
			name:    "plain",
			prefix:  "orders",
			pattern: `^orders-TestUniqueNameFormat-plain-[0-9]+-[0-9a-f]{8}$`,
		},
		{
			name:    "space and slash/nested",
			prefix:  "lms.training_events",
			pattern: `^lms\.training_events-TestUniqueNameFormat-space_and_slash-nested-[0-9]+-[0-9a-f]{8}$`,
		},
		{
			// The cut test name fills the name up to Kafka's 249-byte limit.
			name:    "long prefix cuts test name",
			prefix:  strings.Repeat("p", 230),
			pattern: `^p{230}-TestUn[a-zA-Z]*-[0-9]+-[0-9a-f]{8}$`,
			wantLen: maxTopicNameLength,
		},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			first := UniqueName(t, tc.prefix)
			second := UniqueName(t, tc.prefix)

			if !regexp.MustCompile(tc.pattern).MatchString(first) {
				t.Errorf("UniqueName(%q) = %q, want a match for %s", tc.prefix, first, tc.pattern)
			}
			if len(first) > maxTopicNameLength {
				t.Errorf("len(UniqueName(%q)) = %d, want at most %d", tc.prefix, len(first), maxTopicNameLength)
			}
			if tc.wantLen != 0 && len(first) != tc.wantLen {
				t.Errorf("len(UniqueName(%q)) = %d, want %d", tc.prefix, len(first), tc.wantLen)
			}
			if first == second {
				t.Errorf("two UniqueName(%q) calls both returned %q", tc.prefix, first)
			}
		})
	}
}

func TestUniqueNameRejectsPrefix(t *testing.T) {
	tests := []struct {
		name      string
		prefix    string
		wantFatal string
	}{
		{
			name:      "empty",
			prefix:    "",
			wantFatal: `testenv.UniqueName: prefix "" must be non-empty and contain only letters, digits, '.', '_' and '-'`,
		},
		{
			name:      "slash",
			prefix:    "a/b",
			wantFatal: `testenv.UniqueName: prefix "a/b" must be non-empty and contain only letters, digits, '.', '_' and '-'`,
		},
		{
			name:      "non-ASCII letter",
			prefix:    "café",
			wantFatal: `testenv.UniqueName: prefix "café" must be non-empty and contain only letters, digits, '.', '_' and '-'`,
		},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got string
			recorder := runRecorded(func(tb testing.TB) { got = UniqueName(tb, tc.prefix) })

			if recorder.fatal != tc.wantFatal {
				t.Errorf("Fatalf message = %q, want %q", recorder.fatal, tc.wantFatal)
			}
			if got != "" {
				t.Errorf("UniqueName(%q) = %q, want no result", tc.prefix, got)
			}
		})
	}
}

func TestUniqueNameRejectsTooLongPrefix(t *testing.T) {
	prefix := strings.Repeat("p", maxTopicNameLength)

	recorder := runRecorded(func(tb testing.TB) { UniqueName(tb, prefix) })

	if !strings.Contains(recorder.fatal, "is too long for a Kafka topic name") {
		t.Errorf("Fatalf message = %q, want it to say the prefix is too long", recorder.fatal)
	}
}

func TestRedisPrefixFormat(t *testing.T) {
	got := RedisPrefix(t)

	pattern := regexp.MustCompile(`^arenasync-test-TestRedisPrefixFormat-[0-9]+-[0-9a-f]{8}:$`)
	if !pattern.MatchString(got) {
		t.Errorf("RedisPrefix() = %q, want a match for %s", got, pattern)
	}
}

func TestFreeAddrCanBeBound(t *testing.T) {
	addr := FreeAddr(t)

	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("FreeAddr() = %q, not HOST:PORT: %v", addr, err)
	}
	if host != "127.0.0.1" {
		t.Errorf("FreeAddr() host = %q, want %q", host, "127.0.0.1")
	}
	if port == "0" {
		t.Errorf("FreeAddr() port = %q, want a real port", port)
	}

	listener, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen on FreeAddr() = %s: %v", addr, err)
	}
	listener.Close()
}

func TestPartitionsWithoutLeader(t *testing.T) {
	led := func(id int) kafka.Partition {
		return kafka.Partition{ID: id, Leader: kafka.Broker{ID: 1, Host: "127.0.0.1", Port: 9092}}
	}
	leaderless := func(id int) kafka.Partition { return kafka.Partition{ID: id} }

	tests := []struct {
		name       string
		found      []kafka.Partition
		partitions int
		want       []int
	}{
		{name: "all led", found: []kafka.Partition{led(1), led(0)}, partitions: 2, want: nil},
		{name: "none listed", found: nil, partitions: 2, want: []int{0, 1}},
		{name: "one without leader", found: []kafka.Partition{led(0), leaderless(1), led(2)}, partitions: 3, want: []int{1}},
		{name: "one not listed", found: []kafka.Partition{led(0), led(2)}, partitions: 3, want: []int{1}},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := partitionsWithoutLeader(tc.found, tc.partitions)

			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("partitionsWithoutLeader() = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCreateTopicPartitions(t *testing.T) {
	brokers := KafkaBrokers(t)

	tests := []struct {
		name       string
		partitions int
	}{
		{name: "one partition", partitions: 1},
		{name: "six partitions", partitions: 6},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			topic := UniqueName(t, "testenv")

			CreateTopic(t, brokers, topic, tc.partitions)

			got := readPartitionIDs(t, brokers[0], topic)
			want := make([]int, tc.partitions)
			for id := range want {
				want[id] = id
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("partitions of %s = %v, want %v", topic, got, want)
			}
		})
	}
}

func TestCreateTopicRejectsExistingTopic(t *testing.T) {
	brokers := KafkaBrokers(t)
	topic := UniqueName(t, "testenv")
	CreateTopic(t, brokers, topic, 1)

	recorder := runRecorded(func(tb testing.TB) { CreateTopic(tb, brokers, topic, 1) })

	wantStart := fmt.Sprintf("testenv.CreateTopic %q: create topic: [36] Topic Already Exists", topic)
	if !strings.HasPrefix(recorder.fatal, wantStart) {
		t.Errorf("Fatalf message = %q, want it to start with %q", recorder.fatal, wantStart)
	}
}

func TestCreateTopicRejectsArguments(t *testing.T) {
	tests := []struct {
		name       string
		brokers    []string
		partitions int
		wantFatal  string
	}{
		{
			name:       "no brokers",
			brokers:    nil,
			partitions: 1,
			wantFatal:  `testenv.CreateTopic "t": no broker address; pass KafkaBrokers(t)`,
		},
		{
			name:       "zero partitions",
			brokers:    []string{"127.0.0.1:1"},
			partitions: 0,
			wantFatal:  `testenv.CreateTopic "t": partitions is 0; pass 1 or more`,
		},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			recorder := runRecorded(func(tb testing.TB) { CreateTopic(tb, tc.brokers, "t", tc.partitions) })

			if recorder.fatal != tc.wantFatal {
				t.Errorf("Fatalf message = %q, want %q", recorder.fatal, tc.wantFatal)
			}
		})
	}
}

func TestKafkaRoundTripThroughConsumerGroup(t *testing.T) {
	brokers := KafkaBrokers(t)
	topic := UniqueName(t, "testenv")
	group := UniqueName(t, "testenv-group")
	const partitions = 3
	CreateTopic(t, brokers, topic, partitions)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	sent := kafka.Message{
		Key:     []byte("EMP12345|LMS-SAFETY-101"),
		Value:   []byte(`{"eventId":"evt-1","eventType":"course.completed"}`),
		Headers: []kafka.Header{{Key: "event_id", Value: []byte("evt-1")}},
	}
	writer := &kafka.Writer{
		Addr:         kafka.TCP(brokers...),
		Topic:        topic,
		RequiredAcks: kafka.RequireAll,
		Balancer:     &kafka.Hash{},
		BatchTimeout: 10 * time.Millisecond,
	}
	defer writer.Close()
	if err := writer.WriteMessages(ctx, sent); err != nil {
		t.Fatalf("write to %s: %v", topic, err)
	}

	reader := kafka.NewReader(kafka.ReaderConfig{
		Brokers:     brokers,
		Topic:       topic,
		GroupID:     group,
		StartOffset: kafka.FirstOffset,
		MaxWait:     100 * time.Millisecond,
	})
	defer reader.Close()

	got, err := reader.FetchMessage(ctx)
	if err != nil {
		t.Fatalf("fetch from %s in group %s: %v", topic, group, err)
	}

	wantPartition := (&kafka.Hash{}).Balance(sent, 0, 1, 2)
	if got.Partition != wantPartition {
		t.Errorf("partition = %d, want %d (the Hash balancer's choice)", got.Partition, wantPartition)
	}
	if got.Offset != 0 {
		t.Errorf("offset = %d, want 0", got.Offset)
	}
	if string(got.Key) != string(sent.Key) {
		t.Errorf("key = %q, want %q", got.Key, sent.Key)
	}
	if string(got.Value) != string(sent.Value) {
		t.Errorf("value = %q, want %q", got.Value, sent.Value)
	}
	if len(got.Headers) != 1 || got.Headers[0].Key != "event_id" || string(got.Headers[0].Value) != "evt-1" {
		t.Errorf("headers = %v, want one event_id=evt-1", got.Headers)
	}

	if err := reader.CommitMessages(ctx, got); err != nil {
		t.Fatalf("commit offset %d of %s/%d: %v", got.Offset, topic, got.Partition, err)
	}

	committed := committedOffset(t, brokers, group, topic, got.Partition)
	if committed != 1 {
		t.Errorf("committed offset of group %s on %s/%d = %d, want 1", group, topic, got.Partition, committed)
	}
}

func TestRedisPingAndKeyRoundTrip(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: RedisAddr(t)})
	defer client.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	pong, err := client.Ping(ctx).Result()
	if err != nil {
		t.Fatalf("PING: %v", err)
	}
	if pong != "PONG" {
		t.Errorf("PING = %q, want %q", pong, "PONG")
	}

	key := RedisPrefix(t) + "greeting"
	if err := client.Set(ctx, key, "hello", time.Minute).Err(); err != nil {
		t.Fatalf("SET %s: %v", key, err)
	}

	got, err := client.Get(ctx, key).Result()
	if err != nil {
		t.Fatalf("GET %s: %v", key, err)
	}
	if got != "hello" {
		t.Errorf("GET %s = %q, want %q", key, got, "hello")
	}
}

func readPartitionIDs(t *testing.T, broker, topic string) []int {
	t.Helper()

	conn, err := kafka.Dial("tcp", broker)
	if err != nil {
		t.Fatalf("dial %s: %v", broker, err)
	}
	defer conn.Close()

	partitions, err := conn.ReadPartitions(topic)
	if err != nil {
		t.Fatalf("read partitions of %s: %v", topic, err)
	}

	ids := make([]int, len(partitions))
	for i, partition := range partitions {
		ids[i] = partition.ID
	}
	slices.Sort(ids)
	return ids
}

func committedOffset(t *testing.T, brokers []string, group, topic string, partition int) int64 {
	t.Helper()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	client := &kafka.Client{Addr: kafka.TCP(brokers...)}
	response, err := client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{
		GroupID: group,
		Topics:  map[string][]int{topic: {partition}},
	})
	if err != nil {
		t.Fatalf("fetch offsets of group %s: %v", group, err)
	}
	if response.Error != nil {
		t.Fatalf("fetch offsets of group %s: %v", group, response.Error)
	}

	for _, fetched := range response.Topics[topic] {
		if fetched.Partition != partition {
			continue
		}
		if fetched.Error != nil {
			t.Fatalf("fetch offset of group %s on %s/%d: %v", group, topic, partition, fetched.Error)
		}
		return fetched.CommittedOffset
	}

	t.Fatalf("offset fetch for group %s returned no entry for %s/%d", group, topic, partition)
	return 0
}
