package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/arenasync/arenasync/arena"
	"github.com/arenasync/arenasync/consumer"
	"github.com/arenasync/arenasync/store"
)

// kafkaOptions are the Kafka flags shared by the roles.
type kafkaOptions struct {
	brokers     []string
	topic       string
	retryDelays string
}

func (o *kafkaOptions) register(flags *pflag.FlagSet) {
	flags.StringSliceVar(&o.brokers, "kafka-brokers", []string{"127.0.0.1:9092"}, "Kafka bootstrap servers, host:port, comma-separated")
	flags.StringVar(&o.topic, "topic", consumer.DefaultTopic, "main topic; retry tiers are <topic>.retry.<delay> and the dead-letter topic <topic>.dlt")
	flags.StringVar(&o.retryDelays, "retry-delays", "1m,5m,15m", "delay of each retry tier, comma-separated durations (s, m, h)")
}

// delays parses --retry-delays.
func (o *kafkaOptions) delays() ([]time.Duration, error) {
	return consumer.ParseDelays(o.retryDelays)
}

// consumerConfig returns the consumer configuration of these options.
func (o *kafkaOptions) consumerConfig() (consumer.Config, error) {
	delays, err := o.delays()
	if err != nil {
		return consumer.Config{}, err
	}

	return consumer.Config{Brokers: o.brokers, Topic: o.topic, RetryDelays: delays}, nil
}

// redisOptions are the Redis flags shared by the roles.
type redisOptions struct {
	addr     string
	username string
	password string
	db       int
	prefix   string
}

func (o *redisOptions) register(flags *pflag.FlagSet) {
	flags.StringVar(&o.addr, "redis-addr", "127.0.0.1:6379", "Redis server, host:port")
	flags.StringVar(&o.username, "redis-username", "", "Redis ACL user name (empty: none)")
	flags.StringVar(&o.password, "redis-password", "", "Redis password (empty: none)")
	flags.IntVar(&o.db, "redis-db", 0, "Redis database number")
	flags.StringVar(&o.prefix, "redis-prefix", store.DefaultPrefix, "prefix of every Redis key arenasync writes")
	markSecret(flags, "redis-password")
}

// config returns the store configuration of these options.
func (o *redisOptions) config() store.Config {
	return store.Config{Addr: o.addr, Username: o.username, Password: o.password, DB: o.db, Prefix: o.prefix}
}

// arenaOptions are the Arena flags.
type arenaOptions struct {
	url           string
	clientID      string
	clientSecret  string
	timeout       time.Duration
	authMode      string
	tokenPath     string
	loginPath     string
	sessionHeader string
	sessionIdle   time.Duration
	workspaceID   int64
	refreshMargin time.Duration
	recordsPath   string
	recordPath    string
	completePath  string
	userPath      string
}

func (o *arenaOptions) register(flags *pflag.FlagSet) {
	flags.StringVar(&o.url, "arena-url", "", "Arena base URL, such as https://api.arenasolutions.com (required)")
	flags.StringVar(&o.clientID, "arena-client-id", "", "Arena service account client id, or the user's email with --arena-auth-mode session (required)")
	flags.StringVar(&o.clientSecret, "arena-client-secret", "", "Arena service account client secret, or the user's password with --arena-auth-mode session (required)")
	flags.DurationVar(&o.timeout, "arena-timeout", arena.DefaultTimeout, "timeout of one Arena call")
	flags.StringVar(&o.authMode, "arena-auth-mode", string(arena.AuthModeToken), "how to authenticate: token (bearer token from --arena-token-path) or session (session id from --arena-login-path in the --arena-session-header header)")
	flags.StringVar(&o.tokenPath, "arena-token-path", arena.DefaultTokenPath, "path of the token endpoint")
	flags.StringVar(&o.loginPath, "arena-login-path", arena.DefaultLoginPath, "path of the session login, with --arena-auth-mode session")
	flags.StringVar(&o.sessionHeader, "arena-session-header", arena.DefaultSessionHeader, "request header that carries the session id, with --arena-auth-mode session")
	flags.DurationVar(&o.sessionIdle, "arena-session-idle-timeout", arena.DefaultSessionIdleTimeout, "how long Arena keeps a session after its last call; the session is renewed before that")
	flags.Int64Var(&o.workspaceID, "arena-workspace-id", 0, "workspace id sent with the session login (0: none)")
	flags.DurationVar(&o.refreshMargin, "arena-token-refresh-margin", arena.DefaultTokenRefreshMargin, "how long before expiry the token or session is renewed, at most half its lifetime")
	flags.StringVar(&o.recordsPath, "arena-records-path", arena.DefaultRecordsPath, "path that creates training records")
	flags.StringVar(&o.recordPath, "arena-record-path", arena.DefaultRecordPath, "path template of one training record; must contain "+arena.PlaceholderTrainingRecordID)
	flags.StringVar(&o.completePath, "arena-complete-path", arena.DefaultCompletePath, "path template that completes a training record; must contain "+arena.PlaceholderTrainingRecordID)
	flags.StringVar(&o.userPath, "arena-user-path", arena.DefaultUserPath, "path template of one user; must contain "+arena.PlaceholderEmployeeID)
	markSecret(flags, "arena-client-secret")
}

// config returns the Arena client configuration of these options.
func (o *arenaOptions) config() arena.Config {
	return arena.Config{
		BaseURL:            o.url,
		ClientID:           o.clientID,
		ClientSecret:       o.clientSecret,
		Timeout:            o.timeout,
		AuthMode:           arena.AuthMode(o.authMode),
		TokenPath:          o.tokenPath,
		LoginPath:          o.loginPath,
		SessionHeader:      o.sessionHeader,
		SessionIdleTimeout: o.sessionIdle,
		WorkspaceID:        o.workspaceID,
		TokenRefreshMargin: o.refreshMargin,
		RecordsPath:        o.recordsPath,
		RecordPath:         o.recordPath,
		CompletePath:       o.completePath,
		UserPath:           o.userPath,
	}
}

// logOptions select the log format and level.
type logOptions struct {
	level  string
	format string
}

func (o *logOptions) register(flags *pflag.FlagSet, defaultFormat string) {
	flags.StringVar(&o.level, "log-level", "info", "log level: debug, info, warn or error")
	flags.StringVar(&o.format, "log-format", defaultFormat, "log format: json or console")
}

// build returns the configured logger.
func (o *logOptions) build() (*zap.Logger, error) {
	level, err := zapcore.ParseLevel(o.level)
	if err != nil {
		return nil, fmt.Errorf("--log-level %q is invalid: use debug, info, warn or error", o.level)
	}

	var cfg zap.Config
	switch strings.ToLower(o.format) {
	case "json":
		cfg = zap.NewProductionConfig()
		cfg.EncoderConfig.TimeKey = "time"
		cfg.EncoderConfig.EncodeTime = zapcore.ISO8601TimeEncoder
	case "console":
		cfg = zap.NewDevelopmentConfig()
		cfg.EncoderConfig.EncodeLevel = zapcore.CapitalColorLevelEncoder
		cfg.DisableStacktrace = true
	default:
		return nil, fmt.Errorf("--log-format %q is invalid: use json or console", o.format)
	}
	cfg.Level = zap.NewAtomicLevelAt(level)

	return cfg.Build()
}
