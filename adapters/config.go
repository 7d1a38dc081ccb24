package adapters

import (
	"errors"
	"fmt"
	"time"
)

// Kind names a webhook body format.
type Kind string

// Kinds of Config.Kind. The value is also the default source name.
const (
	KindGeneric     Kind = "lms"
	KindMoodle      Kind = "moodle"
	KindDocebo      Kind = "docebo"
	Kind360Learning Kind = "360learning"
	KindXAPI        Kind = "xapi"
)

// Actor fields of Config.XAPIActor.
const (
	ActorAccount = "account"
	ActorMbox    = "mbox"
)

// DefaultLookupTimeout bounds one identity lookup when
// Config.LookupTimeout is zero.
const DefaultLookupTimeout = 2 * time.Second

// ErrInvalidConfig is wrapped by New when a Config field is invalid.
var ErrInvalidConfig = errors.New("invalid adapter config")

// Kinds lists every kind, for help texts and messages.
func Kinds() []Kind {
	return []Kind{KindGeneric, KindMoodle, KindDocebo, Kind360Learning, KindXAPI}
}

// Config configures one adapter.
type Config struct {
	// Kind is the body format. Required.
	Kind Kind

	// Source is the name the events carry in Event.Source and the source
	// label of the metrics. Default: Kind. Use another name to serve two
	// LMSs of one kind, such as "moodle-eu" and "moodle-us".
	Source string

	// TimeZone reads timestamps without a zone offset and date-only
	// values. Nil rejects them with 422; the host's zone is never used.
	TimeZone *time.Location

	// Identity maps the LMS user id to Arena's employeeId. Nil keeps the
	// LMS value.
	Identity Identity

	// XAPIActor selects the xAPI actor field that names the employee:
	// "account" (actor.account.name) or "mbox" (actor.mbox without
	// "mailto:"). Kind xapi only. Default "account".
	XAPIActor string

	// LookupTimeout bounds one identity lookup. Default 2s.
	LookupTimeout time.Duration

	// Now returns the current time for the future-date check. Nil means
	// time.Now.
	Now func() time.Time
}

// withDefaults returns a copy of c with zero-valued optional fields set.
func (c Config) withDefaults() Config {
	if c.Source == "" {
		c.Source = string(c.Kind)
	}
	if c.Identity == nil {
		c.Identity = SameID{}
	}
	if c.XAPIActor == "" {
		c.XAPIActor = ActorAccount
	}
	if c.LookupTimeout == 0 {
		c.LookupTimeout = DefaultLookupTimeout
	}
	if c.Now == nil {
		c.Now = time.Now
	}

	return c
}

// Validate reports every invalid field of c.
func (c Config) Validate() error {
	d := c.withDefaults()
	var errs []error

	known := false
	for _, k := range Kinds() {
		known = known || d.Kind == k
	}
	if !known {
		errs = append(errs, invalid("Kind %q is unknown: use one of %v", d.Kind, Kinds()))
	}
	if d.XAPIActor != ActorAccount && d.XAPIActor != ActorMbox {
		errs = append(errs, invalid("XAPIActor %q is unknown: use %q or %q", d.XAPIActor, ActorAccount, ActorMbox))
	}
	if d.LookupTimeout < 0 {
		errs = append(errs, invalid("LookupTimeout is %s: set a positive duration, or 0 for %s", d.LookupTimeout, DefaultLookupTimeout))
	}

	return errors.Join(errs...)
}

// invalid returns an error wrapping ErrInvalidConfig.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...)
}
