package webhookauth

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Mode names a way of authenticating webhook requests.
type Mode string

// Modes of Config.Mode.
const (
	ModeBearer           Mode = "bearer"
	ModeHMACSHA256       Mode = "hmac-sha256"
	ModeStandardWebhooks Mode = "standard-webhooks"
	ModeBodyToken        Mode = "body-token"
)

// Signature encodings of the hmac-sha256 mode.
const (
	EncodingHex    = "hex"
	EncodingBase64 = "base64"
)

// Defaults that Config applies to zero-valued fields.
const (
	DefaultHMACHeader = "X-Signature"
	DefaultEncoding   = EncodingHex
	DefaultTokenField = "token"
	DefaultTolerance  = 5 * time.Minute
)

// ErrInvalidConfig is wrapped by New when a Config field is missing or
// invalid. Its messages never contain a secret.
var ErrInvalidConfig = errors.New("invalid webhook authentication config")

// Modes lists every mode, for help texts and messages.
func Modes() []Mode {
	return []Mode{ModeBearer, ModeHMACSHA256, ModeStandardWebhooks, ModeBodyToken}
}

// Config selects and configures one mode.
type Config struct {
	// Mode is the authentication mode. Required.
	Mode Mode

	// Secrets are the accepted shared secrets: bearer tokens, HMAC keys,
	// Standard Webhooks secrets ("whsec_" followed by base64, or base64
	// alone) or body tokens. A request passes when it matches any of them,
	// so list the new and the old secret while rotating. Required: at least
	// one, none empty.
	Secrets []string

	// Header is the request header that carries the HMAC signature, in
	// hmac-sha256 mode only. Default "X-Signature".
	Header string

	// Encoding is how the HMAC signature is written, "hex" or "base64", in
	// hmac-sha256 mode only. Default "hex".
	Encoding string

	// Field is the top-level JSON field that carries the token, in
	// body-token mode only. Default "token".
	Field string

	// Tolerance is how far the webhook-timestamp may lie from the current
	// time, in either direction, in standard-webhooks mode only. Default 5
	// minutes.
	Tolerance time.Duration

	// Now returns the current time for the timestamp check. Nil means
	// time.Now.
	Now func() time.Time
}

// withDefaults returns a copy of c with zero-valued optional fields set.
func (c Config) withDefaults() Config {
	if c.Header == "" {
		c.Header = DefaultHMACHeader
	}
	if c.Encoding == "" {
		c.Encoding = DefaultEncoding
	}
	if c.Field == "" {
		c.Field = DefaultTokenField
	}
	if c.Tolerance == 0 {
		c.Tolerance = DefaultTolerance
	}
	if c.Now == nil {
		c.Now = time.Now
	}

	return c
}

// Validate reports every invalid field of c. It checks the form of
// Standard Webhooks secrets too, without naming their values.
func (c Config) Validate() error {
	d := c.withDefaults()
	var errs []error

	switch d.Mode {
	case ModeBearer, ModeHMACSHA256, ModeStandardWebhooks, ModeBodyToken:
	case "":
		errs = append(errs, invalid("Mode is empty: use one of %s", modeList()))
	default:
		errs = append(errs, invalid("Mode %q is unknown: use one of %s", d.Mode, modeList()))
	}

	if len(d.Secrets) == 0 {
		errs = append(errs, invalid("Secrets is empty: set at least one secret for mode %s", d.Mode))
	}
	for i, secret := range d.Secrets {
		if strings.TrimSpace(secret) == "" {
			errs = append(errs, invalid("Secrets[%d] is empty: remove it or set the secret", i))
		}
	}

	if d.Mode == ModeStandardWebhooks {
		errs = append(errs, checkStandardSecrets(d.Secrets)...)
	}
	if d.Encoding != EncodingHex && d.Encoding != EncodingBase64 {
		errs = append(errs, invalid("Encoding %q is unknown: use %q or %q", d.Encoding, EncodingHex, EncodingBase64))
	}
	if http.CanonicalHeaderKey(d.Header) == "" || strings.ContainsAny(d.Header, " :\t\r\n") {
		errs = append(errs, invalid("Header %q is not a valid header name", d.Header))
	}
	if d.Tolerance < 0 {
		errs = append(errs, invalid("Tolerance is %s: set a positive duration, or 0 for %s", d.Tolerance, DefaultTolerance))
	}

	return errors.Join(errs...)
}

// checkStandardSecrets reports secrets that do not decode, by position only.
func checkStandardSecrets(secrets []string) []error {
	var errs []error
	for i, secret := range secrets {
		if strings.TrimSpace(secret) == "" {
			continue
		}
		if _, err := decodeStandardSecret(secret); err != nil {
			errs = append(errs, invalid("Secrets[%d] is not a Standard Webhooks secret: use \"whsec_\" followed by base64, as the LMS shows it", i))
		}
	}

	return errs
}

// modeList joins the mode names for messages.
func modeList() string {
	names := make([]string, 0, 4)
	for _, m := range Modes() {
		names = append(names, string(m))
	}

	return strings.Join(names, ", ")
}

// invalid returns an error wrapping ErrInvalidConfig.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...)
}
