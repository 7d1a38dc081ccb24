package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/pflag"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/adapters"
	"github.com/arenasync/arenasync/producer"
	"github.com/arenasync/arenasync/store"
	"github.com/arenasync/arenasync/webhookauth"
)

// Log keys of the source wiring.
const (
	sourceLogKey = "source"
	flagLogKey   = "flag"
)

// authOff turns a source off, so its path returns 404.
const authOff = "off"

// sourceDefault is the default authentication of one LMS source. Sources
// whose mode needs a secret are served only once one is set.
type sourceDefault struct {
	kind adapters.Kind
	auth webhookauth.Mode
}

// lmsSources are the LMS sources of `arenasync ingest` besides the generic
// lms format, in flag order.
var lmsSources = []sourceDefault{
	{kind: adapters.KindMoodle, auth: webhookauth.ModeBodyToken},
	{kind: adapters.KindDocebo, auth: webhookauth.ModeBearer},
	{kind: adapters.Kind360Learning, auth: webhookauth.ModeStandardWebhooks},
	{kind: adapters.KindXAPI, auth: webhookauth.ModeBearer},
}

// sourceFlags are the flags of one LMS source.
type sourceFlags struct {
	kind      adapters.Kind
	auth      string
	secrets   []string
	header    string
	encoding  string
	timeZone  string
	identity  string
	maxBody   int64
	xapiActor string
}

// ingestSourceOptions are the per-source flags of `arenasync ingest`.
type ingestSourceOptions struct {
	sources []*sourceFlags
}

// register adds the flags of every LMS source, named --<source>-<setting>.
func (o *ingestSourceOptions) register(flags *pflag.FlagSet) {
	for _, d := range lmsSources {
		f := &sourceFlags{kind: d.kind}
		o.sources = append(o.sources, f)
		name := string(d.kind)

		flags.StringVar(&f.auth, name+"-auth", string(d.auth), fmt.Sprintf("how %s deliveries are authenticated: bearer, hmac-sha256, standard-webhooks, body-token, or off to stop serving /v1/webhooks/%s", name, name))
		flags.StringSliceVar(&f.secrets, name+"-secrets", nil, fmt.Sprintf("%s secrets, comma-separated; every one is accepted, so list the new and the old one while rotating (bearer without secrets: the ingest token; other modes without secrets: the source is not served)", name))
		flags.StringVar(&f.header, name+"-signature-header", webhookauth.DefaultHMACHeader, fmt.Sprintf("header that carries the %s HMAC-SHA256 signature (hmac-sha256 only)", name))
		flags.StringVar(&f.encoding, name+"-signature-encoding", webhookauth.DefaultEncoding, fmt.Sprintf("encoding of the %s HMAC-SHA256 signature: hex or base64 (hmac-sha256 only)", name))
		flags.StringVar(&f.timeZone, name+"-time-zone", "", fmt.Sprintf("IANA time zone of %s timestamps without an offset, such as Europe/Berlin (empty: such timestamps get 422)", name))
		flags.StringVar(&f.identity, name+"-identity", adapters.IdentitySame, fmt.Sprintf("rule from the %s user id to Arena's employeeId: same, prefix:<prefix>, file:<csv path> or redis (hash <redis-prefix>identity:%s)", name, name))
		flags.Int64Var(&f.maxBody, name+"-max-body-bytes", 0, fmt.Sprintf("largest accepted %s body in bytes, at most --max-body-bytes (0: --max-body-bytes)", name))
		markSecret(flags, name+"-secrets")
		if d.kind == adapters.KindXAPI {
			flags.StringVar(&f.xapiActor, "xapi-actor", adapters.ActorAccount, "xAPI actor field that names the employee: account (actor.account.name) or mbox (actor.mbox without mailto:)")
		}
	}
}

