package webhookauth

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
)

// Verifier checks one webhook request.
type Verifier interface {
	// Verify returns nil when the request is authentic, and a *Failure
	// otherwise. body is the raw request body, exactly as received.
	Verify(header http.Header, body []byte) error

	// Scheme names the mode for the WWW-Authenticate header of a 401.
	Scheme() string
}

// Reasons of a Failure. They are the reason label of
// arenasync_ingest_auth_failures_total.
const (
	ReasonMissingToken     = "missing_token"
	ReasonWrongToken       = "wrong_token"
	ReasonMissingSignature = "missing_signature"
	ReasonBadSignature     = "bad_signature"
	ReasonMissingID        = "missing_id"
	ReasonBadTimestamp     = "bad_timestamp"
	ReasonStaleTimestamp   = "stale_timestamp"
)

// Failure is the error of a request that failed verification.
type Failure struct {
	// Reason is one of the Reason* constants.
	Reason string
	// Detail says what was wrong and what the LMS must send. It never
	// contains a secret or a value the client sent in its place.
	Detail string
}

// Error returns the detail.
func (f *Failure) Error() string {
	return f.Detail
}

// fail returns a *Failure.
func fail(reason, detail string) error {
	return &Failure{Reason: reason, Detail: detail}
}

// New returns the Verifier of cfg after validating it.
func New(cfg Config) (Verifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()

	switch cfg.Mode {
	case ModeBearer:
		return &bearer{tokens: newTokenSet(cfg.Secrets)}, nil
	case ModeHMACSHA256:
		return newHMAC(cfg), nil
	case ModeStandardWebhooks:
		return newStandard(cfg), nil
	default:
		return &bodyToken{field: cfg.Field, tokens: newTokenSet(cfg.Secrets)}, nil
	}
}

// tokenSet holds the SHA-256 digests of accepted tokens. Comparing digests
// in constant time leaks neither the content nor the length of a token.
type tokenSet [][sha256.Size]byte

// newTokenSet digests tokens.
func newTokenSet(tokens []string) tokenSet {
	set := make(tokenSet, 0, len(tokens))
	for _, token := range tokens {
		set = append(set, sha256.Sum256([]byte(token)))
	}

	return set
}

// contains reports whether token is in the set. It compares against every
// entry, so the time taken does not tell which entry matched.
func (s tokenSet) contains(token string) bool {
	digest := sha256.Sum256([]byte(token))
	match := 0
	for i := range s {
		match |= subtle.ConstantTimeCompare(digest[:], s[i][:])
	}

	return match == 1
}
