package producer

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
	"time"
)

// Defaults that Config applies to zero-valued fields.
const (
	DefaultAddr              = ":8080"
	DefaultTopic             = "lms.training.events"
	DeadLetterSuffix         = ".dlt"
	DefaultMaxBodyBytes      = 1 << 20
	DefaultRequestTimeout    = 10 * time.Second
	DefaultWriteTimeout      = 8 * time.Second
	DefaultRetryAfter        = 5 * time.Second
	DefaultReadHeaderTimeout = 5 * time.Second
	DefaultShutdownTimeout   = 15 * time.Second
	DefaultReadinessTimeout  = 2 * time.Second
	DefaultReadinessInterval = 5 * time.Second

	DefaultBookkeepingQueue   = 1024
	DefaultBookkeepingWorkers = 4
)

// maxTopicLength is Kafka's limit on topic names.
const maxTopicLength = 249

// topicPattern matches the characters Kafka accepts in a topic name.
var topicPattern = regexp.MustCompile(`^[a-zA-Z0-9._-]+$`)

// Config is the configuration of a Server. Zero-valued optional fields take
// the defaults above.
type Config struct {
	// Addr is the listen address of the HTTP server. Default ":8080".
	Addr string

	// Topic is the main topic that accepted events are written to.
	// Default "lms.training.events".
	Topic string

	// DeadLetterTopic receives the raw bodies of invalid webhooks.
	// Default Topic + ".dlt".
	DeadLetterTopic string

	// Brokers are the Kafka bootstrap addresses as host:port. Required.
	Brokers []string

	// IngestToken is the shared secret the LMSs send as
	// "Authorization: Bearer <token>". Required. It is compared in constant
	// time and never logged.
	IngestToken string

	// MaxBodyBytes is the largest accepted request body, in bytes. Larger
	// bodies get 413. Default 1 MiB. An invalid body is kept whole
	// on the dead-letter topic, so the broker's message.max.bytes (Kafka's
	// default is 1048588 bytes) must exceed MaxBodyBytes by about 1 KiB of
	// headers. An invalid body that the broker rejects as too large gets
	// 413 and is not kept.
	MaxBodyBytes int64

	// RequestTimeout bounds one request from reading the body to the
	// response, the Kafka write included. Default 10s, well inside the 15s
	// that many LMSs wait for a response.
	RequestTimeout time.Duration

	// WriteTimeout bounds one Kafka write, retries included. Default 8s, or
	// RequestTimeout when that is shorter. It must not exceed RequestTimeout,
	// which bounds the write as well.
	WriteTimeout time.Duration

	// RetryAfter is the wait sent in the Retry-After header of a 503, rounded
	// up to whole seconds. Default 5s.
	RetryAfter time.Duration

	// GenericTimeZone reads the timestamps of the generic LMS webhook that
	// carry no zone offset. Nil rejects such timestamps with 422.
	GenericTimeZone *time.Location

	// ReadHeaderTimeout bounds reading the request headers, which protects
	// the server from clients that send them slowly. Default 5s.
	ReadHeaderTimeout time.Duration

	// ShutdownTimeout bounds the shutdown of Run: the wait for in-flight
	// requests and then the drain of the bookkeeping queue, together.
	// Close alone gives the drain this long. Default 15s.
	ShutdownTimeout time.Duration

	// ReadinessTimeout bounds one broker check of /readyz. Default 2s.
	ReadinessTimeout time.Duration

	// ReadinessInterval is how long /readyz reuses the result of the last
	// broker check. Default 5s.
	ReadinessInterval time.Duration

	// BookkeepingQueue is the capacity of the queue, in accepted webhooks,
	// that hands the bookkeeping after a 202 (Deduplicator.Remember and
	// AcceptanceRecorder.Accepted) to background workers. A request that
	// finds the queue full does its bookkeeping before it responds.
	// Default 1024. Zero takes the default, and a negative value is invalid.
	BookkeepingQueue int

	// BookkeepingWorkers is the number of goroutines that take jobs from
	// the bookkeeping queue. Default 4. Zero takes the default, and a
	// negative value is invalid.
	BookkeepingWorkers int
}

