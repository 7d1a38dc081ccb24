package arenasim

import (
	"errors"
	"fmt"
	"time"
)

// Defaults applied to zero Config fields.
const (
	DefaultClientID       = "arenasync"
	DefaultClientSecret   = "secret"
	DefaultTokenLifetime  = time.Hour
	DefaultRequestLogSize = 10_000
)

// ErrInvalidConfig is wrapped by Config.Validate for every invalid field.
var ErrInvalidConfig = errors.New("invalid arena simulator config")

// ClientCredentials is one service account the token endpoint accepts.
type ClientCredentials struct {
	// Secret is the client secret. Required.
	Secret string

	// Scopes are the scopes granted to the account's tokens.
	Scopes []string
}

// Employee is an Arena user that training records can belong to.
type Employee struct {
	ID     string
	Name   string
	Active bool
}

// Course is a course in the catalogue.
type Course struct {
	ID string

	// NeedsApproval makes completions go to PENDING_APPROVAL instead of
	// COMPLETED.
	NeedsApproval bool
}

// Config is the simulator's configuration. Most fields can also be changed
// later through the Sim's setters.
type Config struct {
	// Clients maps client ids to their credentials. Default: client
	// "arenasync" with secret "secret" and all three scopes. Nil or empty
	// means the default.
	Clients map[string]ClientCredentials

	// TokenLifetime is how long issued tokens stay valid. Default 1h. Zero
	// means the default.
	TokenLifetime time.Duration

	// NewLoginInvalidatesOld makes a login end every earlier token of the
	// same client, as real Arena sessions do. Default false.
	NewLoginInvalidatesOld bool

	// SessionIdleTimeout is how long a session from the login endpoint lasts
	// after its last call. Default 90m. Zero means the default.
	SessionIdleTimeout time.Duration

	// SessionHeader is the request header that carries a session id.
	// Default "arena_session_id". Empty means the default.
	SessionHeader string

	// RateLimit is the number of requests per second, over all endpoints,
	// above which the simulator responds 429 with Retry-After. Bursts of up to
	// one second's worth pass. Zero means no limit.
	RateLimit float64

	// ExternalUpdatesDisabled makes completions fail with 403, like a workspace
	// whose external status updates setting is off. Default false.
	ExternalUpdatesDisabled bool

	// ErrorRate is the fraction, 0 to 1, of training-record calls that fail
	// with 503 at random. Zero means none.
	ErrorRate float64

	// Latency is added before every response. Zero means none.
	Latency time.Duration

	// RandomSeed seeds the random draws of ErrorRate, so a run can be
	// repeated. Zero is a valid seed.
	RandomSeed uint64

	// Employees, Courses and Records are loaded at start. An Employee whose
	// Active is false is an inactive user.
	Employees []Employee
	Courses   []Course
	Records   []Record

	// RequestLogSize is how many requests the log keeps, newest last.
	// Default 10,000. Zero means the default.
	RequestLogSize int

	// Now is the clock for token expiry, outages and the request log.
	// Default time.Now.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if len(c.Clients) == 0 {
		c.Clients = map[string]ClientCredentials{
			DefaultClientID: {Secret: DefaultClientSecret, Scopes: AllScopes()},
		}
	}
	if c.TokenLifetime == 0 {
		c.TokenLifetime = DefaultTokenLifetime
	}
	if c.SessionIdleTimeout == 0 {
		c.SessionIdleTimeout = DefaultSessionIdleTimeout
	}
	if c.SessionHeader == "" {
		c.SessionHeader = DefaultSessionHeader
	}
	if c.RequestLogSize == 0 {
		c.RequestLogSize = DefaultRequestLogSize
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Validate reports every invalid field, after defaults, as one error that
// wraps ErrInvalidConfig.
func (c Config) Validate() error {
	c = c.withDefaults()

	var errs []error
	for id, creds := range c.Clients {
		if id == "" {
			errs = append(errs, invalidConfig("Clients contains an empty client id"))
		}
		if creds.Secret == "" {
			errs = append(errs, invalidConfig("Clients[%q] has no secret", id))
		}
	}
	if c.TokenLifetime < 0 {
		errs = append(errs, invalidConfig("TokenLifetime %s is negative", c.TokenLifetime))
	}
	if c.SessionIdleTimeout < 0 {
		errs = append(errs, invalidConfig("SessionIdleTimeout %s is negative", c.SessionIdleTimeout))
	}
	if c.RateLimit < 0 {
		errs = append(errs, invalidConfig("RateLimit %g is negative; use 0 for no limit", c.RateLimit))
	}
	if c.ErrorRate < 0 || c.ErrorRate > 1 {
		errs = append(errs, invalidConfig("ErrorRate %g is outside 0..1", c.ErrorRate))
	}
	if c.Latency < 0 {
		errs = append(errs, invalidConfig("Latency %s is negative", c.Latency))
	}
	if c.RequestLogSize < 0 {
		errs = append(errs, invalidConfig("RequestLogSize %d is negative", c.RequestLogSize))
	}
	for i, r := range c.Records {
		if r.Status != "" && !knownStatus(r.Status) {
			errs = append(errs, invalidConfig("Records[%d] status %q is not a training record status", i, r.Status))
		}
	}

	return errors.Join(errs...)
}

func invalidConfig(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidConfig, fmt.Sprintf(format, args...))
}
