package consumer

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"
)

// lagReadTimeout bounds the Kafka reads of one scrape. It stays below
// Prometheus's default scrape timeout of 10 s, so a slow broker costs the
// lag series, not the whole scrape.
const lagReadTimeout = 5 * time.Second

// lagWarnInterval is the least time between two warnings about failed lag
// reads, because every scrape repeats the failure while a broker is down.
const lagWarnInterval = time.Minute

// groupTopic is one topic and the consumer group that reads it.
type groupTopic struct {
	topic string
	group string
}

// lagCollector exports arenasync_consumer_lag. On every scrape it reads,
// for each partition of each topic the worker reads, the partition's end
// offset and the offset the topic's consumer group committed, and reports
// the difference. The committed offsets are the group's, not this
// instance's, so every worker instance reports the lag of every partition,
// including partitions that another instance owns or that no instance owns
// because all the others crashed. Aggregate with max by (topic, partition),
// never sum, across instances.
type lagCollector struct {
	client  *kafka.Client
	reads   []groupTopic
	desc    *prometheus.Desc
	errors  prometheus.Counter
	logger  *zap.Logger
	timeout time.Duration

	warnMu   sync.Mutex
	lastWarn time.Time
}

// newLagCollector returns the lag collector of the topics cfg reads: the
// main topic and every retry tier, each with its own group.
func newLagCollector(cfg Config, logger *zap.Logger) *lagCollector {
	reads := []groupTopic{{topic: cfg.Topic, group: cfg.GroupID}}
	for _, tier := range cfg.Tiers() {
		reads = append(reads, groupTopic{topic: tier.Topic, group: tier.GroupID})
	}

	return &lagCollector{
		// A transport of its own, because kafka-go's shared default
		// transport caches metadata that misses topics created later.
		client: &kafka.Client{Addr: kafka.TCP(cfg.Brokers...), Transport: &kafka.Transport{MetadataTTL: 10 * time.Second}},
		reads:  reads,
		desc: prometheus.NewDesc("arenasync_consumer_lag",
			"Records of a partition not yet committed by the worker's consumer group: the partition's end offset minus the group's committed offset. Every worker reports every partition, so aggregate with max, not sum.",
			[]string{"topic", "partition"}, nil),
		errors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "arenasync_consumer_lag_read_errors_total",
			Help: "Scrapes whose Kafka reads for arenasync_consumer_lag failed; the lag of the topics concerned is missing from those scrapes.",
		}),
		logger:  logger,
		timeout: lagReadTimeout,
	}
}

// Describe sends the descriptions of the lag metrics.
func (c *lagCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.desc
	c.errors.Describe(ch)
}

// Collect reads the offsets from Kafka and sends one lag sample per
// partition. Topics whose offsets could not be read are left out.
func (c *lagCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()

	lags, err := c.read(ctx)
	if err != nil {
		c.errors.Inc()
		c.warn(err)
	}

	for topic, partitions := range lags {
		for partition, lag := range partitions {
			ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(lag), topic, strconv.Itoa(partition))
		}
	}
	c.errors.Collect(ch)
}

// read returns the lag of every partition by topic. It returns the lags it
// could read together with the errors of the topics it could not.
func (c *lagCollector) read(ctx context.Context) (map[string]map[int]int64, error) {
	partitions, err := c.partitions(ctx)
	if err != nil {
		return nil, err
	}

	ends, err := c.endOffsets(ctx, partitions)
	if err != nil {
		return nil, err
	}

	lags := make(map[string]map[int]int64, len(c.reads))
	var errs []error
	for _, read := range c.reads {
		committed, err := c.committedOffsets(ctx, read, partitions[read.topic])
		if err != nil {
			errs = append(errs, err)

			continue
		}
		lags[read.topic] = lagOf(ends[read.topic], committed)
	}

	return lags, errors.Join(errs...)
}

