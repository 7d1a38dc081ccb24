package dev

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"time"

	"go.uber.org/zap"

	"github.com/arenasync/arenasync/arena"
	"github.com/arenasync/arenasync/consumer"
	"github.com/arenasync/arenasync/store"
)

// Defaults of Options. DefaultOptions sets the first four; the others fill
// zero fields.
const (
	DefaultEvents         = 1000
	DefaultSeed           = 1
	DefaultFaultRate      = 0.08
	DefaultArenaErrorRate = 0.02

	DefaultSenders    = 8
	DefaultTimeout    = 2 * time.Minute
	DefaultIngestAddr = "127.0.0.1:8080"
	DefaultPartitions = 6
	DefaultGroupID    = "arenasync-dev"

	// DefaultNotifyInterval is shorter than the reconciler role's 5m, so a
	// run of a minute or a served session shows notifications while it runs.
	DefaultNotifyInterval = 10 * time.Second

	// DefaultArenaRateLimit is far above the worker role's default of 20
	// calls per second, which suits a real Arena quota but would stretch a
	// run of thousands of events over minutes.
	DefaultArenaRateLimit = 1000
)

// DefaultRetryDelays are the retry tiers of a dev run: short, so events that
// fail every tier reach the dead-letter topic within seconds.
var DefaultRetryDelays = []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}

// ErrInvalidOptions is wrapped by the errors of Options.Validate.
var ErrInvalidOptions = errors.New("invalid dev options")

// Options configures Run. Start from DefaultOptions, because for some fields
// zero is a meaningful value that differs from the default.
type Options struct {
	// Events is the number of webhooks the generator posts: enrollments,
	// completions and faults together. Zero posts none and serves the ingest
	// until ctx ends, for an outside client. DefaultOptions: 1000.
	Events int

	// Seed makes the plan of events and faults repeatable and seeds the
	// simulator's random errors, which still fall on different calls from
	// run to run because the calls arrive concurrently. Zero is a valid
	// seed. DefaultOptions: 1.
	Seed uint64

	// FaultRate is the fraction, 0 to 1, of the events that are faults:
	// invalid payloads, unknown employees, conflicting completions and
	// completions without an enrollment. Zero posts no faults.
	// DefaultOptions: 0.08.
	FaultRate float64

	// Rate caps the webhooks posted per second over all senders. Zero posts
	// as fast as the ingest responds.
	Rate float64

	// Senders is the number of concurrent HTTP senders. Zero means 8.
	Senders int

	// Timeout is how long Run waits for final outcomes and for the review
	// queue to take every dead letter, after the response to the last
	// webhook, or after ctx ends when Events is zero. Events still without
	// an outcome then count as lost. Zero means 2m.
	Timeout time.Duration

	// IngestAddr is the listen address of the ingest, host:port; port 0
	// picks a free port. Empty means 127.0.0.1:8080.
	IngestAddr string

	// IngestToken is the bearer token the ingest requires. Empty generates a
	// random token for the run.
	IngestToken string

	// KafkaBrokers lists outside Kafka bootstrap servers as host:port.
	// Missing topics are created there with replication factor 1. Empty
	// starts an embedded broker.
	KafkaBrokers []string

	// Topic is the main topic; the retry tiers and the dead-letter topic are
	// named after it. Empty means lms.training.events.
	Topic string

	// Partitions is the partition count of the topics Run creates. Zero
	// means 6.
	Partitions int

	// GroupID is the worker's consumer group. Empty means arenasync-dev,
	// which keeps a run against an outside Kafka out of the real workers'
	// groups.
	GroupID string

	// RetryDelays are the delays of the retry tiers, in order. Empty means
	// 1s, 2s, 4s.
	RetryDelays []time.Duration

	// Redis locates an outside Redis. An empty Addr starts an embedded one.
	// On an outside Redis the keys go under Prefix + "dev:<run id>:", so
	// runs do not read each other's enrollments.
	Redis store.Config

	// Arena locates an outside Arena. An empty BaseURL starts the simulator
	// and replaces the credentials with the simulator's; Timeout applies
	// either way.
	Arena arena.Config

	// ArenaErrorRate is the fraction, 0 to 1, of the simulator's
	// training-record calls that fail with 503, which sends events through
	// the retry tiers. Zero means none; an outside Arena ignores it.
	// DefaultOptions: 0.02.
	ArenaErrorRate float64

	// ArenaRateLimit is the worker's rate of Arena calls per second, token
	// requests included. Zero means 1000.
	ArenaRateLimit float64

	// NotifyWebhookURL is the Slack or Teams incoming-webhook URL that the
	// in-process reconciler posts dead-letter notifications to. It contains
	// a credential and is never logged. Empty logs the notifications at
	// info level without sending them.
	NotifyWebhookURL string

	// NotifyInterval is the reconciler's aggregation window: one
	// notification per dead-letter reason and window. Open windows are sent
	// when Run stops. Zero means 10s.
	NotifyInterval time.Duration

	// Logger receives the logs of every part. Nil logs nothing.
	Logger *zap.Logger

	// Progress shows how many generated events have a final outcome. Nil
	// shows nothing.
	Progress Progress

	// Out receives the ingest URL, the token and a sample curl command when
	// Events is zero. Nil prints nothing.
	Out io.Writer
}

