package producer

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestConfigDefaults checks the value each zero-valued field takes.
func TestConfigDefaults(t *testing.T) {
	got := Config{}.withDefaults()

	cases := []struct {
		field string
		got   any
		want  any
	}{
		{"Addr", got.Addr, ":8080"},
		{"Topic", got.Topic, "lms.training.events"},
		{"DeadLetterTopic", got.DeadLetterTopic, "lms.training.events.dlt"},
		{"MaxBodyBytes", got.MaxBodyBytes, int64(1 << 20)},
		{"RequestTimeout", got.RequestTimeout, 10 * time.Second},
		{"WriteTimeout", got.WriteTimeout, 8 * time.Second},
		{"RetryAfter", got.RetryAfter, 5 * time.Second},
		{"ReadHeaderTimeout", got.ReadHeaderTimeout, 5 * time.Second},
		{"ShutdownTimeout", got.ShutdownTimeout, 15 * time.Second},
		{"ReadinessTimeout", got.ReadinessTimeout, 2 * time.Second},
		{"ReadinessInterval", got.ReadinessInterval, 5 * time.Second},
		{"BookkeepingQueue", got.BookkeepingQueue, 1024},
		{"BookkeepingWorkers", got.BookkeepingWorkers, 4},
	}
	for _, tc := range cases {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.field, tc.got, tc.want)
		}
	}
}

// TestConfigDefaultsFollowSettings checks the defaults derived from other
// fields.
func TestConfigDefaultsFollowSettings(t *testing.T) {
	got := Config{Topic: "acme.events", RequestTimeout: 3 * time.Second}.withDefaults()

	if got.DeadLetterTopic != "acme.events.dlt" {
		t.Errorf("DeadLetterTopic = %q, want %q", got.DeadLetterTopic, "acme.events.dlt")
	}
	if got.WriteTimeout != 3*time.Second {
		t.Errorf("WriteTimeout = %s, want the shorter RequestTimeout 3s", got.WriteTimeout)
	}
}

// TestConfigValidate checks that each invalid field is reported by name.
func TestConfigValidate(t *testing.T) {
	valid := func() Config {
		return Config{Brokers: []string{"127.0.0.1:9092"}, IngestToken: "token"}
	}

	cases := []struct {
		name string
		edit func(*Config)
		// want is a part of the error message, empty for a valid config.
		want string
	}{
		{name: "minimal config", edit: func(*Config) {}, want: ""},
		{name: "no brokers", edit: func(c *Config) { c.Brokers = nil }, want: "Brokers is empty"},
		{name: "broker without port", edit: func(c *Config) { c.Brokers = []string{"kafka"} }, want: `Brokers[0] "kafka" is not host:port`},
		{name: "no token", edit: func(c *Config) { c.IngestToken = "" }, want: "IngestToken is empty"},
		{name: "token with space", edit: func(c *Config) { c.IngestToken = "token " }, want: "IngestToken starts or ends with white space"},
		{name: "topic with slash", edit: func(c *Config) { c.Topic = "a/b" }, want: `Topic "a/b" is not a valid Kafka topic name`},
		{name: "topic too long", edit: func(c *Config) { c.Topic = strings.Repeat("t", 250) }, want: "Topic"},
		{name: "dead-letter topic dot", edit: func(c *Config) { c.DeadLetterTopic = ".." }, want: `DeadLetterTopic ".." is not a valid Kafka topic name`},
		{name: "dead letters on main topic", edit: func(c *Config) { c.Topic, c.DeadLetterTopic = "t", "t" }, want: `DeadLetterTopic "t" equals Topic`},
		{name: "negative body limit", edit: func(c *Config) { c.MaxBodyBytes = -1 }, want: "MaxBodyBytes is -1"},
		{name: "negative request timeout", edit: func(c *Config) { c.RequestTimeout = -time.Second }, want: "RequestTimeout is -1s"},
		{name: "negative retry after", edit: func(c *Config) { c.RetryAfter = -time.Second }, want: "RetryAfter is -1s"},
		{name: "negative readiness interval", edit: func(c *Config) { c.ReadinessInterval = -time.Second }, want: "ReadinessInterval is -1s"},
		{name: "negative bookkeeping queue", edit: func(c *Config) { c.BookkeepingQueue = -1 }, want: "BookkeepingQueue is -1"},
		{name: "negative bookkeeping workers", edit: func(c *Config) { c.BookkeepingWorkers = -2 }, want: "BookkeepingWorkers is -2"},
		{name: "one bookkeeping slot", edit: func(c *Config) { c.BookkeepingQueue, c.BookkeepingWorkers = 1, 1 }, want: ""},
		{name: "write longer than request", edit: func(c *Config) { c.WriteTimeout = 11 * time.Second }, want: "WriteTimeout 11s exceeds RequestTimeout 10s"},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := valid()
			tc.edit(&cfg)

			err := cfg.Validate()

			if tc.want == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}

				return
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("Validate() = %v, want an error wrapping ErrInvalidConfig", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate() = %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

// TestConfigValidateListsEveryField checks that one call reports all
// invalid fields, not only the first.
func TestConfigValidateListsEveryField(t *testing.T) {
	err := Config{}.Validate()

	for _, field := range []string{"Brokers", "IngestToken"} {
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("Validate() = %v, want it to name %s", err, field)
		}
	}
}

// TestNewRejectsInvalidConfig checks that New validates its config.
func TestNewRejectsInvalidConfig(t *testing.T) {
	_, err := New(Config{IngestToken: "token"}, nil, nil)

	if !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("New error = %v, want ErrInvalidConfig", err)
	}
}