// partitions returns the partition ids of every topic read.
func (c *lagCollector) partitions(ctx context.Context) (map[string][]int, error) {
	names := make([]string, 0, len(c.reads))
	for _, read := range c.reads {
		names = append(names, read.topic)
	}

	meta, err := c.client.Metadata(ctx, &kafka.MetadataRequest{Topics: names})
	if err != nil {
		return nil, fmt.Errorf("read metadata of %v: %w", names, err)
	}

	out := make(map[string][]int, len(meta.Topics))
	for _, topic := range meta.Topics {
		if topic.Error != nil {
			return nil, fmt.Errorf("read metadata of topic %s: %w", topic.Name, topic.Error)
		}
		for _, p := range topic.Partitions {
			out[topic.Name] = append(out[topic.Name], p.ID)
		}
	}

	return out, nil
}

// endOffsets returns the first and the end offset of every partition.
func (c *lagCollector) endOffsets(ctx context.Context, partitions map[string][]int) (map[string]map[int]offsetRange, error) {
	req := &kafka.ListOffsetsRequest{Topics: make(map[string][]kafka.OffsetRequest, len(partitions))}
	for topic, ids := range partitions {
		for _, id := range ids {
			req.Topics[topic] = append(req.Topics[topic], kafka.FirstOffsetOf(id), kafka.LastOffsetOf(id))
		}
	}

	resp, err := c.client.ListOffsets(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("list offsets: %w", err)
	}

	out := make(map[string]map[int]offsetRange, len(resp.Topics))
	for topic, list := range resp.Topics {
		out[topic] = make(map[int]offsetRange, len(list))
		for _, p := range list {
			if p.Error != nil {
				return nil, fmt.Errorf("list offsets of %s partition %d: %w", topic, p.Partition, p.Error)
			}
			out[topic][p.Partition] = offsetRange{first: p.FirstOffset, end: p.LastOffset}
		}
	}

	return out, nil
}

// committedOffsets returns the group's committed offset of every partition
// of the topic, -1 where the group committed none.
func (c *lagCollector) committedOffsets(ctx context.Context, read groupTopic, partitions []int) (map[int]int64, error) {
	resp, err := c.client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: read.group, Topics: map[string][]int{read.topic: partitions}})
	if err != nil {
		return nil, fmt.Errorf("fetch offsets of group %s on %s: %w", read.group, read.topic, err)
	}
	if resp.Error != nil {
		return nil, fmt.Errorf("fetch offsets of group %s on %s: %w", read.group, read.topic, resp.Error)
	}

	out := make(map[int]int64, len(partitions))
	for _, p := range resp.Topics[read.topic] {
		if p.Error != nil {
			return nil, fmt.Errorf("fetch offset of group %s on %s partition %d: %w", read.group, read.topic, p.Partition, p.Error)
		}
		out[p.Partition] = p.CommittedOffset
	}

	return out, nil
}

// warn logs a failed read, at most once per lagWarnInterval.
func (c *lagCollector) warn(err error) {
	c.warnMu.Lock()
	defer c.warnMu.Unlock()

	if time.Since(c.lastWarn) < lagWarnInterval {
		return
	}
	c.lastWarn = time.Now()
	c.logger.Warn("reading consumer lag from kafka failed; the lag of some topics is missing from this scrape", zap.Error(err))
}

// offsetRange is a partition's first offset and its end offset, the offset
// the next record written will get.
type offsetRange struct {
	first int64
	end   int64
}

// lagOf returns the lag of each partition. A partition without a committed
// offset counts from its first offset, because the worker's groups start at
// the first offset.
func lagOf(ends map[int]offsetRange, committed map[int]int64) map[int]int64 {
	out := make(map[int]int64, len(ends))
	for partition, r := range ends {
		from, ok := committed[partition]
		if !ok || from < r.first {
			from = r.first
		}
		out[partition] = max(r.end-from, 0)
	}

	return out
}
