package webhookauth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
)

// hmacPrefix is the optional algorithm prefix of an HMAC signature header,
// as in "sha256=<hex>".
const hmacPrefix = "sha256="

// hmacVerifier checks HMAC-SHA256 over the raw body.
type hmacVerifier struct {
	header   string
	encoding string
	keys     [][]byte
}

// newHMAC returns the hmac-sha256 verifier of a defaulted cfg.
func newHMAC(cfg Config) *hmacVerifier {
	keys := make([][]byte, 0, len(cfg.Secrets))
	for _, secret := range cfg.Secrets {
		keys = append(keys, []byte(secret))
	}

	return &hmacVerifier{header: cfg.Header, encoding: cfg.Encoding, keys: keys}
}

// Scheme returns "HMAC-SHA256".
func (v *hmacVerifier) Scheme() string { return "HMAC-SHA256" }

// Verify checks the signature header against the body.
func (v *hmacVerifier) Verify(header http.Header, body []byte) error {
	value := strings.TrimSpace(header.Get(v.header))
	if value == "" {
		return fail(ReasonMissingSignature, "the "+v.header+" header is missing: send HMAC-SHA256 of the body, "+v.encoding+"-encoded")
	}

	if len(value) >= len(hmacPrefix) && strings.EqualFold(value[:len(hmacPrefix)], hmacPrefix) {
		value = value[len(hmacPrefix):]
	}
	sent, ok := v.decode(value)
	if !ok {
		return fail(ReasonBadSignature, "the "+v.header+" header is not "+v.encoding+": send HMAC-SHA256 of the body, "+v.encoding+"-encoded")
	}

	match := false
	for _, key := range v.keys {
		mac := hmac.New(sha256.New, key)
		mac.Write(body)
		if hmac.Equal(mac.Sum(nil), sent) {
			match = true
		}
	}
	if !match {
		return fail(ReasonBadSignature, "the "+v.header+" signature does not match the body: sign the exact bytes sent with the configured secret")
	}

	return nil
}

// decode reads the signature in the configured encoding. Base64 may be the
// standard or the URL-safe alphabet, with or without padding.
func (v *hmacVerifier) decode(value string) ([]byte, bool) {
	if v.encoding == EncodingHex {
		sent, err := hex.DecodeString(value)

		return sent, err == nil
	}

	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if sent, err := enc.DecodeString(value); err == nil {
			return sent, true
		}
	}

	return nil, false
}