// DefaultOptions returns the options of `arenasync dev` without flags.
func DefaultOptions() Options {
	return Options{
		Events:         DefaultEvents,
		Seed:           DefaultSeed,
		FaultRate:      DefaultFaultRate,
		ArenaErrorRate: DefaultArenaErrorRate,
	}
}

// withDefaults returns a copy of o with every zero field that has a default
// set to it.
func (o Options) withDefaults() Options {
	if o.Senders == 0 {
		o.Senders = DefaultSenders
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.IngestAddr == "" {
		o.IngestAddr = DefaultIngestAddr
	}
	if o.Topic == "" {
		o.Topic = consumer.DefaultTopic
	}
	if o.Partitions == 0 {
		o.Partitions = DefaultPartitions
	}
	if o.GroupID == "" {
		o.GroupID = DefaultGroupID
	}
	if len(o.RetryDelays) == 0 {
		o.RetryDelays = append([]time.Duration(nil), DefaultRetryDelays...)
	}
	if o.ArenaRateLimit == 0 {
		o.ArenaRateLimit = DefaultArenaRateLimit
	}
	if o.NotifyInterval == 0 {
		o.NotifyInterval = DefaultNotifyInterval
	}
	if o.Redis.Prefix == "" {
		o.Redis.Prefix = store.DefaultPrefix
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}

	return o
}

// Validate reports every invalid field after defaults, each error wrapping
// ErrInvalidOptions.
func (o Options) Validate() error {
	o = o.withDefaults()

	var errs []error
	if o.Events < 0 {
		errs = append(errs, invalid("Events is %d: set a positive number of webhooks, or 0 to serve an outside client", o.Events))
	}
	if o.FaultRate < 0 || o.FaultRate > 1 {
		errs = append(errs, invalid("FaultRate %g is outside 0..1: use a fraction such as 0.08", o.FaultRate))
	}
	if o.ArenaErrorRate < 0 || o.ArenaErrorRate > 1 {
		errs = append(errs, invalid("ArenaErrorRate %g is outside 0..1: use a fraction such as 0.02, or 0 for none", o.ArenaErrorRate))
	}
	if o.Rate < 0 {
		errs = append(errs, invalid("Rate %g is negative: use webhooks per second, or 0 for no limit", o.Rate))
	}
	if o.ArenaRateLimit < 0 {
		errs = append(errs, invalid("ArenaRateLimit %g is negative: use calls per second, or 0 for %d", o.ArenaRateLimit, DefaultArenaRateLimit))
	}
	if o.Senders < 1 {
		errs = append(errs, invalid("Senders is %d: use at least 1", o.Senders))
	}
	if o.Timeout < 0 {
		errs = append(errs, invalid("Timeout %s is negative: use a positive duration such as 2m", o.Timeout))
	}
	if o.Partitions < 1 {
		errs = append(errs, invalid("Partitions is %d: use at least 1", o.Partitions))
	}
	if _, _, err := net.SplitHostPort(o.IngestAddr); err != nil {
		errs = append(errs, invalid("IngestAddr %q is not host:port: %v", o.IngestAddr, err))
	}
	for i, broker := range o.KafkaBrokers {
		if _, _, err := net.SplitHostPort(broker); err != nil {
			errs = append(errs, invalid("KafkaBrokers[%d] %q is not host:port: %v", i, broker, err))
		}
	}
	for i, d := range o.RetryDelays {
		if d <= 0 {
			errs = append(errs, invalid("RetryDelays[%d] is %s: every delay must be positive", i, d))
		}
	}
	if o.Arena.BaseURL != "" {
		if err := o.Arena.Validate(); err != nil {
			errs = append(errs, invalid("outside Arena: %v", err))
		}
	}
	if o.NotifyInterval < 0 {
		errs = append(errs, invalid("NotifyInterval %s is negative: use a positive duration such as 10s", o.NotifyInterval))
	}
	if o.NotifyWebhookURL != "" && !isHTTPURL(o.NotifyWebhookURL) {
		// The URL contains a credential, so the message leaves it out.
		errs = append(errs, invalid("NotifyWebhookURL is not an absolute http or https URL: copy it again from the Slack or Teams channel settings"))
	}

	return errors.Join(errs...)
}

// isHTTPURL reports whether raw is an absolute http or https URL with a host.
func isHTTPURL(raw string) bool {
	u, err := url.Parse(raw)

	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// invalid returns an error wrapping ErrInvalidOptions.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidOptions, fmt.Sprintf(format, args...))
}
