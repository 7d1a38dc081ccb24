package webhookauth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Headers of the Standard Webhooks specification.
const (
	HeaderWebhookID        = "webhook-id"
	HeaderWebhookTimestamp = "webhook-timestamp"
	HeaderWebhookSignature = "webhook-signature"
)

// standardSecretPrefix starts a Standard Webhooks secret; base64 follows.
const standardSecretPrefix = "whsec_"

// standardSignatureVersion starts each signature that this package checks.
// Signatures of other versions in the same header are skipped.
const standardSignatureVersion = "v1,"

// standard checks Standard Webhooks signatures: HMAC-SHA256 over
// "<webhook-id>.<webhook-timestamp>.<body>", base64-encoded.
type standard struct {
	keys      [][]byte
	tolerance time.Duration
	now       func() time.Time
}

// newStandard returns the standard-webhooks verifier of a validated,
// defaulted cfg.
func newStandard(cfg Config) *standard {
	keys := make([][]byte, 0, len(cfg.Secrets))
	for _, secret := range cfg.Secrets {
		key, _ := decodeStandardSecret(secret)
		keys = append(keys, key)
	}

	return &standard{keys: keys, tolerance: cfg.Tolerance, now: cfg.Now}
}

// decodeStandardSecret returns the key of a secret: the base64 after the
// optional "whsec_" prefix, decoded.
func decodeStandardSecret(secret string) ([]byte, error) {
	encoded := strings.TrimPrefix(strings.TrimSpace(secret), standardSecretPrefix)

	return base64.StdEncoding.DecodeString(encoded)
}

// Scheme returns "StandardWebhooks".
func (s *standard) Scheme() string { return "StandardWebhooks" }

// Verify checks the three headers against the body.
func (s *standard) Verify(header http.Header, body []byte) error {
	id := header.Get(HeaderWebhookID)
	stamp := header.Get(HeaderWebhookTimestamp)
	signatures := header.Get(HeaderWebhookSignature)
	switch {
	case id == "":
		return fail(ReasonMissingID, "the webhook-id header is missing: send the Standard Webhooks headers")
	case stamp == "":
		return fail(ReasonBadTimestamp, "the webhook-timestamp header is missing: send the Standard Webhooks headers")
	case signatures == "":
		return fail(ReasonMissingSignature, "the webhook-signature header is missing: send the Standard Webhooks headers")
	}

	if err := s.checkTimestamp(stamp); err != nil {
		return err
	}

	expected := s.signatures(id, stamp, body)
	for _, sent := range strings.Fields(signatures) {
		encoded, ok := strings.CutPrefix(sent, standardSignatureVersion)
		if !ok {
			continue
		}
		decoded, err := base64.StdEncoding.DecodeString(encoded)
		if err != nil {
			continue
		}
		for _, mac := range expected {
			if hmac.Equal(mac, decoded) {
				return nil
			}
		}
	}

	return fail(ReasonBadSignature, "no v1 signature in webhook-signature matches the body: check the secret and send the body unchanged")
}

// checkTimestamp rejects a timestamp further than the tolerance from now,
// which stops a captured delivery from being replayed later.
func (s *standard) checkTimestamp(stamp string) error {
	seconds, err := strconv.ParseInt(strings.TrimSpace(stamp), 10, 64)
	if err != nil {
		return fail(ReasonBadTimestamp, "the webhook-timestamp header is not whole seconds since 1970-01-01")
	}

	sent := time.Unix(seconds, 0)
	now := s.now()
	if sent.Before(now.Add(-s.tolerance)) || sent.After(now.Add(s.tolerance)) {
		return fail(ReasonStaleTimestamp, "the webhook-timestamp is more than "+s.tolerance.String()+" away from this server's clock: check both clocks")
	}

	return nil
}

// signatures returns the expected MAC under every key.
func (s *standard) signatures(id, stamp string, body []byte) [][]byte {
	macs := make([][]byte, 0, len(s.keys))
	for _, key := range s.keys {
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(id + "." + stamp + "."))
		mac.Write(body)
		macs = append(macs, mac.Sum(nil))
	}

	return macs
}
