package producer

import (
	"crypto/sha256"
	"crypto/subtle"
	"strings"
)

// bearerScheme is the authorization scheme of the ingest token (RFC 6750).
const bearerScheme = "Bearer"

// authenticator checks the bearer token of a request against the ingest
// token. It compares SHA-256 digests in constant time, so neither the
// content nor the length of the token leaks through the response time.
type authenticator struct {
	digest [sha256.Size]byte
}

// newAuthenticator returns an authenticator for token.
func newAuthenticator(token string) authenticator {
	return authenticator{digest: sha256.Sum256([]byte(token))}
}

// check returns "" when the Authorization header carries the ingest token,
// and the reason for rejecting the request otherwise. The reason never
// contains the header's value.
func (a authenticator) check(header string) (reason string) {
	token, ok := bearerToken(header)
	if !ok {
		return "the Authorization header does not carry a bearer token: send Authorization: Bearer <ingest token>"
	}

	digest := sha256.Sum256([]byte(token))
	if subtle.ConstantTimeCompare(digest[:], a.digest[:]) != 1 {
		return "the bearer token is wrong: send the configured ingest token"
	}

	return ""
}

// bearerToken extracts the token of an "Authorization: Bearer <token>"
// header. The scheme is matched without regard to case, as RFC 9110 requires.
func bearerToken(header string) (string, bool) {
	scheme, token, found := strings.Cut(strings.TrimSpace(header), " ")
	if !found || !strings.EqualFold(scheme, bearerScheme) {
		return "", false
	}

	token = strings.TrimSpace(token)

	return token, token != ""
}