// build returns the producer options that serve every configured source,
// the generic lms format included, and a function that closes the Redis
// client opened for identity lookups, if any.
func (o *ingestSourceOptions) build(logger *zap.Logger, reg prometheus.Registerer, redisOpts redisOptions, lmsZone *time.Location) ([]producer.Option, func() error, error) {
	closeRedis := func() error { return nil }
	var rdb *redis.Client
	var prefix string
	if o.needsRedis() {
		client, p, err := store.Open(redisOpts.config())
		if err != nil {
			return nil, closeRedis, fmt.Errorf("open Redis for identity lookups: %w", err)
		}
		rdb, prefix, closeRedis = client, p, client.Close
	}

	metrics, err := adapters.NewMetrics(reg)
	if err != nil {
		return nil, closeRedis, err
	}

	generic, err := adapters.New(adapters.Config{Kind: adapters.KindGeneric, TimeZone: lmsZone}, logger, metrics)
	if err != nil {
		return nil, closeRedis, err
	}
	opts := []producer.Option{producer.WithSource(generic.Source(), generic.Parse)}

	for _, f := range o.sources {
		sourceOpts, err := f.options(logger, metrics, rdb, prefix)
		if err != nil {
			return nil, closeRedis, errors.Join(err, closeRedis())
		}
		opts = append(opts, sourceOpts...)
	}

	return opts, closeRedis, nil
}

// needsRedis reports whether a served source looks users up in Redis.
func (o *ingestSourceOptions) needsRedis() bool {
	for _, f := range o.sources {
		if f.auth != authOff && f.identity == adapters.IdentityRedis {
			return true
		}
	}

	return false
}

// options returns the producer options of one source, or none when the
// source is off or has no secret for its mode.
func (f *sourceFlags) options(logger *zap.Logger, metrics *adapters.Metrics, rdb *redis.Client, redisPrefix string) ([]producer.Option, error) {
	name := string(f.kind)
	if f.auth == authOff {
		logger.Info("webhook source off", zap.String(sourceLogKey, name))

		return nil, nil
	}
	if len(f.secrets) == 0 && f.auth != string(webhookauth.ModeBearer) {
		logger.Info("webhook source not served: set its secrets", zap.String(sourceLogKey, name), zap.String(flagLogKey, "--"+name+"-secrets"))

		return nil, nil
	}

	cfg, err := f.adapterConfig(rdb, redisPrefix)
	if err != nil {
		return nil, err
	}
	adapter, err := adapters.New(cfg, logger, metrics)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", name, err)
	}

	opts := []producer.Option{producer.WithRequestSource(name, adapter.ParseRequest)}
	if f.maxBody != 0 {
		opts = append(opts, producer.WithSourceBodyLimit(name, f.maxBody))
	}
	if len(f.secrets) == 0 {
		return opts, nil
	}

	verifier, err := webhookauth.New(webhookauth.Config{Mode: webhookauth.Mode(f.auth), Secrets: f.secrets, Header: f.header, Encoding: f.encoding})
	if err != nil {
		return nil, fmt.Errorf("--%s-auth, --%s-secrets: %w", name, name, err)
	}

	return append(opts, producer.WithSourceAuth(name, verifier)), nil
}

// adapterConfig returns the adapter configuration of the flags.
func (f *sourceFlags) adapterConfig(rdb *redis.Client, redisPrefix string) (adapters.Config, error) {
	name := string(f.kind)
	cfg := adapters.Config{Kind: f.kind, XAPIActor: f.xapiActor}

	if f.timeZone != "" {
		zone, err := time.LoadLocation(f.timeZone)
		if err != nil {
			return cfg, fmt.Errorf("--%s-time-zone %q is not an IANA time zone such as Europe/Berlin: %w", name, f.timeZone, err)
		}
		cfg.TimeZone = zone
	}

	var client redis.UniversalClient
	if rdb != nil {
		client = rdb
	}
	identity, err := adapters.ParseIdentity(strings.TrimSpace(f.identity), name, client, redisPrefix)
	if err != nil {
		return cfg, fmt.Errorf("--%s-identity: %w", name, err)
	}
	cfg.Identity = identity

	return cfg, nil
}