// withDefaults returns a copy of c with every zero-valued optional field set
// to its default.
func (c Config) withDefaults() Config {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.Topic == "" {
		c.Topic = DefaultTopic
	}
	if c.DeadLetterTopic == "" {
		c.DeadLetterTopic = c.Topic + DeadLetterSuffix
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.BookkeepingQueue == 0 {
		c.BookkeepingQueue = DefaultBookkeepingQueue
	}
	if c.BookkeepingWorkers == 0 {
		c.BookkeepingWorkers = DefaultBookkeepingWorkers
	}

	setDuration(&c.RequestTimeout, DefaultRequestTimeout)
	setDuration(&c.WriteTimeout, min(DefaultWriteTimeout, c.RequestTimeout))
	setDuration(&c.RetryAfter, DefaultRetryAfter)
	setDuration(&c.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	setDuration(&c.ShutdownTimeout, DefaultShutdownTimeout)
	setDuration(&c.ReadinessTimeout, DefaultReadinessTimeout)
	setDuration(&c.ReadinessInterval, DefaultReadinessInterval)

	return c
}

// setDuration sets *d to value when *d is zero.
func setDuration(d *time.Duration, value time.Duration) {
	if *d == 0 {
		*d = value
	}
}

// Validate reports every invalid field of c, each error wrapping
// ErrInvalidConfig and naming the field. Zero-valued optional fields are
// valid because they take their defaults.
func (c Config) Validate() error {
	d := c.withDefaults()
	var errs []error

	if len(d.Brokers) == 0 {
		errs = append(errs, invalid("Brokers is empty: set at least one Kafka bootstrap address, such as 127.0.0.1:9092"))
	}
	for i, broker := range d.Brokers {
		if _, _, err := net.SplitHostPort(broker); err != nil {
			errs = append(errs, invalid("Brokers[%d] %q is not host:port: %v", i, broker, err))
		}
	}

	if d.IngestToken == "" {
		errs = append(errs, invalid("IngestToken is empty: set the bearer secret the LMSs send"))
	} else if strings.TrimSpace(d.IngestToken) != d.IngestToken {
		errs = append(errs, invalid("IngestToken starts or ends with white space, which no Authorization header can carry: remove it"))
	}

	errs = append(errs, validateTopic("Topic", d.Topic), validateTopic("DeadLetterTopic", d.DeadLetterTopic))
	if d.Topic == d.DeadLetterTopic {
		errs = append(errs, invalid("DeadLetterTopic %q equals Topic: leave it empty for %q", d.DeadLetterTopic, d.Topic+DeadLetterSuffix))
	}

	if d.MaxBodyBytes < 0 {
		errs = append(errs, invalid("MaxBodyBytes is %d: set a positive number of bytes, or 0 for %d", d.MaxBodyBytes, DefaultMaxBodyBytes))
	}
	if d.BookkeepingQueue < 0 {
		errs = append(errs, invalid("BookkeepingQueue is %d: set a positive number of webhooks, or 0 for %d", d.BookkeepingQueue, DefaultBookkeepingQueue))
	}
	if d.BookkeepingWorkers < 0 {
		errs = append(errs, invalid("BookkeepingWorkers is %d: set a positive number of goroutines, or 0 for %d", d.BookkeepingWorkers, DefaultBookkeepingWorkers))
	}
	errs = append(errs, validateDurations(d)...)

	return errors.Join(errs...)
}

// validateTopic checks a Kafka topic name.
func validateTopic(field, topic string) error {
	if len(topic) > maxTopicLength || !topicPattern.MatchString(topic) || topic == "." || topic == ".." {
		return invalid("%s %q is not a valid Kafka topic name: use at most %d letters, digits, '.', '_' or '-'", field, topic, maxTopicLength)
	}

	return nil
}

// validateDurations checks that every duration is positive and that the
// Kafka write fits in the request.
func validateDurations(d Config) []error {
	durations := []struct {
		field string
		value time.Duration
	}{
		{"RequestTimeout", d.RequestTimeout},
		{"WriteTimeout", d.WriteTimeout},
		{"RetryAfter", d.RetryAfter},
		{"ReadHeaderTimeout", d.ReadHeaderTimeout},
		{"ShutdownTimeout", d.ShutdownTimeout},
		{"ReadinessTimeout", d.ReadinessTimeout},
		{"ReadinessInterval", d.ReadinessInterval},
	}

	var errs []error
	for _, dur := range durations {
		if dur.value < 0 {
			errs = append(errs, invalid("%s is %s: set a positive duration, or 0 for the default", dur.field, dur.value))
		}
	}
	if d.WriteTimeout > d.RequestTimeout {
		errs = append(errs, invalid("WriteTimeout %s exceeds RequestTimeout %s: the request deadline would cut the write short, so lower WriteTimeout", d.WriteTimeout, d.RequestTimeout))
	}

	return errs
}

// invalid returns an error wrapping ErrInvalidConfig.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...)
}
